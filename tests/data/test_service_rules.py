"""Rules from Microsoft Learn that validation and discovery follow (issue #14, items 2, 8, 9).

Each test names its source: the Learn article "Training and testing datasets"
(how-to-custom-speech-test-and-train) unless it says otherwise.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from speech_action.data import (
    DataFile,
    DataLayout,
    DataSet,
    DatasetKind,
    DataValidationError,
    Limits,
    TestDataSet,
    discover_test_data,
    discover_training_data,
    validate,
)
from speech_action.data.validation import check_dataset
from tests.data.conftest import TAB

TRAIN = "training_data"


def _all(workspace: Path, locale: str | None = None) -> list[DataSet]:
    layout = DataLayout()
    return [discover_test_data(workspace, layout),
            *discover_training_data(workspace, layout, locale)]


def test_learn_audio_table_2_gb_zip_is_2_000_000_000_bytes_not_2_gib() -> None:
    """"Maximum zip size: 2 GB or 10,000 files": 2.1e9 bytes is under 2 GiB, over 2 GB."""
    files = tuple(DataFile(f"{i}.wav", Path(f"/x/{i}.wav"), f"t/{i}.wav", 700_000_000)
                  for i in range(3))
    dataset = TestDataSet(DatasetKind.ACOUSTIC, "t", files)

    problems = [p for p in check_dataset(dataset, Limits()) if "zip would be" in p.message]

    assert Limits().max_zip_bytes == 2_000_000_000
    assert len(problems) == 1
    assert "(2,100,000,000 bytes), and the service accepts at most 2 GB" in problems[0].message


def test_learn_pronunciation_1_kb_for_free_tier_is_a_warning(workspace: Path) -> None:
    """"Maximum file size: 1 MB (1 KB for free tier)": the tier is unknown, so warn."""
    (workspace / TRAIN / "structured.md").unlink()  # pronunciations and structured text clash
    lines = "".join(f"Word{i}{TAB}word {i}\n" for i in range(100))
    (workspace / TRAIN / "pronunciation.txt").write_text(lines)

    [note] = validate(_all(workspace))

    assert (note.file, note.line, note.level) == (f"{TRAIN}/pronunciation.txt", None, "warning")
    assert f"{len(lines):,} bytes; a free (F0) Speech resource accepts at most 1 KB" in (
        note.message)


def test_pronunciation_within_1_kb_gives_no_warning(workspace: Path) -> None:
    (workspace / TRAIN / "structured.md").unlink()

    assert validate(_all(workspace)) == []


def test_learn_no_pronunciation_file_alongside_structured_text(workspace: Path) -> None:
    """"You can use a pronunciation file alongside any other training dataset except
    structured text training data.\""""
    with pytest.raises(DataValidationError) as raised:
        validate(_all(workspace))

    [problem] = raised.value.problems
    assert (problem.file, problem.line) == (f"{TRAIN}/pronunciation.txt", None)
    assert f"structured text ({TRAIN}/structured.md)" in problem.message
    assert "`@ speech:phoneticlexicon` section" in problem.message


@pytest.mark.parametrize("text", [
    "# sentences\n- open the door\n",
    "// comment\n@ list pet =\n- cat\n",
    "\ufeff@ speech:phoneticlexicon\n- cat/k ae t\n",
    "#TrainingSentences_Section1\n\n// sentences follow\n- what {@pet} do you have\n",
])
def test_learn_structured_text_markdown_is_recognised(workspace: Path, text: str) -> None:
    (workspace / TRAIN / "structured.md").write_text(text, encoding="utf-8")

    kinds = [d.kind for d in discover_training_data(workspace, DataLayout())]

    assert DatasetKind.LANGUAGE_MARKDOWN in kinds


@pytest.mark.parametrize("text", [
    "# Notes on the data\n\nWe recorded these in March.\n",
    "# Changelog\n\n## [1.0]\n- added sentences\n",
    "Some prose with a - dash\n",
])
def test_other_markdown_is_left_out_with_a_notice(workspace: Path, text: str) -> None:
    (workspace / TRAIN / "structured.md").unlink()
    (workspace / TRAIN / "NOTES.md").write_text(text)

    datasets = _all(workspace)
    notes = validate(datasets)

    assert DatasetKind.LANGUAGE_MARKDOWN not in [d.kind for d in datasets]
    assert [(n.file, n.level) for n in notes] == [(f"{TRAIN}/NOTES.md", "notice")]
    assert notes[0].message.startswith("left out of training: not structured text")


def test_markdown_listed_in_the_layout_is_taken_as_structured_text(workspace: Path) -> None:
    (workspace / TRAIN / "NOTES.md").write_text("just prose\n")
    layout = DataLayout(markdown_paths=(f"{TRAIN}/NOTES.md",))

    [markdown] = [d for d in discover_training_data(workspace, layout)
                  if d.kind is DatasetKind.LANGUAGE_MARKDOWN]

    assert [f.name for f in markdown.files] == ["NOTES.md"]


def test_only_stray_markdown_is_no_training_data_and_says_why(tmp_path: Path) -> None:
    folder = tmp_path / "ws" / TRAIN
    folder.mkdir(parents=True)
    (folder / "NOTES.md").write_text("# Notes\n\nprose\n")

    with pytest.raises(DataValidationError) as raised:
        discover_training_data(tmp_path / "ws", DataLayout())

    assert "NOTES.md: left out of training" in raised.value.problems[0].message


def test_learn_japanese_related_text_is_one_dataset_per_file(workspace: Path) -> None:
    """"Consider dividing the dataset into multiple text files with up to 20,000 lines in
    each" (Japanese, Korean): uploaded together they would be one file again."""
    (workspace / TRAIN / "more.txt").write_text("もう一つの文\n", encoding="utf-8")

    ja = [d for d in discover_training_data(workspace, DataLayout(), "ja-JP")
          if d.kind is DatasetKind.LANGUAGE]
    en = [d for d in discover_training_data(workspace, DataLayout(), "en-US")
          if d.kind is DatasetKind.LANGUAGE]

    assert [(d.root, [f.name for f in d.files], d.max_lines) for d in ja] == [
        (f"{TRAIN}/more.txt", ["more.txt"], 20_000),
        (f"{TRAIN}/plain_text.txt", ["plain_text.txt"], 20_000)]
    assert [(d.root, d.max_lines) for d in en] == [(TRAIN, None)]


