"""The action against a misbehaving service: the local service's fault injection over real
HTTP, with `entrypoint.py` run as the runner runs it.

Faults are count-based (see `speech_action.local.faults`), so each test knows which request
fails. Retry-After stays at 1-2 s and every run hits at most a few faults, so the client's
real backoff keeps the whole file to a few tens of seconds.
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from speech_action.local.faults import FaultPlan
from tests.e2e.conftest import SPEECH_KEY, MakeService, RecordingService, created_ids
from tests.support.runner import ActionRun, run_action

RUN_TIMEOUT_S = 60




def _run(mode: str, service: RecordingService, workspace: Path, step: Path,
         key: str = SPEECH_KEY, **inputs: str) -> ActionRun:
    given = {"mode": mode, "speech-endpoint": service.url, "speech-key": key,
             "poll-seconds": "0.05", **inputs}
    run = run_action(given, workspace, step, timeout_s=RUN_TIMEOUT_S)
    assert key not in run.all_text
    return run


def _ok(run: ActionRun) -> ActionRun:
    assert run.returncode == 0, run.all_text
    assert run.annotations("error") == []
    return run




def _requests_to(service: RecordingService, path: str) -> list[int]:
    """Indexes (into `service.exchanges`) of the requests whose path contains `path`."""
    return [index for index, exchange in enumerate(service.exchanges)
            if path in exchange.url.split("?", 1)[0]]


# ---- transient faults: retried, no twins, same result -----------------------------------

TRANSIENT = ("429", "429-no-retry-after", "500", "502", "503", "504", "drop", "slow")


@pytest.mark.parametrize("action", TRANSIENT)
def test_transient_fault_on_a_list_and_on_a_create_is_survived_without_twins(
    action: str, make_service: MakeService, workspace: Path, tmp_path: Path
) -> None:
    # /evaluations sees: the lookup for a reusable evaluation (faulted), its retry, then the
    # creating POST (faulted) and whatever the client does to recover, then the polls.
    service = make_service(FaultPlan(match="/evaluations", first=(action, "ok", action),
                                     slow_response_s=0.5))
    run = _ok(_run("benchmark-test", service, workspace, tmp_path / "step"))

    assert service.service.stats.faults[action] == 2
    assert len(created_ids(service, "evaluations")) == 1  # the failed POST left no twin
    assert len(created_ids(service, "datasets")) == 1
    assert run.outputs["improved"] == "false"
    assert run.outputs["wer"] == run.outputs["benchmark-wer"]
    assert "/evaluations/" in run.outputs["evaluation"]
    evaluations = [service.exchanges[i] for i in _requests_to(service, "/evaluations")]
    posts = [e.status for e in evaluations if e.method == "POST"]
    expected_status = 200 if action == "slow" else (0 if action == "drop" else int(action[:3]))
    # The faulted POST is answered (or dropped) before the service creates anything, so
    # exactly one POST succeeded; a 5xx or drop is followed by a lookup of the run's marker.
    if action == "slow":
        assert posts == [201]
    else:
        assert posts == [expected_status, 201]
    if action == "429":  # Retry-After: 1 is honoured before the list and the POST are retried
        faulted = [i for i in _requests_to(service, "/evaluations")
                   if service.exchanges[i].status == 429]
        assert all(service.times[i + 1] - service.times[i] >= 1 - 0.05 for i in faulted)


def test_faults_while_uploading_blocks_are_retried_without_a_second_dataset(
    make_service: MakeService, workspace: Path, tmp_path: Path
) -> None:
    # /blocks sees the PUT of the only block (dropped), its retry, then the commit (503).
    service = make_service(FaultPlan(match="/blocks", first=("drop", "ok", "503")))
    run = _ok(_run("benchmark-test", service, workspace, tmp_path / "step"))
    assert service.service.stats.faults == {"drop": 1, "503": 1}
    [dataset_id] = created_ids(service, "datasets")
    puts = [e for e in service.writes() if e.method == "PUT"]
    assert [e.status for e in puts] == [0, 201] and puts[0].body == puts[1].body
    commits = [e.status for e in service.writes() if e.url.split("?")[0].endswith(":commit")]
    assert commits == [503, 200]
    assert dataset_id in puts[0].url and "/evaluations/" in run.outputs["evaluation"]


def test_the_client_never_waits_less_than_retry_after(
    make_service: MakeService, workspace: Path, tmp_path: Path
) -> None:
    # 2 s is more than the longest first backoff (1 s), so only honouring the header passes.
    retry_after = 2
    service = make_service(FaultPlan(match="/models/base", first=("429",),
                                     retry_after_s=retry_after))
    _ok(_run("benchmark-test", service, workspace, tmp_path / "step"))

    throttled, retried = _requests_to(service, "/models/base")[:2]
    assert service.exchanges[throttled].status == 429
    assert service.exchanges[throttled].headers["Retry-After"] == str(retry_after)
    assert service.exchanges[retried].status == 200
    assert retried == throttled + 1  # nothing else was sent meanwhile
    gap = service.times[retried] - service.times[throttled]
    # Times are taken when the service has answered; 50 ms covers thread scheduling there.
    assert gap >= retry_after - 0.05, gap


def test_a_slow_service_and_slow_jobs_are_polled_at_the_pace_the_service_asks(
    make_service: MakeService, workspace: Path, tmp_path: Path
) -> None:
    service = make_service(FaultPlan(every_nth={4: "slow"}, slow_response_s=0.3,
                                     slow_jobs_s={"evaluations": 0.8}))
    run = _ok(_run("benchmark-test", service, workspace, tmp_path / "step"))
    assert service.service.stats.faults["slow"] >= 3
    assert len(created_ids(service, "evaluations")) == 1
    assert "/evaluations/" in run.outputs["evaluation"]
    assert "evaluation: NotStarted" in run.stdout and "evaluation: Succeeded" in run.stdout

    # While a job runs, the service answers with Retry-After: 1, which beats poll-seconds
    # (0.05): status checks of the evaluation are at least that far apart.
    evaluation_id = created_ids(service, "evaluations")[0]
    # The entity's own GETs only: its file listing and downloads are not status checks.
    polls = [service.times[i] for i in _requests_to(service, f"/evaluations/{evaluation_id}")
             if service.exchanges[i].method == "GET"
             and service.exchanges[i].url.split("?", 1)[0].endswith(evaluation_id)]
    assert len(polls) >= 2
    gaps = [later - earlier for earlier, later in pairwise(polls)]
    assert min(gaps) >= 1 - 0.05, gaps


# ---- jobs that fail or never finish --------------------------------------------------------

def test_a_failed_training_is_an_error_and_nothing_is_deployed(
    make_service: MakeService, workspace: Path, tmp_path: Path
) -> None:
    reason = "Training data contains no usable sentences (injected)."
    service = make_service(FaultPlan(fail_jobs={"models": reason}))
    run = _run("train-and-gate", service, workspace, tmp_path / "train")

    assert run.returncode == 1
    errors = run.annotations("error")
    assert len(errors) == 1 and reason in errors[0] and "Failed" in errors[0], errors
    assert reason in run.summary
    assert run.outputs["improved"] == "false"
    assert len(service.creates("models")) == 1
    assert service.creates("evaluations") == []
    assert not (workspace / ".speech-records" / "candidates").exists()

    deploy = _run("deploy", service, workspace, tmp_path / "deploy")
    assert deploy.returncode == 1
    assert "no model to deploy" in " ".join(deploy.annotations("error"))
    assert service.creates("endpoints") == []
    assert [e for e in service.writes() if "/endpoints" in e.url] == []


@pytest.mark.parametrize("collection", ["datasets", "evaluations"])
def test_a_failed_upload_or_evaluation_is_an_error_naming_the_service_reason(
    collection: str, make_service: MakeService, workspace: Path, tmp_path: Path
) -> None:
    reason = f"The {collection} job was rejected by the service (injected)."
    service = make_service(FaultPlan(fail_jobs={collection: reason}))
    run = _run("train-and-gate", service, workspace, tmp_path / "step")

    assert run.returncode == 1
    errors = run.annotations("error")
    assert len(errors) == 1 and reason in errors[0] and "ended Failed" in errors[0], errors
    assert reason in run.summary
    assert run.outputs["improved"] == "false"
    assert len(created_ids(service, collection)) == 1  # it stopped at the first failed job
    assert not (workspace / ".speech-records" / "candidates").exists()
    assert service.creates("endpoints") == []


def test_a_failed_endpoint_fails_the_deploy_and_keeps_the_benchmark(
    make_service: MakeService, workspace: Path, tmp_path: Path
) -> None:
    reason = "The endpoint could not be provisioned (injected)."
    service = make_service(FaultPlan(fail_jobs={"endpoints": reason}))
    _ok(_run("benchmark-test", service, workspace, tmp_path / "bench"))
    train = _ok(_run("train-and-gate", service, workspace, tmp_path / "train"))
    benchmark = workspace / ".speech-records" / "benchmark.json"
    before = benchmark.read_text(encoding="utf-8")

    run = _run("deploy", service, workspace, tmp_path / "deploy")
    assert run.returncode == 1
    errors = run.annotations("error")
    assert len(errors) == 1 and reason in errors[0], errors
    assert reason in run.summary
    assert run.outputs.get("endpoint", "") == ""
    # The failed model is not the benchmark: the one benchmark-test measured still is.
    assert benchmark.read_text(encoding="utf-8") == before
    assert json.loads(before)["model"]["id"] != train.outputs["model-id"]

    # Once the service is healthy again, a re-run deploys the model to the same endpoint:
    # the Failed endpoint is updated in place, not taken as serving and not duplicated.
    failed_endpoint = created_ids(service, "endpoints")
    service.service.stop()
    healthy = make_service()
    again = _ok(_run("deploy", healthy, workspace, tmp_path / "again"))
    assert again.outputs["model-id"] == train.outputs["model-id"]
    assert [again.outputs["endpoint-id"]] == failed_endpoint
    assert healthy.creates("endpoints") == []
    assert [e.method for e in healthy.writes()] == ["PATCH"]
    assert json.loads(benchmark.read_text(encoding="utf-8"))["model"]["id"] == (
        train.outputs["model-id"])


def test_a_training_that_never_finishes_stops_at_timeout_minutes(
    make_service: MakeService, workspace: Path, tmp_path: Path
) -> None:
    service = make_service(FaultPlan(job_never_finishes=frozenset({"models"})))
    run = _run("train-and-gate", service, workspace, tmp_path / "train",
               **{"timeout-minutes": "0.02"})

    assert run.returncode == 1
    errors = run.annotations("error")
    assert len(errors) == 1, errors
    model_name = service.creates("models")[0].response["displayName"]
    assert f"model {model_name}" in errors[0]
    assert "timeout-minutes" in errors[0] and "Re-run" in errors[0]
    assert "resumes the same job" in errors[0]
    assert run.outputs["improved"] == "false"
    assert service.creates("evaluations") == []

    # Deploying that model explicitly waits for it, times out the same way, and touches
    # no endpoint.
    model_url = service.creates("models")[0].response["self"]
    deploy = _run("deploy", service, workspace, tmp_path / "deploy",
                  **{"timeout-minutes": "0.02", "model": model_url})
    assert deploy.returncode == 1
    deploy_errors = deploy.annotations("error")
    assert len(deploy_errors) == 1 and f"model {model_name}" in deploy_errors[0]
    assert [e for e in service.writes() if "/endpoints" in e.url] == []

    # As the message says: a re-run (here once the job can finish) resumes that training.
    service.service.stop()
    healthy = make_service()
    again = _ok(_run("train-and-gate", healthy, workspace, tmp_path / "again"))
    assert again.outputs["model-id"] == model_url.split("?")[0].rsplit("/", 1)[-1]
    assert healthy.creates("models") == [] and healthy.creates("datasets") == []


def test_an_endpoint_that_never_finishes_stops_at_timeout_minutes(
    make_service: MakeService, workspace: Path, tmp_path: Path
) -> None:
    service = make_service(FaultPlan(job_never_finishes=frozenset({"endpoints"})))
    _ok(_run("train-and-gate", service, workspace, tmp_path / "train"))
    run = _run("deploy", service, workspace, tmp_path / "deploy",
               **{"timeout-minutes": "0.02", "endpoint-name": "contoso production"})

    assert run.returncode == 1
    errors = run.annotations("error")
    assert len(errors) == 1, errors
    assert "endpoint contoso production" in errors[0] and "Re-run" in errors[0]
    # No model became the benchmark: the deploy did not finish.
    assert not (workspace / ".speech-records" / "benchmark.json").exists()


# ---- a wrong key -------------------------------------------------------------------------

def test_a_wrong_key_fails_once_without_a_retry_storm(
    make_service: MakeService, workspace: Path, tmp_path: Path
) -> None:
    wrong = "wrong-speech-key-1a2b3c4d5e6f7a8b"
    service = make_service()
    run = _run("train-and-gate", service, workspace, tmp_path / "step", key=wrong)

    assert run.returncode == 1
    errors = run.annotations("error")
    assert len(errors) == 1, errors
    assert "401" in errors[0] and "speech-key" in errors[0] and "speech-region" in errors[0]
    assert "AuthenticationError" in errors[0]
    assert len(service.exchanges) <= 2
    assert all(exchange.status == 401 for exchange in service.exchanges)
    assert SPEECH_KEY not in run.all_text and wrong not in run.all_text
    assert run.outputs["improved"] == "false"
