"""train-and-gate against the in-memory service: reuse, resume, and a gate that fails closed
(product contract, "Modes" and "Gate and deploy integrity")."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest

from speech_action.client.errors import NoAdaptableBaseModelError
from speech_action.data import (
    DataValidationError,
    content_hash,
    discover_test_data,
    stream_package,
)
from speech_action.data.layout import DataLayout
from speech_action.errors import ConfigError, JobTimeoutError
from speech_action.modes.entities import CONTENT_HASH
from speech_action.modes.scores import EvaluationResultError
from tests.modes.conftest import PULL_REQUEST, Harness
from tests.support.fake_speech import MISSING, START, base_model_json


def drop_last_word(text: str) -> str:
    return " ".join(text.split()[:-1])


@pytest.fixture
def improving(harness: Harness) -> Harness:
    """The newest base model (the benchmark before any record) drops a word per utterance;
    trained models transcribe perfectly."""
    harness.service.recognizers["base-2"] = drop_last_word
    return harness


def test_an_improved_model_is_recorded_with_its_provenance(improving: Harness) -> None:
    outcome = improving.run("train-and-gate", run=PULL_REQUEST)
    assert outcome.outputs["improved"] == "true"
    assert float(outcome.outputs["wer"]) == 0.0 < float(outcome.outputs["benchmark-wer"])
    [stored] = improving.store.candidates("en-US")
    assert (stored.record.event, stored.record.ref) == ("pull_request", "refs/pull/7/merge")
    assert stored.record.commit == PULL_REQUEST.commit_sha
    assert stored.record.model.id == outcome.outputs["model-id"]


def test_a_rerun_reuses_data_model_and_evaluation(improving: Harness) -> None:
    first = improving.run("train-and-gate")
    calls = len(improving.service.calls)
    second = improving.run("train-and-gate")
    assert improving.service.calls[calls:] == []  # nothing created the second time
    assert second.outputs == first.outputs


def test_no_improvement_records_no_candidate(harness: Harness) -> None:
    outcome = harness.run("train-and-gate")  # every model transcribes perfectly: no gain
    assert outcome.outputs["improved"] == "false"
    assert harness.store.candidates() == []
    assert outcome.failed_reason is None
    failing = harness.run("train-and-gate", fail_on_no_improvement=True)
    assert failing.failed_reason and "did not improve" in failing.failed_reason


# API description, EvaluationProperties: wordErrorRate1/2 are the models' rates. A finished
# evaluation without them (or with nonsense) cannot show that a model is better.
BROKEN_SCORES: dict[str, dict[str, Any]] = {
    "wordErrorRate2 missing": {"wordErrorRate2": MISSING},
    "wordErrorRate2 null": {"wordErrorRate2": None},
    "wordErrorRate2 NaN": {"wordErrorRate2": math.nan},
    "wordErrorRate2 Infinity": {"wordErrorRate2": math.inf},
    "wordErrorRate1 Infinity": {"wordErrorRate1": math.inf},
    "wordErrorRate2 negative": {"wordErrorRate2": -0.05},
    "wordErrorRate2 above 1000 %": {"wordErrorRate2": 10.5},
    "wordCount2 zero": {"wordCount2": 0},
    "wordErrorRate2 far below its transcriptions": {"wordErrorRate1": 0.9},
}


@pytest.mark.parametrize("overrides", BROKEN_SCORES.values(), ids=BROKEN_SCORES.keys())
def test_the_gate_fails_closed(improving: Harness, overrides: dict[str, Any]) -> None:
    improving.service.evaluation_overrides = overrides
    with pytest.raises(EvaluationResultError, match="fails closed"):
        improving.run("train-and-gate")
    assert improving.store.candidates() == []
    assert improving.backend.objects == {}  # no result, no candidate: nothing recorded


def test_a_rerun_after_unusable_scores_evaluates_again(improving: Harness) -> None:
    improving.service.evaluation_overrides = {"wordErrorRate2": None}
    with pytest.raises(EvaluationResultError):
        improving.run("train-and-gate")
    improving.service.evaluation_overrides = {}
    outcome = improving.run("train-and-gate")
    assert outcome.outputs["improved"] == "true"
    assert len(improving.service.created("evaluations")) == 2


def test_transcripts_without_words_stop_before_any_upload(improving: Harness) -> None:
    # A test set whose transcripts hold no words after normalization has no WER: a data
    # validation problem on the file and line, before the service is touched.
    transcript = improving.workspace / "testing_data" / "trans.txt"
    lines = transcript.read_text(encoding="utf-8-sig").splitlines()
    transcript.write_text("".join(f"{line.split(chr(9))[0]}\t...!\n" for line in lines),
                          encoding="utf-8")
    with pytest.raises(DataValidationError, match="has no words"):
        improving.run("train-and-gate")
    assert improving.service.calls == []


def test_an_expired_benchmark_model_gives_way_to_the_newest_base_model(
    improving: Harness,
) -> None:
    # Batch transcription (and so evaluation) refuses a model past its
    # deprecationDates.transcriptionDateTime (Learn: "Model and endpoint lifecycle").
    expired = improving.service.add("models", {
        "displayName": "old production model", "locale": "en-US",
        "properties": {"deprecationDates": {
            "transcriptionDateTime": (START - timedelta(days=1)).isoformat()}}})
    outcome = improving.run("train-and-gate", benchmark_model=expired["self"])
    assert outcome.outputs["improved"] == "true"
    [warning] = [w for w in outcome.report.warnings if "can no longer transcribe" in w]
    assert "old production model" in warning and "base-2" in warning
    [evaluation] = improving.service.all("evaluations")
    assert evaluation["model1"]["self"].endswith("/models/base/base-2")


def test_a_dataset_whose_upload_was_cancelled_is_replaced(improving: Harness) -> None:
    # Datasets_GetBlocks: a dataset created for blocks stays NotStarted until its blocks
    # are committed; one whose run was cancelled before the commit never starts.
    test_set = discover_test_data(improving.workspace, DataLayout())
    orphan = improving.service.add("datasets", {
        "displayName": "cancelled upload", "locale": "en-US", "kind": "Acoustic",
        "customProperties": {CONTENT_HASH: content_hash(test_set)}}, status="NotStarted")
    outcome = improving.run("train-and-gate", timeout_minutes=5)
    assert outcome.outputs["improved"] == "true"
    assert f"blocks {orphan['self'].rsplit('/', 1)[-1]}" in improving.service.calls
    assert "never committed" in improving.log
    assert orphan["status"] == "NotStarted"  # left alone, not waited for


def test_a_dataset_still_importing_is_reused(improving: Harness) -> None:
    test_set = discover_test_data(improving.workspace, DataLayout())
    pending = improving.service.add("datasets", {
        "displayName": "importing", "locale": "en-US", "kind": "Acoustic",
        "contentUrl": "https://storage.invalid/uploads/x.zip",
        "customProperties": {CONTENT_HASH: content_hash(test_set)}}, status="NotStarted",
        polls=2, content=b"".join(stream_package(test_set)))
    improving.run("train-and-gate")
    assert pending["status"] == "Succeeded"
    assert len(improving.service.created("datasets")) == 2  # only the training datasets


def test_waits_stay_inside_the_time_budget(improving: Harness) -> None:
    improving.service.polls_to_finish = 1000  # training takes far longer than the budget
    improving.budget_s = 600
    with pytest.raises(JobTimeoutError, match="timeout-minutes"):
        improving.run("train-and-gate", timeout_minutes=10)
    assert improving.clock() <= 600


def test_no_adaptable_base_model_is_a_clear_error_before_training(harness: Harness) -> None:
    harness.service.base_models = []
    with pytest.raises(NoAdaptableBaseModelError):
        harness.run("train-and-gate")
    assert harness.service.created("models") == []


def test_the_base_model_supports_every_kind_of_training_data(harness: Harness) -> None:
    # BaseModelFeatures.supportsAdaptationsWith (API description; issue #14, item 1): the
    # example trains Language and Pronunciation, which the newest base model cannot take.
    harness.service.base_models = [
        base_model_json("base-1", created=START - timedelta(days=300)),
        base_model_json("base-2", created=START - timedelta(days=30),
                        kinds=["Language", "LanguageMarkdown"]),
    ]
    harness.run("train-and-gate")
    (model,) = harness.service.all("models")
    assert model["baseModel"]["self"].endswith("/models/base/base-1")
    assert "newest adaptable with Language, Pronunciation" in harness.log


def test_a_named_base_model_that_cannot_take_the_data_fails_before_any_upload(
        harness: Harness) -> None:
    harness.service.base_models = [
        base_model_json("text-only", created=START, kinds=["Language"]),
    ]
    with pytest.raises(ConfigError, match="lacks adaptation with Pronunciation") as caught:
        harness.run("train-and-gate", base_model="text-only")
    assert caught.value.input_name == "base-model"
    assert harness.service.created("datasets") == []


def test_a_base_model_without_endpoints_is_not_chosen(harness: Harness) -> None:
    # SharedModelFeatures.supportsEndpoints: the action trains to deploy.
    harness.service.base_models = [
        base_model_json("base-1", created=START - timedelta(days=300)),
        base_model_json("base-2", created=START - timedelta(days=30), endpoints=False),
    ]
    harness.run("train-and-gate")
    (model,) = harness.service.all("models")
    assert model["baseModel"]["self"].endswith("/models/base/base-1")


def test_a_markdown_file_that_is_not_structured_text_is_a_notice_on_that_file(
        harness: Harness) -> None:
    # Learn, "Structured text data for training": only Markdown in that format is a
    # LanguageMarkdown dataset; other .md files are left out, and the run says so.
    (harness.workspace / "training_data" / "notes.md").write_text(
        "# How we collected this data\n\nPlain prose, no lists or templates.\n",
        encoding="utf-8")
    harness.run("train-and-gate")
    assert "notice: training_data/notes.md" in harness.log
    assert not any(d.get("kind") == "LanguageMarkdown" for d in harness.service.all("datasets"))
