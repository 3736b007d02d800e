"""Several test sets in the modes, against the in-memory service (PRODUCT.md "Test sets"):
the first set gates on min-improvement, every other one guards against regressions with
its max-regression; each set is its own dataset and evaluation, evaluations are submitted
together, and records keep one score per set (records from before test sets read as the
gating set)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from speech_action.data import DataValidationError
from speech_action.data.layout import DataLayout, TestSetSpec
from speech_action.modes.entities import entity_id
from speech_action.records import BenchmarkRecord, CandidateRecord, ModelRef, TestSetScore
from speech_action.records.models import CANDIDATES_PREFIX, RESULTS_PREFIX
from speech_action.scoring import MaxRegression
from tests.modes.conftest import EXAMPLE, PULL_REQUEST, PUSH_TO_MAIN, Harness
from tests.modes.test_train_and_gate import drop_last_word

DOMAIN_WORDS = ("sharjah", "godrive", "majaz", "qasba", "khor", "fakkan", "ajman", "kalba")
DOMAIN = TestSetSpec("domain", "testing_data")
NEXT_RUN = replace(PUSH_TO_MAIN, commit_sha="3" * 40, run_id="300")


def general(max_regression: MaxRegression | None = None) -> TestSetSpec:
    return TestSetSpec("general", "general_testing_data", max_regression or MaxRegression(1.0))


def two_sets(harness: Harness, guard: TestSetSpec | None = None) -> DataLayout:
    """The layout of `domain` (gating) and `general` (a guard) in the harness's workspace."""
    if not (harness.workspace / "general_testing_data").exists():
        shutil.copytree(EXAMPLE / "general_testing_data",
                        harness.workspace / "general_testing_data")
    return DataLayout(testing="testing_data", test_sets=(DOMAIN, guard or general()))


def domain_expert(text: str) -> str:
    """A model that learned the domain and now hears "the" as "Sharjah" in everyday speech,
    on top of what the base model (`drop_last_word`) gets wrong there."""
    if any(word in text.lower() for word in DOMAIN_WORDS):
        return text
    return drop_last_word(text.replace("the ", "Sharjah ").replace("The ", "Sharjah "))


@pytest.fixture
def improving(harness: Harness) -> Harness:
    """The base model drops a word per utterance on every set; trained models are perfect."""
    harness.service.recognizers["base-2"] = drop_last_word
    return harness


def evaluations_of(harness: Harness) -> list[dict[str, object]]:
    return harness.service.all("evaluations")


def test_benchmark_test_measures_every_set_and_stores_a_benchmark_per_set(
        improving: Harness) -> None:
    outcome = improving.run("benchmark-test", data=two_sets(improving))

    evaluations = evaluations_of(improving)
    assert [e["displayName"] for e in evaluations] == [
        "1111111 benchmark-test evaluation domain", "1111111 benchmark-test evaluation general"]
    record = improving.store.read_benchmark().record
    assert record is not None
    assert [(s.name, s.path, s.gating) for s in record.test_sets] == [
        ("domain", "testing_data", True), ("general", "general_testing_data", False)]
    domain, guard = record.test_sets
    assert record.wer_percent == domain.wer_percent  # old readers read the gating set's
    assert record.test_data_hash == domain.test_data_hash != guard.test_data_hash
    assert guard.wer_percent > 0 and guard.max_regression == "1"
    sets = json.loads(outcome.outputs["test-sets"])
    assert list(sets) == ["domain", "general"]
    assert sets["domain"]["wer"] == outcome.outputs["wer"]
    assert sets["general"]["verdict"] == "measured"
    assert [g.name for g in outcome.report.guard_sets] == ["general"]
    assert outcome.report.test_set == "domain"


def test_all_evaluations_are_submitted_before_the_first_wait(improving: Harness) -> None:
    improving.run("train-and-gate", run=PULL_REQUEST, data=two_sets(improving))
    created = {e["createdDateTime"] for e in evaluations_of(improving)}
    # The fake clock moves only while the run waits: one time means no wait in between.
    assert len(evaluations_of(improving)) == 2 and len(created) == 1


