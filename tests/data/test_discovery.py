"""Finding datasets: default layout, zips, explicit lists, and paths kept in the workspace."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from speech_action.config import load_config
from speech_action.data import (
    DataLayout,
    DataPathError,
    DatasetKind,
    DataValidationError,
    discover_test_data,
    discover_training_data,
)
from speech_action.errors import ConfigError
from tests.data.conftest import TAB, collect
from tests.data.wavs import write_wav


def test_default_layout(workspace: Path) -> None:
    test_set = discover_test_data(workspace, DataLayout())
    training = discover_training_data(workspace, DataLayout())

    assert test_set.kind is DatasetKind.ACOUSTIC
    assert test_set.root == "testing_data"
    assert [f.display for f in test_set.files] == ["testing_data/a.wav", "testing_data/b.wav"]
    assert test_set.transcript is not None
    assert test_set.transcript.display == "testing_data/trans.txt"
    summary = [(d.kind, [f.name for f in d.files]) for d in training]
    assert summary == [
        (DatasetKind.LANGUAGE, ["plain_text.txt"]),
        (DatasetKind.PRONUNCIATION, ["pronunciation.txt"]),
        (DatasetKind.LANGUAGE_MARKDOWN, ["structured.md"]),
        (DatasetKind.ACOUSTIC, ["c.wav"]),
    ]
    assert training[3].transcript is not None
    assert training[3].transcript.name == "trans.txt"


def test_other_txt_files_join_the_language_dataset_and_readme_is_skipped(
    workspace: Path,
) -> None:
    (workspace / "training_data/more.txt").write_text("more sentences\n")
    (workspace / "training_data/README.md").write_text("# what this folder is\n")
    (workspace / "training_data/.hidden.txt").write_text("not data\n")

    training = discover_training_data(workspace, DataLayout())

    assert [f.name for f in training[0].files] == ["more.txt", "plain_text.txt"]
    assert [f.name for f in training[2].files] == ["structured.md"]


def test_transcript_txt_is_the_second_transcript_name(workspace: Path) -> None:
    (workspace / "testing_data/trans.txt").rename(workspace / "testing_data/transcript.txt")

    test_set = discover_test_data(workspace, DataLayout())

    assert test_set.transcript is not None
    assert test_set.transcript.name == "transcript.txt"
    assert collect(workspace) == []


def test_custom_layout_and_explicit_lists(tmp_path: Path) -> None:
    ws = tmp_path / "ws"
    write_wav(ws / "data/eval/x.wav")
    (ws / "data/eval/labels.tsv").write_text(f"x.wav{TAB}hi\n")
    (ws / "corpus").mkdir()
    (ws / "corpus/sentences.txt").write_text("a sentence\n")
    (ws / "corpus/lexicon.tsv").write_text(f"IEEE{TAB}i triple e\n")
    layout = DataLayout(
        testing="data/eval", training="nowhere", transcript_files=("labels.tsv",),
        language_paths=("corpus/sentences.txt",), pronunciation_paths=("corpus/lexicon.tsv",),
        markdown_paths=(), acoustic_paths=(),
    )

    test_set = discover_test_data(ws, layout)
    training = discover_training_data(ws, layout)

    assert test_set.transcript is not None and test_set.transcript.name == "labels.tsv"
    assert [(d.kind, [f.display for f in d.files]) for d in training] == [
        (DatasetKind.LANGUAGE, ["corpus/sentences.txt"]),
        (DatasetKind.PRONUNCIATION, ["corpus/lexicon.tsv"]),
    ]
    assert collect(ws, layout=layout) == []


def test_a_listed_file_that_does_not_exist_is_a_problem(workspace: Path) -> None:
    layout = DataLayout(language_paths=("training_data/plain_text.txt", "missing.txt"))

    problems = collect(workspace, layout=layout)

    assert [(p.file, p.line) for p in problems] == [("missing.txt", None)]
    assert "listed in the data layout's `language_paths` but does not exist" in problems[0].message


@pytest.mark.parametrize(("layout", "field", "path"), [
    (DataLayout(testing="../elsewhere"), "testing", "../elsewhere"),
    (DataLayout(testing="/etc"), "testing", "/etc"),
    (DataLayout(testing=" "), "testing", " "),
    (DataLayout(training="training_data/../../x"), "training", "training_data/../../x"),
    (DataLayout(language_paths=("../secret.txt",)), "language_paths", "../secret.txt"),
])
def test_paths_outside_the_workspace_name_the_layout_field_not_an_input(
    workspace: Path, layout: DataLayout, field: str, path: str
) -> None:
    with pytest.raises(DataPathError) as raised:
        discover_test_data(workspace, layout)
        discover_training_data(workspace, layout)

    # Data is a leaf: it names the layout field and the path; config names inputs.
    assert (raised.value.field, raised.value.path) == (field, path)
    assert raised.value.input_name is None
    assert isinstance(raised.value, ConfigError)  # the edge shows it as a configuration error
    message = str(raised.value)
    assert f"the data layout's `{field}` path" in message
    assert "outside the workspace" in message or "is empty" in message
    assert "-data" not in message and "-paths" not in message


def test_a_link_out_of_the_workspace_is_a_problem(workspace: Path, tmp_path: Path) -> None:
    outside = write_wav(tmp_path / "outside.wav")
    (workspace / "testing_data/c.wav").symlink_to(outside)

    problems = collect(workspace)

    assert [(p.file, p.line) for p in problems] == [("testing_data/c.wav", None)]
    assert "link to a file outside the workspace" in problems[0].message


def test_a_linked_data_folder_out_of_the_workspace_is_a_config_error(
    workspace: Path, tmp_path: Path
) -> None:
    (tmp_path / "other").mkdir()
    (workspace / "linked").symlink_to(tmp_path / "other")

    with pytest.raises(DataPathError, match="`testing` path 'linked' points outside") as raised:
        discover_test_data(workspace, DataLayout(testing="linked"))
    assert raised.value.field == "testing"


def test_missing_folders_stop_discovery(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()

    with pytest.raises(DataValidationError) as test_error:
        discover_test_data(tmp_path / "ws", DataLayout())
    with pytest.raises(DataValidationError) as training_error:
        discover_training_data(tmp_path / "ws", DataLayout())

    assert test_error.value.problems[0].file == "testing_data"
    assert "does not exist" in test_error.value.problems[0].message
    assert training_error.value.problems[0].file == "training_data"


def test_an_empty_training_folder_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "ws/training_data").mkdir(parents=True)
    (tmp_path / "ws/training_data/README.md").write_text("nothing yet\n")

    with pytest.raises(DataValidationError, match="no training data found"):
        discover_training_data(tmp_path / "ws", DataLayout())


def test_test_data_as_a_zip_path(workspace: Path) -> None:
    with zipfile.ZipFile(workspace / "tests.zip", "w") as archive:
        archive.write(workspace / "testing_data/a.wav", "a.wav")
        archive.writestr("trans.txt", f"a.wav{TAB}hello\nmissing.wav{TAB}x\n")
        archive.writestr("__MACOSX/._a.wav", b"resource fork")

    dataset = discover_test_data(workspace, DataLayout(testing="tests.zip"))
    problems = collect(workspace, layout=DataLayout(testing="tests.zip"))

    assert [f.name for f in dataset.files] == ["a.wav"]
    assert [(p.file, p.line) for p in problems] == [("tests.zip", None)]
    assert problems[0].message.startswith("trans.txt (in the zip), line 2: names missing.wav")


def test_a_zip_without_transcript_or_audio_problems(workspace: Path) -> None:
    with zipfile.ZipFile(workspace / "tests.zip", "w") as archive:
        archive.writestr("a.wav", b"not a wav at all")

    problems = collect(workspace, layout=DataLayout(testing="tests.zip"))

    assert [(p.file, p.line) for p in problems] == [("tests.zip", None), ("tests.zip", None)]
    assert "no transcript" in problems[0].message
    assert problems[1].message.startswith("a.wav (in the zip): not a RIFF WAV")


def test_a_broken_zip_is_a_problem(workspace: Path) -> None:
    (workspace / "tests.zip").write_bytes(b"PK\x03\x04 but then nothing")

    problems = collect(workspace, layout=DataLayout(testing="tests.zip"))

    assert [(p.file, p.line) for p in problems] == [("tests.zip", None)]
    assert "not a readable zip file" in problems[0].message


def test_a_zip_next_to_loose_test_files_is_a_problem(workspace: Path) -> None:
    with zipfile.ZipFile(workspace / "testing_data/more.zip", "w") as archive:
        archive.writestr("trans.txt", "")

    problems = collect(workspace)

    assert [(p.file, p.line) for p in problems] == [("testing_data/more.zip", None)]
    assert "1 zip(s) and 3 loose audio or transcript files" in problems[0].message


def test_the_config_data_is_passed_directly(workspace: Path) -> None:
    """The modes pass `config.data` (absolute folders already checked) as it is."""
    config = load_config({"mode": "benchmark-test", "speech-endpoint": "local"},
                         workspace=workspace)

    assert isinstance(config.data, DataLayout)
    assert discover_test_data(workspace, config.data) == discover_test_data(workspace,
                                                                            DataLayout())
    assert len(discover_training_data(workspace, config.data)) == 4


def test_an_encrypted_zip_member_is_a_problem(workspace: Path) -> None:
    with zipfile.ZipFile(workspace / "tests.zip", "w") as archive:
        archive.write(workspace / "testing_data/a.wav", "a.wav")
        archive.writestr("trans.txt", f"a.wav{TAB}hello\n")
    data = bytearray((workspace / "tests.zip").read_bytes())
    for signature, flag_offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = data.index(signature)  # the first member: a.wav
        data[position + flag_offset] |= 0x01  # "encrypted"
    (workspace / "tests.zip").write_bytes(bytes(data))

    problems = collect(workspace, layout=DataLayout(testing="tests.zip"))

    assert [(p.file, p.line) for p in problems] == [("tests.zip", None)]
    assert problems[0].message.startswith("a.wav (in the zip): the file cannot be read")
    assert "encrypted" in problems[0].message


def test_two_zips_of_test_data_are_a_problem(workspace: Path) -> None:
    for name in ("testing_data/a.wav", "testing_data/b.wav", "testing_data/trans.txt"):
        (workspace / name).unlink()
    for name in ("one.zip", "two.zip"):
        with zipfile.ZipFile(workspace / "testing_data" / name, "w") as archive:
            archive.writestr("trans.txt", "")

    problems = collect(workspace)

    assert [(p.file, p.line) for p in problems] == [("testing_data/one.zip", None)]
    assert "2 zip(s) and 0 loose" in problems[0].message
