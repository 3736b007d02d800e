"""Accepted variants pass, all problems come at once, and a large set is quick to check."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import pytest

from speech_action.data import (
    DataLayout,
    DataValidationError,
    Limits,
    discover_test_data,
    discover_training_data,
    validate,
)
from tests.data.conftest import TAB, collect
from tests.data.wavs import EXTENSIBLE, PCM, write_raw_wav, write_wav


def test_the_valid_workspace_has_no_problems(workspace: Path) -> None:
    assert collect(workspace) == []


@pytest.mark.parametrize("name", [
    "testing_data/trans.txt", "training_data/plain_text.txt", "training_data/pronunciation.txt",
    "training_data/structured.md", "training_data/trans.txt",
])
def test_bom_and_crlf_are_accepted(workspace: Path, name: str) -> None:
    text = (workspace / name).read_text()
    (workspace / name).write_bytes(codecs.BOM_UTF8 + text.replace("\n", "\r\n").encode())

    assert collect(workspace) == []


def test_non_ascii_text_is_accepted(workspace: Path) -> None:
    (workspace / "testing_data/trans.txt").write_text(
        f"a.wav{TAB}café naïve 東京\nb.wav{TAB}Grüße\n", encoding="utf-8")

    assert collect(workspace) == []


def test_8_and_16_khz_pcm_and_extensible_pcm_are_accepted(workspace: Path) -> None:
    write_wav(workspace / "testing_data/a.wav", rate=8000)
    write_raw_wav(workspace / "testing_data/b.wav", format_tag=EXTENSIBLE, subformat=PCM)

    assert collect(workspace) == []


def test_a_zip_of_test_data_is_accepted(workspace: Path, tmp_path: Path) -> None:
    folder = workspace / "testing_data"
    with zipfile.ZipFile(tmp_path / "tests.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
            path.unlink()
    (tmp_path / "tests.zip").rename(folder / "tests.zip")

    dataset = discover_test_data(workspace, DataLayout())

    assert [f.name for f in dataset.files] == ["a.wav", "b.wav"]
    assert collect(workspace) == []


def test_blank_lines_are_ignored(workspace: Path) -> None:
    (workspace / "testing_data/trans.txt").write_text(
        f"\na.wav{TAB}hello world\n\n  \nb.wav{TAB}good morning\n\n")

    assert collect(workspace) == []


def test_all_problems_are_reported_at_once(workspace: Path) -> None:
    """Three problems in two files, from two datasets, in one error."""
    write_wav(workspace / "testing_data/a.wav", channels=2)
    (workspace / "training_data/pronunciation.txt").write_text(
        f"3CPO three c p o\nIEEE{TAB}i{TAB}triple e\n")
    (workspace / "training_data/structured.md").unlink()  # not with pronunciations: its own test
    layout = DataLayout()
    datasets = [discover_test_data(workspace, layout), *discover_training_data(workspace, layout)]

    with pytest.raises(DataValidationError) as raised:
        validate(datasets)

    problems = raised.value.problems
    assert [(p.file, p.line) for p in problems] == [
        ("testing_data/a.wav", None),
        ("training_data/pronunciation.txt", 1),
        ("training_data/pronunciation.txt", 2),
    ]
    assert "3 problems" in str(raised.value)
    assert "training_data/pronunciation.txt:2: 2 tabs" in str(raised.value)


def test_problems_in_one_file_are_capped(workspace: Path) -> None:
    (workspace / "training_data/plain_text.txt").write_text("see www.example.com\n" * 30)

    problems = collect(workspace, Limits(max_problems_per_file=5))

    assert [p.line for p in problems] == [1, 2, 3, 4, 5, None]
    assert "25 more problems" in problems[-1].message


def test_a_thousand_file_set_validates(tmp_path: Path) -> None:
    """Header-only reads keep this quick; no timing is asserted, it just has to run."""
    folder = tmp_path / "ws/testing_data"
    write_wav(folder / "0000.wav")
    template = (folder / "0000.wav").read_bytes()
    lines = []
    for index in range(1000):
        (folder / f"{index:04d}.wav").write_bytes(template)
        lines.append(f"{index:04d}.wav{TAB}utterance number {index}\n")
    (folder / "trans.txt").write_text("".join(lines))

    dataset = discover_test_data(tmp_path / "ws", DataLayout())
    validate([dataset])

    assert len(dataset.files) == 1000