def test_improved_when_the_domain_improves_and_the_guard_holds(improving: Harness) -> None:
    outcome = improving.run("train-and-gate", run=PULL_REQUEST, data=two_sets(improving))

    assert outcome.outputs["improved"] == "true"
    gate = outcome.report.gate
    assert gate is not None and [g.passed for g in gate.guards] == [True]
    assert gate.reason.startswith("domain: WER fell")
    assert "guard set(s) general within their max-regression" in gate.reason
    sets = json.loads(outcome.outputs["test-sets"])
    assert sets["domain"]["verdict"] == "improved"
    assert sets["general"] == {**sets["general"], "verdict": "within max-regression",
                               "max-regression": "1", "gating": False}
    assert float(sets["general"]["wer"]) < float(sets["general"]["benchmark-wer"])
    (candidate,) = improving.store.candidates()
    assert [(s.name, s.passed) for s in candidate.record.test_sets] == [
        ("domain", True), ("general", True)]


def test_a_guard_set_that_gets_worse_blocks_the_model_and_is_named(improving: Harness) -> None:
    harness = improving
    harness.service.trained_recognizer = domain_expert
    outcome = harness.run("train-and-gate", run=PULL_REQUEST, data=two_sets(harness))

    assert outcome.outputs["improved"] == "false"
    gate = outcome.report.gate
    assert gate is not None
    assert "blocked by general: WER rose" in gate.reason
    assert "more than the allowed 1.00 points" in gate.reason
    sets = json.loads(outcome.outputs["test-sets"])
    assert (sets["domain"]["verdict"], sets["general"]["verdict"]) == (
        "improved", "beyond max-regression")
    assert harness.store.candidates() == []  # nothing for deploy to pick up
    assert not harness.backend.list_entries(CANDIDATES_PREFIX)
    (result,) = [json.loads(harness.backend.objects[entry.name][0]) for entry
                 in harness.backend.list_entries(RESULTS_PREFIX + "train-and-gate/")]
    assert [s["passed"] for s in result["test_sets"]] == [True, False]


@pytest.mark.parametrize(("base_hears", "held"), [(drop_last_word, True),
                                                 (lambda text: text, False)])
def test_a_relative_max_regression_is_a_share_of_the_sets_benchmark_wer(
        harness: Harness, base_hears: Callable[[str], str], held: bool) -> None:
    harness.service.recognizers["base-2"] = base_hears
    harness.service.trained_recognizer = domain_expert
    generous = general(MaxRegression(1000.0, relative=True))
    outcome = harness.run("train-and-gate", run=PULL_REQUEST, data=two_sets(harness, generous))
    # 1000 % of a 0 % benchmark WER (a base model that hears everything) allows nothing.
    gate = outcome.report.gate
    assert gate is not None and [g.passed for g in gate.guards] == [held]
    assert json.loads(outcome.outputs["test-sets"])["general"]["max-regression"] == "1000%"


def test_adding_a_set_later_costs_only_that_sets_upload_and_evaluation(
        improving: Harness) -> None:
    first = improving.run("train-and-gate", run=PULL_REQUEST)
    assert json.loads(first.outputs["test-sets"])["testing_data"]["verdict"] == "improved"
    calls = len(improving.service.calls)

    second = improving.run("train-and-gate", run=PULL_REQUEST, data=two_sets(improving))
    new_calls = improving.service.calls[calls:]
    assert new_calls.count("create evaluations") == 1  # the domain's is reused
    assert "create models" not in new_calls
    assert sum(call.startswith("create dataset") for call in new_calls) == 1
    assert second.outputs["model-id"] == first.outputs["model-id"]
    assert second.outputs["evaluation"] == first.outputs["evaluation"]


def test_deploy_records_every_sets_wer_of_the_deployed_model(improving: Harness) -> None:
    sets = two_sets(improving)
    trained = improving.run("train-and-gate", data=sets)
    deployed = improving.run("deploy", run=NEXT_RUN, data=sets)

    assert deployed.outputs["test-sets"] == trained.outputs["test-sets"]
    record = improving.store.read_benchmark().record
    assert record is not None and record.kind == "deploy"
    trained_sets = json.loads(trained.outputs["test-sets"])
    assert [(s.name, s.wer_percent) for s in record.test_sets] == [
        (name, float(figures["wer"])) for name, figures in trained_sets.items()]
    assert all(s.passed is None and s.benchmark_wer_percent is None for s in record.test_sets)
    change = deployed.report.deployment
    assert change is not None and set(change.deployed.test_set_wers) == {"domain", "general"}


