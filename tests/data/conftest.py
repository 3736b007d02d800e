"""A valid workspace to start from; each test breaks exactly what it is about."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech_action.data import (
    DataLayout,
    Limits,
    Problem,
    check_dataset,
    discover_test_data,
    discover_training_data,
)
from tests.data.wavs import write_wav

TAB = "\t"


def make_workspace(root: Path) -> Path:
    """testing_data: two WAVs + trans.txt; training_data: every kind of training data."""
    test = root / "testing_data"
    write_wav(test / "a.wav")
    write_wav(test / "b.wav", rate=8000)
    (test / "trans.txt").write_text(f"a.wav{TAB}hello world\nb.wav{TAB}good morning\n")
    train = root / "training_data"
    (train).mkdir()
    (train / "plain_text.txt").write_text("the quick brown fox\njumps over the dog\n")
    (train / "pronunciation.txt").write_text(f"3CPO{TAB}three c p o\nIEEE{TAB}i triple e\n")
    (train / "structured.md").write_text("# sentences\n- open the door\n")
    write_wav(train / "c.wav", seconds=1.0)
    (train / "trans.txt").write_text(f"c.wav{TAB}turn left\n")
    return root


def collect(workspace: Path, limits: Limits | None = None,
            layout: DataLayout | None = None) -> list[Problem]:
    """Every problem of the test and training data, as validation would raise them."""
    layout = layout or DataLayout()
    datasets = [discover_test_data(workspace, layout), *discover_training_data(workspace, layout)]
    return [p for d in datasets for p in check_dataset(d, limits or Limits())]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")
