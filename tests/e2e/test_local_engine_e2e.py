"""The acceptance run of the embedded local engine: the action end to end with
`speech-endpoint: local`, real pocketsphinx decoding of the bundled example.

The story of `examples/sharjah`: the stock model fails on "Sharjah", "GoDrive" and the
other local names; a model trained on the example's related text and pronunciations gets
them right, without getting worse on general speech. The example's `speech.yml` lists both
test sets (PRODUCT.md "Test sets"): the domain set gates, the general set guards with a
`max-regression`, so a training change that hurts everyday speech is kept out.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.guard_breaker import add_general_regression
from tests.support.runner import ActionRun, run_action

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sharjah"
BASE_DOMAIN_WER_AT_LEAST = 25.0
CUSTOM_DOMAIN_WER_AT_MOST = 12.0
GENERAL_REGRESSION_AT_MOST = 2.0
RUNNER_UID = 1001  # the hosted runner's user owns the checkout; the container runs as root


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for folder in ("testing_data", "general_testing_data", "training_data"):
        shutil.copytree(EXAMPLE / folder, root / folder)
    shutil.copy(EXAMPLE / "speech.yml", root / "speech.yml")
    if os.geteuid() == 0:
        for path in (root, *root.rglob("*")):
            os.chown(path, RUNNER_UID, RUNNER_UID)
    return root


def _run(mode: str, workspace: Path, step: Path, **inputs: str) -> ActionRun:
    run = run_action({"mode": mode, "speech-endpoint": "local", **inputs}, workspace, step,
                     timeout_s=900)
    assert run.returncode == 0, run.all_text[-5000:]
    return run


def test_local_engine_learns_the_domain_without_forgetting_general_speech(
    example: Path, tmp_path: Path
) -> None:
    benchmark = _run("benchmark-test", example, tmp_path / "benchmark")
    measured = json.loads(benchmark.outputs["test-sets"])
    assert list(measured) == ["domain", "general"]
    base_domain = float(benchmark.outputs["wer"])
    assert float(measured["domain"]["wer"]) == base_domain

    train = _run("train-and-gate", example, tmp_path / "train")
    gated = json.loads(train.outputs["test-sets"])
    custom_domain = float(train.outputs["wer"])
    assert float(train.outputs["benchmark-wer"]) == base_domain
    base_general = float(gated["general"]["benchmark-wer"])
    custom_general = float(gated["general"]["wer"])
    assert float(measured["general"]["wer"]) == base_general  # the same model, the same data
    assert (gated["domain"]["verdict"], gated["general"]["verdict"]) == (
        "improved", "within max-regression")

    deploy = _run("deploy", example, tmp_path / "deploy")
    assert deploy.outputs["model-id"] == train.outputs["model-id"]
    assert deploy.outputs["endpoint-id"]
    assert json.loads(deploy.outputs["test-sets"]) == gated
    # Each run starts the engine on a new port: outputs point at the deploy run's engine.
    evaluation = urlsplit(deploy.outputs["evaluation"])
    assert evaluation.path.endswith(urlsplit(train.outputs["evaluation"]).path)
    assert evaluation.netloc == urlsplit(deploy.outputs["endpoint"]).netloc

    print(f"\nlocal engine on examples/sharjah: domain WER base {base_domain:.2f} % -> custom "
          f"{custom_domain:.2f} %; general WER base {base_general:.2f} % -> custom "
          f"{custom_general:.2f} %")
    assert base_domain >= BASE_DOMAIN_WER_AT_LEAST
    assert custom_domain <= CUSTOM_DOMAIN_WER_AT_MOST
    assert train.outputs["improved"] == "true"
    assert custom_general - base_general <= GENERAL_REGRESSION_AT_MOST
    assert "sharjah" in train.summary.lower()
    _assert_the_runner_user_can_read_and_remove_everything(example)


def test_a_training_change_that_hurts_general_speech_is_kept_out_by_its_guard(
    example: Path, tmp_path: Path
) -> None:
    """Everyday sentences with words swapped for sound-alike names (tests/support/
    guard_breaker.py): the domain set still improves, the general set gets worse by more
    than the example's `max-regression`, so the model is not improved and the reason, the
    summary and the outputs name the general set."""
    add_general_regression(example / "training_data")

    train = _run("train-and-gate", example, tmp_path / "train")

    gated = json.loads(train.outputs["test-sets"])
    print(f"\nguard breaker on examples/sharjah: {json.dumps(gated)}")
    assert train.outputs["improved"] == "false"
    assert (gated["domain"]["verdict"], gated["general"]["verdict"]) == (
        "improved", "beyond max-regression")
    assert float(gated["general"]["wer"]) - float(gated["general"]["benchmark-wer"]) > float(
        gated["general"]["max-regression"])
    assert "blocked by general" in train.summary
    assert not (example / ".speech-records" / "candidates").exists()  # nothing to deploy


def _assert_the_runner_user_can_read_and_remove_everything(workspace: Path) -> None:
    """What `actions/cache`, `git add` and the next checkout's clean-up need (issue #13)."""
    written = [workspace / name for name in (".speech-local", ".speech-records",
                                             ".speech-reports")]
    assert all(tree.is_dir() for tree in written)
    for path in (p for tree in written for p in (tree, *tree.rglob("*"))):
        info = path.lstat()
        wanted = 0o755 if stat.S_ISDIR(info.st_mode) else 0o644
        assert stat.S_IMODE(info.st_mode) & wanted == wanted, (path, oct(info.st_mode))
        if os.geteuid() == 0:
            assert info.st_uid == RUNNER_UID, path