def test_records_from_before_test_sets_read_as_the_gating_set(improving: Harness) -> None:
    """A benchmark and a candidate written by a version without test sets (no `test_sets`):
    the history draws them as the gating set, and deploy makes a benchmark of the one set
    they hold, saying which configured set has no WER yet."""
    old_model = improving.service.add("models", {"displayName": "old", "locale": "en-US"})
    ref = ModelRef(url=old_model["self"], id=entity_id(old_model["self"]), name="old")
    old_benchmark = BenchmarkRecord(
        commit="4" * 40, run_id="1", locale="en-US",
        time=improving.clock.now() - timedelta(days=2), kind="benchmark-test", model=ref,
        wer_percent=9.0, test_data_hash="old")
    improving.store.write_benchmark(old_benchmark, expected=improving.store.read_benchmark())
    improving.store.write_candidate(CandidateRecord(
        commit="4" * 40, run_id="1", locale="en-US", time=improving.clock.now(),
        ref="refs/heads/main", event="push", model=ref, wer_percent=4.0,
        benchmark_wer_percent=9.0, improved=True, test_data_hash="old"))

    outcome = improving.run("deploy", run=NEXT_RUN, model=old_model["self"],
                            data=two_sets(improving))

    record = improving.store.read_benchmark().record
    assert record is not None
    assert record.test_sets == (TestSetScore(name="domain", gating=True, wer_percent=4.0,
                                             test_data_hash="old"),)
    assert any("not evaluated on the test set(s) general" in w
               for w in outcome.report.warnings)
    history = outcome.report.history
    assert [(p.test_set, p.wer_percent) for p in history] == [("domain", 9.0), ("domain", 4.0)]
    assert json.loads(outcome.outputs["test-sets"])["domain"]["wer-delta"] == "5.00"


def test_without_test_sets_the_one_set_is_named_after_its_folder(improving: Harness) -> None:
    outcome = improving.run("train-and-gate", run=PULL_REQUEST)
    assert [e["displayName"] for e in evaluations_of(improving)] == [
        "2222222 train-and-gate evaluation"]
    assert list(json.loads(outcome.outputs["test-sets"])) == ["testing_data"]
    assert outcome.report.guard_sets == ()
    assert outcome.report.gate is not None and outcome.report.gate.guards == ()


def test_a_missing_guard_set_stops_the_run_before_any_upload(improving: Harness) -> None:
    layout = DataLayout(testing="testing_data", test_sets=(
        DOMAIN, TestSetSpec("noisy", "noisy_testing_data", MaxRegression())))
    with pytest.raises(DataValidationError) as stopped:
        improving.run("train-and-gate", run=PULL_REQUEST, data=layout)
    (problem,) = stopped.value.problems
    assert problem.file == "noisy_testing_data"
    assert "does not exist" in problem.message and "fix its path in test-sets" in problem.message
    assert not [call for call in improving.service.calls if call.startswith("create")]


def test_a_repository_of_one_set_writes_the_records_it_always_wrote(
        improving: Harness) -> None:
    """Without `test-sets` the records hold no per-set list: they stay the gating set's
    under whatever name it gets when `test-sets` is added later."""
    improving.run("benchmark-test")
    improving.run("train-and-gate", run=NEXT_RUN)
    stored = [json.loads(data) for data, _ in improving.backend.objects.values()]
    assert stored and all(record["test_sets"] == [] for record in stored)

    later = improving.run("train-and-gate", run=NEXT_RUN, data=two_sets(improving))
    assert {p.test_set for p in later.report.history} == {"domain"}


def test_a_renamed_set_keeps_its_history_by_its_path(improving: Harness) -> None:
    improving.run("benchmark-test", data=two_sets(improving))
    renamed = DataLayout(testing="testing_data", test_sets=(
        TestSetSpec("sharjah", "testing_data"), TestSetSpec("everyday", "general_testing_data",
                                                            MaxRegression(1.0))))
    outcome = improving.run("benchmark-test", run=NEXT_RUN, data=renamed)
    names = [p.test_set for p in outcome.report.history]
    assert names == ["sharjah", "everyday", "sharjah", "everyday"]


def test_a_long_folder_name_from_the_pull_request_is_no_crash(improving: Harness) -> None:
    """Without `test-sets` the set is named after its folder, which the pull request names
    (up to the file system's 255 bytes, nested up to its 4096): records take any of them."""
    deep = Path(*["d" * 200] * 4, "t" * 250)
    shutil.move(improving.workspace / "testing_data", improving.workspace / deep)
    outcome = improving.run("train-and-gate", run=PULL_REQUEST, data=DataLayout(testing=deep))
    assert list(json.loads(outcome.outputs["test-sets"])) == ["t" * 250]
