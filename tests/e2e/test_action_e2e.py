"""The action end to end, as the runner runs it: `entrypoint.py` in a subprocess with the
environment a docker action gets, against the local service over real HTTP.

The stand-in recognizer keeps this fast; `test_local_engine_e2e.py` runs the real one.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.conftest import SPEECH_KEY, RecordingService
from tests.support.runner import ActionRun, run_action

OUTPUTS = ("wer", "benchmark-wer", "wer-delta", "improved", "model", "model-id", "evaluation",
           "report")
PERCENT = re.compile(r"\d+\.\d\d")


def _run(mode: str, service: RecordingService, workspace: Path, step: Path,
         **inputs: str) -> ActionRun:
    given = {"mode": mode, "speech-endpoint": service.url, "speech-key": SPEECH_KEY,
             "poll-seconds": "0.05", **inputs}
    run = run_action(given, workspace, step)
    assert run.returncode == 0, run.all_text
    assert SPEECH_KEY not in run.all_text
    assert run.masked_before_anything_else(SPEECH_KEY)
    return run


def _report(workspace: Path, run: ActionRun) -> dict[str, object]:
    path = workspace / run.outputs["report"]
    loaded: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_three_modes_and_reruns(speech_service: RecordingService, workspace: Path,
                                tmp_path: Path) -> None:
    benchmark = _run("benchmark-test", speech_service, workspace, tmp_path / "s1")
    assert set(OUTPUTS) <= set(benchmark.outputs)
    assert PERCENT.fullmatch(benchmark.outputs["wer"])
    assert benchmark.outputs["wer"] == benchmark.outputs["benchmark-wer"]
    assert benchmark.outputs["wer-delta"] == "0.00"
    assert benchmark.outputs["improved"] == "false"
    assert "/models/base/" in benchmark.outputs["model"]
    assert benchmark.outputs["model"].split("?")[0].endswith(benchmark.outputs["model-id"])
    assert "/evaluations/" in benchmark.outputs["evaluation"]
    assert _report(workspace, benchmark)["schema_version"] == 1
    assert benchmark.outputs["wer"] in benchmark.summary

    uploads_before_training = speech_service.uploaded_bytes()
    train = _run("train-and-gate", speech_service, workspace, tmp_path / "s2")
    assert train.outputs["improved"] == "true"
    assert train.outputs["benchmark-wer"] == benchmark.outputs["wer"]
    assert float(train.outputs["wer"]) < float(train.outputs["benchmark-wer"])
    delta = float(train.outputs["benchmark-wer"]) - float(train.outputs["wer"])
    assert train.outputs["wer-delta"] == f"{delta:.2f}"
    assert "/models/" in train.outputs["model"] and "/base/" not in train.outputs["model"]
    assert len(speech_service.creates("models")) == 1
    assert speech_service.uploaded_bytes() > uploads_before_training  # training data only

    # The same change again: nothing uploaded, no dataset and no model created.
    writes_before = len(speech_service.writes())
    uploads_before = speech_service.uploaded_bytes()
    again = _run("train-and-gate", speech_service, workspace, tmp_path / "s3")
    assert again.outputs["model-id"] == train.outputs["model-id"]
    assert again.outputs["wer"] == train.outputs["wer"]
    assert speech_service.uploaded_bytes() == uploads_before
    assert len(speech_service.creates("models")) == 1
    new_writes = speech_service.writes()[writes_before:]
    assert new_writes == [], [f"{e.method} {e.url}" for e in new_writes]

    deploy = _run("deploy", speech_service, workspace, tmp_path / "s4")
    assert deploy.outputs["model-id"] == train.outputs["model-id"]
    assert deploy.outputs["wer"] == train.outputs["wer"]
    assert deploy.outputs["improved"] == "false"
    assert deploy.outputs["evaluation"] == train.outputs["evaluation"]  # the gate's evaluation
    assert "/endpoints/" in deploy.outputs["endpoint"]
    assert deploy.outputs["endpoint"].split("?")[0].endswith(deploy.outputs["endpoint-id"])
    assert len(speech_service.creates("endpoints")) == 1

    redeploy = _run("deploy", speech_service, workspace, tmp_path / "s5")
    assert redeploy.outputs["endpoint-id"] == deploy.outputs["endpoint-id"]
    assert len(speech_service.creates("endpoints")) == 1

    # The deployed model is now the benchmark that the next benchmark-test re-tests.
    retest = _run("benchmark-test", speech_service, workspace, tmp_path / "s6")
    assert retest.outputs["model-id"] == train.outputs["model-id"]
    assert retest.outputs["wer"] == train.outputs["wer"]

    for folder in (".speech-records", ".speech-reports"):
        for path in (workspace / folder).rglob("*"):
            if path.is_file():
                assert SPEECH_KEY not in path.read_text(encoding="utf-8"), path


def test_deploy_updates_the_endpoint_in_place(speech_service: RecordingService,
                                              workspace: Path, tmp_path: Path) -> None:
    _run("benchmark-test", speech_service, workspace, tmp_path / "s1")
    first = _run("train-and-gate", speech_service, workspace, tmp_path / "s2")
    deployed = _run("deploy", speech_service, workspace, tmp_path / "s3",
                    **{"endpoint-name": "contoso production"})
    # New training data: a second model, deployed to the same endpoint by its name.
    with (workspace / "training_data" / "plain_text.txt").open("a", encoding="utf-8") as text:
        text.write("GoDrive opens a new branch near the Sharjah Aquarium.\n")
    second = _run("train-and-gate", speech_service, workspace, tmp_path / "s4")
    assert second.outputs["model-id"] != first.outputs["model-id"]
    updated = _run("deploy", speech_service, workspace, tmp_path / "s5",
                   **{"endpoint-name": "contoso production", "model": second.outputs["model"]})
    assert updated.outputs["endpoint-id"] == deployed.outputs["endpoint-id"]
    assert updated.outputs["model-id"] == second.outputs["model-id"]
    patches = [e for e in speech_service.writes() if e.method == "PATCH"]
    assert len(patches) == 1 and second.outputs["model-id"] in patches[0].body.decode()
    assert len(speech_service.creates("endpoints")) == 1


def test_pull_request_outputs_follow_the_runner_format(speech_service: RecordingService,
                                                       workspace: Path, tmp_path: Path) -> None:
    run = _run("benchmark-test", speech_service, workspace, tmp_path / "s1")
    # Every output is written as a heredoc with a random ghadelimiter_ delimiter.
    assert re.fullmatch(r"(?:[a-z-]+<<(ghadelimiter_[0-9a-f-]{36})\n.*?\n\1\n)+",
                        run.output_file_text, re.S)
