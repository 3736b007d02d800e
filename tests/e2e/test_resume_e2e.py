"""Re-runs end to end: a run killed while training or deploying and run again resumes what
the first run started; an identical re-run creates and uploads nothing; a cancelled run
(SIGTERM, what the runner sends when a workflow is cancelled) ends cleanly.

`entrypoint.py` runs as a subprocess against a local service in this process, so the
service (and its jobs) outlive the killed run, as the real service does.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from speech_action.local.faults import FaultPlan
from tests.e2e.conftest import SPEECH_KEY, MakeService, RecordingService, created_ids
from tests.support.runner import ROOT, ActionRun, action_env, parse_github_output, run_action

RUN_TIMEOUT_S = 60
KILL_WAIT_S = 30
# Slow enough that the job is still running when the test kills the run.
SLOW_JOB_S = 1.5




def _inputs(mode: str, service: RecordingService, **inputs: str) -> dict[str, str]:
    return {"mode": mode, "speech-endpoint": service.url, "speech-key": SPEECH_KEY,
            "poll-seconds": "0.05", **inputs}


def _run(mode: str, service: RecordingService, workspace: Path, step: Path,
         **inputs: str) -> ActionRun:
    run = run_action(_inputs(mode, service, **inputs), workspace, step, timeout_s=RUN_TIMEOUT_S)
    assert run.returncode == 0, run.all_text
    assert SPEECH_KEY not in run.all_text
    return run


@dataclass(frozen=True)
class KilledRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str


def _run_and_kill(mode: str, service: RecordingService, workspace: Path, step: Path,
                  when: Callable[[], bool], how: signal.Signals, **inputs: str) -> KilledRun:
    """Start the action, send `how` once `when()` holds (checked for at most 30 s)."""
    for folder in (step / "home", step / "tmp"):
        folder.mkdir(parents=True, exist_ok=True)
    env = action_env(_inputs(mode, service, **inputs), workspace, step)
    for name in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY"):
        Path(env[name]).write_text("", encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(ROOT / "entrypoint.py")], cwd=workspace,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + KILL_WAIT_S
        while not when():
            assert process.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "the run never reached the point to kill it"
            time.sleep(0.02)
        process.send_signal(how)
        stdout, stderr = process.communicate(timeout=KILL_WAIT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=KILL_WAIT_S)
    return KilledRun(
        returncode=process.returncode, stdout=stdout, stderr=stderr,
        outputs=parse_github_output(Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8")),
        summary=Path(env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8"),
    )




def _patched_endpoints(service: RecordingService) -> list[str]:
    return [e.url.split("?")[0].rsplit("/", 1)[-1] for e in service.writes()
            if e.method == "PATCH" and "/endpoints/" in e.url and e.status == 200]


def _benchmark_model_id(workspace: Path) -> str:
    record = json.loads((workspace / ".speech-records" / "benchmark.json").read_text("utf-8"))
    return str(record["model"]["id"])


# ---- killed while training ---------------------------------------------------------------

@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=["SIGTERM", "SIGINT", "SIGKILL"])
def test_a_run_killed_while_training_resumes_the_same_model(
    how: signal.Signals, make_service: MakeService,
    workspace: Path, tmp_path: Path,
) -> None:
    service = make_service(FaultPlan(slow_jobs_s={"models": SLOW_JOB_S}))
    killed = _run_and_kill("train-and-gate", service, workspace, tmp_path / "killed",
                           lambda: bool(created_ids(service, "models")), how)
    assert killed.returncode != 0
    [model_id] = created_ids(service, "models")
    uploaded = service.uploaded_bytes()
    datasets = created_ids(service, "datasets")
    if how != signal.SIGKILL:  # a cancelled workflow: a clean end with a note
        assert killed.returncode == 128 + signal.SIGTERM
        assert "speech-action was cancelled" in killed.summary
        assert "Run the workflow again" in killed.summary
        cancelled = [line for line in killed.stdout.splitlines() if line.startswith("::error")]
        assert len(cancelled) == 1 and "cancelled" in cancelled[0], cancelled
        assert killed.outputs.get("improved") == "false"
        assert "Traceback" not in killed.stderr
        log = [line for line in killed.stdout.splitlines() if not line.startswith("::add-mask::")]
        assert SPEECH_KEY not in "\n".join([*log, killed.stderr, killed.summary])

    again = _run("train-and-gate", service, workspace, tmp_path / "again")
    assert again.outputs["model-id"] == model_id
    assert len(service.creates("models")) == 1  # resumed, never trained twice
    assert "reusing it, no new training" in again.stdout
    assert created_ids(service, "datasets") == datasets
    assert service.uploaded_bytes() == uploaded
    assert again.outputs["improved"] == "true"
    assert len(created_ids(service, "evaluations")) == 1


def test_a_run_cancelled_while_evaluating_resumes_the_same_evaluation(
    make_service: MakeService, workspace: Path,
    tmp_path: Path,
) -> None:
    service = make_service(FaultPlan(slow_jobs_s={"evaluations": SLOW_JOB_S}))
    killed = _run_and_kill("benchmark-test", service, workspace, tmp_path / "killed",
                           lambda: bool(created_ids(service, "evaluations")), signal.SIGTERM)
    assert killed.returncode == 128 + signal.SIGTERM
    assert "speech-action was cancelled" in killed.summary
    assert not (workspace / ".speech-records" / "benchmark.json").exists()

    again = _run("benchmark-test", service, workspace, tmp_path / "again")
    assert created_ids(service, "evaluations") == [again.outputs["evaluation"].split("?")[0]
                                                .rsplit("/", 1)[-1]]
    assert (workspace / ".speech-records" / "benchmark.json").exists()


def test_a_cancel_during_a_pending_request_ends_at_once_with_the_note(
    make_service: MakeService, workspace: Path,
    tmp_path: Path,
) -> None:
    # The base-model lookup hangs for 20 s; the run must not wait for it once cancelled.
    slow_s = 20.0
    service = make_service(FaultPlan(match="/models/base", every_nth={1: "slow"},
                                     slow_response_s=slow_s))
    started = time.monotonic()
    killed = _run_and_kill("benchmark-test", service, workspace, tmp_path / "killed",
                           lambda: service.service.stats.faults["slow"] > 0, signal.SIGTERM)
    assert time.monotonic() - started < slow_s / 2
    assert killed.returncode == 128 + signal.SIGTERM
    assert "speech-action was cancelled" in killed.summary
    assert killed.outputs.get("improved") == "false"
    assert "Traceback" not in killed.stderr


# ---- killed while deploying --------------------------------------------------------------

def test_a_deploy_killed_midway_converges_on_the_next_run(
    make_service: MakeService, workspace: Path,
    tmp_path: Path,
) -> None:
    service = make_service(FaultPlan(slow_jobs_s={"endpoints": SLOW_JOB_S}))
    first = _run("train-and-gate", service, workspace, tmp_path / "train1")
    name = {"endpoint-name": "contoso production"}

    # Killed (SIGKILL: no chance to clean up) while the new endpoint is being created.
    killed = _run_and_kill("deploy", service, workspace, tmp_path / "deploy1-killed",
                           lambda: bool(created_ids(service, "endpoints")), signal.SIGKILL, **name)
    assert killed.returncode == -signal.SIGKILL
    [endpoint_id] = created_ids(service, "endpoints")
    deployed = _run("deploy", service, workspace, tmp_path / "deploy1", **name)
    assert deployed.outputs["endpoint-id"] == endpoint_id
    assert deployed.outputs["model-id"] == first.outputs["model-id"]
    assert len(service.creates("endpoints")) == 1
    assert _benchmark_model_id(workspace) == first.outputs["model-id"]

    # A second model; its deploy is cancelled (SIGTERM) while the endpoint is updated.
    with (workspace / "training_data" / "plain_text.txt").open("a", encoding="utf-8") as text:
        text.write("GoDrive opens a new branch near the Sharjah Aquarium.\n")
    second = _run("train-and-gate", service, workspace, tmp_path / "train2")
    assert second.outputs["model-id"] != first.outputs["model-id"]
    assert second.outputs["improved"] == "false"  # same WER (0 %): no candidate recorded
    model = {"model": second.outputs["model"], **name}
    cancelled = _run_and_kill("deploy", service, workspace, tmp_path / "deploy2-cancelled",
                              lambda: bool(_patched_endpoints(service)), signal.SIGTERM, **model)
    assert cancelled.returncode == 128 + signal.SIGTERM
    assert "speech-action was cancelled" in cancelled.summary
    assert _benchmark_model_id(workspace) == first.outputs["model-id"]  # not finished yet

    updated = _run("deploy", service, workspace, tmp_path / "deploy2", **model)
    assert updated.outputs["endpoint-id"] == endpoint_id
    assert updated.outputs["model-id"] == second.outputs["model-id"]
    assert len(service.creates("endpoints")) == 1
    assert _patched_endpoints(service) == [endpoint_id]  # the re-run found it already updated
    # Deployed on request, but with no recorded WER it does not replace the benchmark.
    assert "no WER is recorded" in updated.stdout
    assert _benchmark_model_id(workspace) == first.outputs["model-id"]


# ---- identical re-runs -----------------------------------------------------------------

@pytest.mark.parametrize("mode", ["benchmark-test", "train-and-gate", "deploy"])
def test_an_identical_rerun_creates_and_uploads_nothing(
    mode: str, make_service: MakeService, workspace: Path,
    tmp_path: Path,
) -> None:
    service = make_service(None)
    if mode == "deploy":
        _run("train-and-gate", service, workspace, tmp_path / "train")
    first = _run(mode, service, workspace, tmp_path / "first")
    writes_before = len(service.writes())
    uploaded_before = service.uploaded_bytes()

    again = _run(mode, service, workspace, tmp_path / "again")
    new_writes = service.writes()[writes_before:]
    assert new_writes == [], [f"{e.method} {e.url}" for e in new_writes]
    assert service.uploaded_bytes() == uploaded_before
    for output in ("model-id", "wer", "benchmark-wer", "evaluation", "endpoint-id"):
        assert again.outputs.get(output) == first.outputs.get(output), output