@pytest.mark.parametrize(("locale", "lines", "problem_line"), [
    ("ko-KR", 20_001, 20_001), ("ko-KR", 20_000, None), ("en-US", 20_001, None)])
def test_learn_korean_related_text_file_over_20_000_lines_is_a_problem(
    workspace: Path, locale: str, lines: int, problem_line: int | None
) -> None:
    (workspace / TRAIN / "plain_text.txt").write_text("문장\n" * lines, encoding="utf-8")
    datasets = [d for d in discover_training_data(workspace, DataLayout(), locale)
                if d.kind is DatasetKind.LANGUAGE]

    problems = [p for d in datasets for p in check_dataset(d, Limits())]

    assert [p.line for p in problems] == ([] if problem_line is None else [problem_line])
    if problems:
        assert f"the file has {lines:,} lines" in problems[0].message
        assert "split it into files of at most 20,000 lines" in problems[0].message


def test_a_transcript_naming_a_folder_path_is_told_the_flat_name(workspace: Path) -> None:
    """The package is flat like Microsoft's sample zips: lines name files without folders."""
    with zipfile.ZipFile(workspace / "tests.zip", "w") as archive:
        archive.write(workspace / "testing_data/a.wav", "audio/a.wav")
        archive.write(workspace / "testing_data/b.wav", "audio/b.wav")
        archive.writestr("trans.txt", f"audio/a.wav{TAB}hello world\nb.wav{TAB}good morning\n")
    dataset = discover_test_data(workspace, DataLayout(testing="tests.zip"))

    problems = check_dataset(dataset, Limits())

    assert any("line 1: names audio/a.wav" in p.message and "write a.wav" in p.message
               for p in problems)
