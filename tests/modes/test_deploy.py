"""deploy against the in-memory service: which candidate, verification by GET, and records
that agree with the endpoint (product contract, "Gate and deploy integrity")."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from speech_action.errors import ConfigError, JobTimeoutError
from speech_action.modes.endpoint import EndpointChangedError
from speech_action.modes.entities import entity_id
from speech_action.records import BenchmarkRecord, CandidateRecord, ModelRef
from speech_action.records.models import BENCHMARK_NAME
from tests.modes.conftest import PULL_REQUEST, PUSH_TO_MAIN, Harness
from tests.support.fake_speech import BASE, FakeSpeech

ENDPOINT_NAME = "contoso custom speech"
NEXT_COMMIT_ON_MAIN = replace(PUSH_TO_MAIN, commit_sha="3" * 40, run_id="300")


def trained_model(harness: Harness, name: str) -> dict[str, Any]:
    return harness.service.add("models", {"displayName": name, "locale": "en-US"})


def record_candidate(harness: Harness, model: dict[str, Any], *, commit: str, event: str,
                     ref: str, claimed_time: Any = None, run_id: str = "1") -> None:
    harness.store.write_candidate(CandidateRecord(
        commit=commit, run_id=run_id, time=claimed_time or harness.clock.now(),
        locale="en-US", ref=ref, event=event,
        model=ModelRef(url=model["self"], id=entity_id(model["self"]),
                       name=model["displayName"]),
        wer_percent=5.0, benchmark_wer_percent=8.0, improved=True, test_data_hash="t"))
    harness.clock.sleep(60)  # the store's clock moves on between writes


def endpoint(harness: Harness, serving: dict[str, Any] | None = None) -> dict[str, Any]:
    model = serving or {"self": f"{BASE}/models/base/base-2"}
    return harness.service.add("endpoints", {"displayName": ENDPOINT_NAME, "locale": "en-US",
                                             "model": {"self": model["self"]}})


def served_model(harness: Harness) -> str:
    [only] = harness.service.all("endpoints")
    return entity_id(only["model"]["self"])


def benchmark_model(harness: Harness) -> str | None:
    record = harness.store.read_benchmark().record
    return None if record is None else record.model.id


# ---- which candidate --------------------------------------------------------------------


def test_this_commits_candidate_is_deployed_and_becomes_the_benchmark(harness: Harness) -> None:
    model = trained_model(harness, "this commit's model")
    record_candidate(harness, model, commit=PUSH_TO_MAIN.commit_sha, event="push",
                     ref="refs/heads/main")
    outcome = harness.run("deploy")
    assert served_model(harness) == benchmark_model(harness) == outcome.outputs["model-id"]
    assert outcome.outputs["wer"] == "5.00" and outcome.outputs["wer-delta"] == "3.00"
    assert any("trained on this commit" in note for note in outcome.report.notes)


def test_a_model_that_does_not_support_endpoints_is_refused_before_any_change(
        harness: Harness) -> None:
    # SharedModelFeatures.supportsEndpoints (API description; issue #14, item 1).
    model = harness.service.add("models", {
        "displayName": "batch only", "locale": "en-US",
        "properties": {"features": {"supportsEndpoints": False}}})
    record_candidate(harness, model, commit=PUSH_TO_MAIN.commit_sha, event="push",
                     ref="refs/heads/main")
    with pytest.raises(ConfigError, match="does not support endpoints"):
        harness.run("deploy")
    assert harness.service.all("endpoints") == []
    assert benchmark_model(harness) is None


def test_a_pull_requests_candidate_is_never_deployed_by_default(harness: Harness) -> None:
    model = trained_model(harness, "unmerged model")
    record_candidate(harness, model, commit=PULL_REQUEST.commit_sha, event="pull_request",
                     ref="refs/pull/7/merge")
    with pytest.raises(ConfigError, match="pull request") as raised:
        harness.run("deploy")
    assert "model input" in str(raised.value)
    assert harness.service.all("endpoints") == []
    assert benchmark_model(harness) is None


def test_a_pull_requests_candidate_deploys_when_named(harness: Harness) -> None:
    model = trained_model(harness, "reviewed model")
    record_candidate(harness, model, commit=PULL_REQUEST.commit_sha, event="pull_request",
                     ref="refs/pull/7/merge")
    outcome = harness.run("deploy", model=model["self"])
    assert served_model(harness) == benchmark_model(harness) == outcome.outputs["model-id"]
    assert any("named in the model input" in note for note in outcome.report.notes)


def test_the_newest_default_branch_candidate_wins_over_a_newer_pull_request(
    harness: Harness,
) -> None:
    main_model, pr_model = trained_model(harness, "main"), trained_model(harness, "pr")
    record_candidate(harness, main_model, commit="a" * 40, event="push", ref="refs/heads/main")
    record_candidate(harness, pr_model, commit="b" * 40, event="pull_request",
                     ref="refs/pull/9/merge")
    outcome = harness.run("deploy", run=NEXT_COMMIT_ON_MAIN)
    assert outcome.outputs["model-id"] == entity_id(main_model["self"])
    assert any("default branch main" in note for note in outcome.report.notes)


def test_a_candidate_dated_in_the_future_does_not_pin_deploy(harness: Harness) -> None:
    # Times come from the record store, not from the record's own text.
    pinned, newer = trained_model(harness, "claims 2099"), trained_model(harness, "newer")
    record_candidate(harness, pinned, commit="a" * 40, event="push", ref="refs/heads/main",
                     claimed_time=harness.clock.now() + timedelta(days=365 * 70))
    record_candidate(harness, newer, commit="c" * 40, event="push", ref="refs/heads/main")
    outcome = harness.run("deploy", run=NEXT_COMMIT_ON_MAIN)
    assert outcome.outputs["model-id"] == entity_id(newer["self"])


def test_candidates_of_other_branches_and_old_records_are_not_chosen(harness: Harness) -> None:
    feature, unknown = trained_model(harness, "feature"), trained_model(harness, "old")
    record_candidate(harness, feature, commit="d" * 40, event="push", ref="refs/heads/feature")
    record_candidate(harness, unknown, commit="e" * 40, event="", ref="")
    with pytest.raises(ConfigError, match="without their event"):
        harness.run("deploy", run=NEXT_COMMIT_ON_MAIN)


# ---- verification -----------------------------------------------------------------------


def this_commits_candidate(harness: Harness, name: str = "new model") -> dict[str, Any]:
    model = trained_model(harness, name)
    record_candidate(harness, model, commit=PUSH_TO_MAIN.commit_sha, event="push",
                     ref="refs/heads/main")
    return model


def test_the_patch_response_is_not_trusted(harness: Harness) -> None:
    # Learn, "Deploy a custom speech model": a model change takes minutes; only a GET that
    # shows the model and Succeeded counts, and nothing is recorded before.
    endpoint(harness)
    model = this_commits_candidate(harness)
    harness.service.polls_to_finish = 3
    seen: list[tuple[str, str | None]] = []
    harness.service.endpoint_hooks.append(
        lambda service, entity: seen.append((entity["status"], benchmark_model(harness))))
    real_update = FakeSpeech.update_endpoint_model

    def patch_says_succeeded(ref: str, model_url: str, **logging: Any) -> Any:
        answer = real_update(harness.service, ref, model_url, **logging)
        return answer.model_copy(update={"status": "Succeeded"})

    harness.service.update_endpoint_model = patch_says_succeeded  # type: ignore[method-assign]
    harness.run("deploy")
    assert [status for status, _ in seen][:3] == ["Running", "Running", "Running"]
    assert all(benchmark is None for status, benchmark in seen if status != "Succeeded")
    assert benchmark_model(harness) == served_model(harness) == entity_id(model["self"])


# ---- content logging (issue #14, item 5) ------------------------------------------------


def test_logging_enabled_reaches_an_existing_endpoint_with_its_model(harness: Harness) -> None:
    # API description EndpointUpdate.properties: EndpointPropertiesUpdate.contentLoggingEnabled.
    harness.service.byos = True
    endpoint(harness)
    this_commits_candidate(harness)
    harness.run("deploy", logging_enabled=True)
    [only] = harness.service.all("endpoints")
    assert only["properties"]["loggingEnabled"] is True
    assert "patch endpoint logging True" in harness.service.calls


def test_logging_changes_on_an_endpoint_that_already_serves_the_model(harness: Harness) -> None:
    harness.service.byos = True
    model = this_commits_candidate(harness)
    endpoint(harness, serving=model)
    harness.run("deploy", logging_enabled=True)
    [only] = harness.service.all("endpoints")
    assert only["properties"]["loggingEnabled"] is True
    model_patches = [call for call in harness.service.calls
                     if call.startswith("patch endpoint") and "logging" not in call]
    assert model_patches == []


def test_unchanged_logging_sends_nothing(harness: Harness) -> None:
    endpoint(harness)
    this_commits_candidate(harness)
    harness.run("deploy")
    assert not any("logging" in call for call in harness.service.calls)


@pytest.mark.parametrize("existing", [False, True])
def test_logging_without_byos_is_a_clear_error_naming_the_input(harness: Harness,
                                                                 existing: bool) -> None:
    # Learn, migrate-2024-11-15: since API 2024-11-15 only BYOS resources can log content.
    if existing:
        endpoint(harness)
    this_commits_candidate(harness)
    with pytest.raises(ConfigError, match="bring-your-own-storage") as caught:
        harness.run("deploy", logging_enabled=True)
    assert caught.value.input_name == "logging-enabled"
    assert benchmark_model(harness) is None


def test_another_run_changing_the_endpoint_meanwhile_records_nothing(harness: Harness) -> None:
    endpoint(harness)
    this_commits_candidate(harness)
    other = trained_model(harness, "other run's model")

    def another_run_patches(service: FakeSpeech, entity: dict[str, Any]) -> None:
        if entity["status"] == "Running" and other["self"] not in entity["model"]["self"]:
            service.patch_endpoint(entity["self"], other["self"])

    harness.service.endpoint_hooks.append(another_run_patches)
    with pytest.raises(EndpointChangedError, match="another run changed it"):
        harness.run("deploy")
    assert benchmark_model(harness) is None
    assert served_model(harness) == entity_id(other["self"])


def test_two_deploys_racing_leave_endpoint_and_benchmark_agreeing(harness: Harness) -> None:
    endpoint(harness)
    this_commits_candidate(harness, "run A's model")
    model_b = trained_model(harness, "run B's model")

    def run_b_deploys_just_before_a_records(name: str) -> None:
        if name != BENCHMARK_NAME or harness.backend.before_write == []:
            return
        harness.backend.before_write.clear()  # run B acts once
        [entity] = harness.service.all("endpoints")
        harness.service.patch_endpoint(entity["self"], model_b["self"])
        snapshot = harness.store.read_benchmark()
        harness.store.write_benchmark(BenchmarkRecord(
            commit="b" * 40, run_id="B", time=harness.clock.now(), locale="en-US",
            kind="deploy", model=ModelRef(url=model_b["self"], id=entity_id(model_b["self"])),
            wer_percent=4.0, test_data_hash="t"), expected=snapshot)

    harness.backend.before_write.append(run_b_deploys_just_before_a_records)
    with pytest.raises(EndpointChangedError, match="no longer serves"):
        harness.run("deploy")
    assert served_model(harness) == benchmark_model(harness) == entity_id(model_b["self"])


def test_a_benchmark_written_meanwhile_is_overwritten_while_the_endpoint_serves_ours(
    harness: Harness,
) -> None:
    endpoint(harness)
    model = this_commits_candidate(harness)

    def a_benchmark_test_run_writes(name: str) -> None:
        if name == BENCHMARK_NAME and harness.backend.before_write:
            harness.backend.before_write.clear()
            snapshot = harness.store.read_benchmark()
            harness.store.write_benchmark(BenchmarkRecord(
                commit="b" * 40, run_id="B", time=harness.clock.now(), locale="en-US",
                kind="benchmark-test", model=ModelRef(url=f"{BASE}/models/base/base-2",
                                                      id="base-2"),
                wer_percent=9.0, test_data_hash="t"), expected=snapshot)

    harness.backend.before_write.append(a_benchmark_test_run_writes)
    harness.run("deploy")
    assert benchmark_model(harness) == served_model(harness) == entity_id(model["self"])


def test_a_timed_out_deploy_tells_the_truth_and_the_rerun_records(harness: Harness) -> None:
    endpoint(harness)
    model = this_commits_candidate(harness)
    harness.service.polls_to_finish = 1000
    harness.budget_s = 300
    with pytest.raises(JobTimeoutError) as raised:
        harness.run("deploy", timeout_minutes=5)
    message = str(raised.value)
    assert "may still complete" in message and "Nothing was recorded" in message
    assert "Nothing was deployed" not in message
    assert benchmark_model(harness) is None
    harness.service.polls_to_finish = 1
    [entity] = harness.service.all("endpoints")
    harness.service._pending[entity_id(entity["self"])] = 1  # the change completes
    outcome = harness.run("deploy", run=replace(PUSH_TO_MAIN, run_id="101"))
    assert benchmark_model(harness) == served_model(harness) == entity_id(model["self"])
    assert "already serves" in harness.log
    assert outcome.outputs["endpoint-id"] == entity_id(entity["self"])


def test_racing_first_deploys_keep_one_endpoint_of_the_name(harness: Harness) -> None:
    # Both runs found no endpoint and each created one: the oldest of the name stays (ties:
    # smallest URL), this run deletes its twin and updates that one in place.
    model = this_commits_candidate(harness)
    other = trained_model(harness, "other run's model")
    real_create = FakeSpeech.create_endpoint

    def the_other_run_creates_first(definition: Any) -> Any:
        harness.service.add("endpoints", {
            "displayName": ENDPOINT_NAME, "locale": "en-US", "model": {"self": other["self"]},
            "customProperties": {"speechActionCommit": "b" * 40}})
        return real_create(harness.service, definition)

    harness.service.create_endpoint = the_other_run_creates_first  # type: ignore[method-assign]
    outcome = harness.run("deploy")
    [kept] = harness.service.all("endpoints")
    [deleted] = [c for c in harness.service.calls if c.startswith("delete endpoint")]
    assert entity_id(kept["self"]) not in deleted  # this run's twin went
    assert outcome.outputs["endpoint-id"] == entity_id(kept["self"])
    assert served_model(harness) == benchmark_model(harness) == entity_id(model["self"])
