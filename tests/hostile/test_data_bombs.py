"""Hostile data from a pull request: links to secrets, FIFOs, header and zip bombs, huge
lines, floods of problems. Each case ends in a clear problem naming the file (and line),
and nothing is read beyond a bound.

Basis: the service's published data rules (Learn, "Prepare data for custom speech": RIFF
WAV, one `<name><TAB><text>` line per file, zip at most 2 GB) say nothing about links,
FIFOs, 1.9 GB `fmt ` chunks or compression ratios, so the action fails safe: it refuses
what it must not read, and reads everything else in bounded pieces.
"""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from speech_action.data import (
    DataLayout,
    DataPathError,
    DataValidationError,
    Limits,
    Problem,
    discover_test_data,
    discover_training_data,
    discovery,
    validate,
)
from speech_action.github.workflow import Workflow
from speech_action.publish import SummaryBuffer, report_failure
from tests.data.conftest import TAB, collect, make_workspace
from tests.data.wavs import wav_header, write_wav

TEST = "testing_data"
TRAIN = "training_data"
FAKE_TOKEN = "ghs_persistedcheckouttoken0123456789"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    ws = make_workspace(tmp_path / "ws")
    git = ws / ".git"
    git.mkdir()
    # What actions/checkout persists: the token in an extraheader of .git/config.
    (git / "config").write_text(
        f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {FAKE_TOKEN}\n')
    return ws


def _where(problems: list[Problem]) -> list[tuple[str, int | None]]:
    return [(p.file, p.line) for p in problems]


# --- links and special files -------------------------------------------------------------

def test_a_link_to_git_config_is_refused_and_never_becomes_training_data(
    workspace: Path,
) -> None:
    (workspace / TRAIN / "notes.md").symlink_to("../.git/config")

    problems = collect(workspace)

    assert _where(problems) == [(f"{TRAIN}/notes.md", None)]
    assert "link into the .git folder" in problems[0].message
    markdown = next(d for d in discover_training_data(workspace, DataLayout())
                    if d.kind.value == "LanguageMarkdown")
    assert [f.name for f in markdown.files] == ["structured.md"]
    assert FAKE_TOKEN not in str(problems)


def test_a_listed_link_to_git_config_is_a_config_error(workspace: Path) -> None:
    (workspace / TRAIN / "notes.md").symlink_to("../.git/config")
    layout = DataLayout(markdown_paths=(f"{TRAIN}/notes.md",))

    with pytest.raises(DataPathError, match=re.escape(
            "`markdown_paths` path 'training_data/notes.md' points into a .git folder")) as raised:
        discover_training_data(workspace, layout)
    assert FAKE_TOKEN not in str(raised.value)


@pytest.mark.parametrize("layout", [
    DataLayout(markdown_paths=(".git/config",)),
    DataLayout(language_paths=("training_data/../.git/config",)),
    DataLayout(testing=".git"),
    DataLayout(training=".git"),
])
def test_a_layout_path_into_git_is_a_config_error(workspace: Path, layout: DataLayout) -> None:
    with pytest.raises(DataPathError, match=r"points into a \.git folder"):
        discover_test_data(workspace, layout)
        discover_training_data(workspace, layout)


def test_a_link_out_of_the_data_folder_is_refused(workspace: Path) -> None:
    (workspace / TEST / "c.wav").symlink_to("../training_data/c.wav")
    with (workspace / TEST / "trans.txt").open("a") as out:
        out.write(f"c.wav{TAB}turn left\n")

    problems = collect(workspace)

    assert _where(problems) == [(f"{TEST}/c.wav", None), (f"{TEST}/trans.txt", 3)]
    assert "is a link to training_data/c.wav, outside the data folder testing_data" in (
        problems[0].message)


def test_a_link_within_the_data_folder_is_read_from_its_target(workspace: Path) -> None:
    (workspace / TEST / "c.wav").symlink_to("a.wav")
    with (workspace / TEST / "trans.txt").open("a") as out:
        out.write(f"c.wav{TAB}hello again\n")

    assert collect(workspace) == []


@pytest.mark.timeout(20)  # opening a FIFO for reading would block here forever
@pytest.mark.parametrize("name", ["c.wav", "trans.txt"])
def test_a_fifo_is_refused_without_being_opened(workspace: Path, name: str) -> None:
    (workspace / TEST / "trans.txt").unlink()
    os.mkfifo(workspace / TEST / name)
    if name != "trans.txt":
        (workspace / TEST / "trans.txt").write_text(f"a.wav{TAB}hello\nb.wav{TAB}morning\n")

    problems = collect(workspace)

    assert (f"{TEST}/{name}", None) in _where(problems)
    fifo = next(p for p in problems if p.file == f"{TEST}/{name}")
    assert "is not a regular file (it is a named pipe (FIFO))" in fifo.message


@pytest.mark.timeout(20)
def test_a_listed_fifo_is_refused_without_being_opened(workspace: Path) -> None:
    os.mkfifo(workspace / TRAIN / "pipe.txt")
    layout = DataLayout(language_paths=(f"{TRAIN}/plain_text.txt", f"{TRAIN}/pipe.txt"))

    problems = collect(workspace, layout=layout)

    assert _where(problems) == [(f"{TRAIN}/pipe.txt", None)]
    assert "is not a regular file (it is a named pipe (FIFO))" in problems[0].message


def test_a_broken_link_is_a_problem_not_a_crash(workspace: Path) -> None:
    (workspace / TEST / "c.wav").symlink_to("missing.wav")

    problems = collect(workspace)

    assert _where(problems) == [(f"{TEST}/c.wav", None)]
    assert problems[0].message.startswith("cannot be read (")


# --- WAV header bombs --------------------------------------------------------------------

def _wav_with_fmt_size(claimed: int, body: bytes) -> bytes:
    """RIFF WAVE, then a `fmt ` chunk that claims `claimed` bytes and holds `body`."""
    return b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + b"fmt " + struct.pack(
        "<I", claimed) + body


def test_a_fmt_chunk_claiming_1_9_gb_is_not_read(workspace: Path) -> None:
    fmt = wav_header()[20:36]  # a real 16-byte format body
    (workspace / TEST / "a.wav").write_bytes(_wav_with_fmt_size(1_900_000_000, fmt + bytes(64)))

    problems = collect(workspace)

    assert _where(problems) == [(f"{TEST}/a.wav", None)]
    assert "fmt ' chunk claims 1,900,000,000 bytes, but only 80 follow" in problems[0].message


def test_a_fmt_chunk_larger_than_any_format_is_refused(workspace: Path) -> None:
    body = wav_header()[20:36] + bytes(4080)
    (workspace / TEST / "a.wav").write_bytes(
        _wav_with_fmt_size(len(body), body) + b"data" + struct.pack("<I", 0))

    problems = collect(workspace)

    assert _where(problems) == [(f"{TEST}/a.wav", None)]
    assert "fmt chunk claims 4,096 bytes, and a format chunk holds at most 1,024" in (
        problems[0].message)


def test_a_wav_with_endless_chunks_is_refused(workspace: Path) -> None:
    chunks = (b"JUNK" + struct.pack("<I", 0)) * 5000
    (workspace / TEST / "a.wav").write_bytes(
        b"RIFF" + struct.pack("<I", 0) + b"WAVE" + chunks + b"data" + struct.pack("<I", 0))

    problems = collect(workspace)

    assert _where(problems) == [(f"{TEST}/a.wav", None)]
    assert "more than 1,000 chunks before its data chunk" in problems[0].message


def _zipped_tests(workspace: Path, members: dict[str, bytes],
                  method: int = zipfile.ZIP_DEFLATED) -> Path:
    folder = workspace / TEST
    for child in folder.iterdir():
        child.unlink()
    path = folder / "tests.zip"
    with zipfile.ZipFile(path, "w", compression=method) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_fmt_chunk_claiming_1_9_gb_in_a_zip_is_not_read(workspace: Path) -> None:
    # 20 MB of zeros after the header: the 1.8 MB zip of the issue, scaled down. The ratio
    # cap is lifted so the header check itself is what stops it.
    fmt = wav_header()[20:36]
    wav = _wav_with_fmt_size(1_900_000_000, fmt + bytes(20_000_000))
    zipped = _zipped_tests(workspace, {"a.wav": wav, "trans.txt": f"a.wav{TAB}hi\n".encode()})
    assert zipped.stat().st_size < 100_000

    problems = collect(workspace, Limits(max_zip_ratio=10**9))

    assert _where(problems) == [(f"{TEST}/tests.zip", None)]
    assert problems[0].message.startswith("a.wav (in the zip): truncated WAV header")
    assert "claims 1,900,000,000 bytes, but only 20,000,016 follow" in problems[0].message


def test_a_zip_bomb_member_is_refused_before_it_is_unpacked(workspace: Path) -> None:
    wav = wav_header(data_bytes=64 * 1024**2) + bytes(64 * 1024**2)  # 64 MiB of silence
    zipped = _zipped_tests(workspace, {"a.wav": wav, "trans.txt": f"a.wav{TAB}hi\n".encode()})
    assert zipped.stat().st_size < 200_000  # about 1000:1, deflate's best

    problems = collect(workspace)

    assert _where(problems) == [(f"{TEST}/tests.zip", None)]
    message = problems[0].message
    assert message.startswith("a.wav (in the zip): the member would unpack to 64.0 MiB")
    assert "more than 100:1): a zip bomb or mostly silence; it was not unpacked" in message


def test_a_bzip2_member_is_refused(workspace: Path) -> None:
    wav = write_wav(workspace / "x.wav").read_bytes()
    _zipped_tests(workspace, {"a.wav": wav, "trans.txt": f"a.wav{TAB}hi\n".encode()},
                  method=zipfile.ZIP_BZIP2)

    problems = collect(workspace)

    assert _where(problems) == [(f"{TEST}/tests.zip", None)] * 2
    assert problems[0].message.startswith("a.wav (in the zip): the member is compressed "
                                          "with bzip2, which the action does not unpack")
    assert problems[1].message.startswith("trans.txt (in the zip): the member is compressed "
                                          "with bzip2")


def test_a_zip_of_countless_entries_is_not_opened(
    workspace: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # zipfile parses the whole table of contents into memory: a forged 100 MB zip of empty
    # entries would take gigabytes. Scaled down: 3,000 entries against a 64 KiB cap.
    monkeypatch.setattr(discovery, "MAX_ZIP_DIRECTORY_BYTES", 64 * 1024)
    _zipped_tests(workspace, {f"{n:04d}.wav": b"" for n in range(3000)})

    problems = collect(workspace)

    assert _where(problems) == [(f"{TEST}/tests.zip", None)]
    assert problems[0].message.startswith("the zip's table of contents is 162,000 bytes, "
                                          "more than the 65,536")
    assert "it was not opened" in problems[0].message


def test_a_file_named_zip_that_is_not_a_zip_is_still_reported_as_such(workspace: Path) -> None:
    _zipped_tests(workspace, {})
    (workspace / TEST / "tests.zip").write_bytes(bytes(10 * 1024**2))

    problems = collect(workspace)

    assert _where(problems) == [(f"{TEST}/tests.zip", None)]
    assert "is not a readable zip file" in problems[0].message


# --- huge lines --------------------------------------------------------------------------

def test_a_line_over_the_cap_is_a_file_line_problem_and_the_rest_is_checked(
    workspace: Path,
) -> None:
    (workspace / TEST / "trans.txt").write_text(
        f"a.wav{TAB}hello\nb.wav{TAB}{'x' * 5000}\nc.wav{TAB}no such audio\n")

    problems = collect(workspace, Limits(max_line_bytes=1024))

    assert _where(problems) == [(f"{TEST}/trans.txt", 2), (f"{TEST}/trans.txt", 3),
                                (f"{TEST}/b.wav", None)]
    assert "the line is longer than 1,024 bytes" in problems[0].message
    assert "names c.wav, which is not among the audio files" in problems[1].message


def test_a_long_line_in_a_zipped_transcript_is_a_problem(workspace: Path) -> None:
    wav = write_wav(workspace / "x.wav").read_bytes()
    _zipped_tests(workspace, {"a.wav": wav, "trans.txt": b"a.wav\t" + b"y" * 10_000})

    problems = collect(workspace, Limits(max_line_bytes=1024))

    assert _where(problems)[0] == (f"{TEST}/tests.zip", None)
    assert problems[0].message.startswith("trans.txt (in the zip), line 1: the line is "
                                          "longer than 1,024 bytes")


def test_a_long_related_text_line_names_file_and_line(workspace: Path) -> None:
    (workspace / TRAIN / "plain_text.txt").write_text("fine\n" + "z" * 3000 + "\nfine\n")

    problems = collect(workspace, Limits(max_line_bytes=1024))

    assert _where(problems) == [(f"{TRAIN}/plain_text.txt", 2)]


# argv: the workspace, then `testing` or `training`: which data to discover and validate.
_VALIDATE_IN_A_CHILD = textwrap.dedent("""
    import sys
    from pathlib import Path
    from speech_action.data import DataLayout, DataValidationError, discover_test_data
    from speech_action.data import discover_training_data, validate
    workspace = Path(sys.argv[1])
    try:
        if sys.argv[2] == "testing":
            validate([discover_test_data(workspace, DataLayout())])
        else:
            validate(discover_training_data(workspace, DataLayout()))
    except DataValidationError as error:
        print("\\n".join(str(p) for p in error.problems))
""")
_MEASURE = textwrap.dedent("""
    import resource, subprocess, sys
    done = subprocess.run([sys.executable, "-c", *sys.argv[1:]],
                          capture_output=True, text=True, timeout=120)
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(done.stdout, end="")
    print(done.stderr, end="", file=sys.stderr)
""")


def _validate_in_a_child(workspace: Path, data: str) -> tuple[int, list[str], str]:
    """Validate the `data` (`testing` or `training`) of `workspace` in a child process:
    its peak RSS in KiB, the problems it printed, and its stderr.

    The middle process measures only its one child (RUSAGE_CHILDREN: the largest
    waited-for child), not whatever else this test session has run.
    """
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, _VALIDATE_IN_A_CHILD, str(workspace), data],
        capture_output=True, text=True, timeout=150, cwd=REPO, check=True)
    peak_kib, *lines = done.stdout.splitlines()
    return int(peak_kib), lines, done.stderr


@pytest.mark.timeout(180)
def test_a_200_mb_single_line_of_related_text_keeps_rss_flat(workspace: Path) -> None:
    # 200 MB (related text may be up to 200 MiB) in one line, as a hole in the file: no
    # disk, read as zeros. Before the cap, iterating the file held the whole line (the
    # issue: a one-line 1.5 GB trans.txt took 4.4 GB).
    text = workspace / TRAIN / "plain_text.txt"
    with text.open("wb") as out:
        out.write(b"hello ")
        out.truncate(200_000_000)
    try:
        peak_kib, lines, stderr = _validate_in_a_child(workspace, "training")
    finally:
        text.unlink()
    assert peak_kib < 150 * 1024, (peak_kib, stderr)
    assert lines[0] == (f"{TRAIN}/plain_text.txt:1: the line is longer than 4,194,304 bytes, which "
                        "no sentence or transcript needs; split it into lines (is this a text "
                        "file?); the line was not checked")


def test_a_transcript_larger_than_any_dataset_needs_is_not_read(workspace: Path) -> None:
    with (workspace / TEST / "trans.txt").open("ab") as out:
        out.truncate(33 * 1024**2)

    problems = collect(workspace)

    assert _where(problems) == [(f"{TEST}/trans.txt", None)]
    assert problems[0].message.startswith("the transcript is 33.0 MiB, and the most audio a "
                                          "dataset can hold needs at most 32.0 MiB; it was "
                                          "not read")


def test_a_transcript_with_more_lines_than_files_stops_at_the_limit(workspace: Path) -> None:
    # Short lines cost memory per line: a 30 MiB transcript of "a<TAB>b" lines would be
    # millions of entries. No dataset holds more files than the zip limit.
    with (workspace / TEST / "trans.txt").open("a") as out:
        out.writelines(f"x{n}.wav{TAB}word\n" for n in range(5))

    problems = collect(workspace, Limits(max_zip_files=4))

    assert (f"{TEST}/trans.txt", 5) in _where(problems)
    stop = next(p for p in problems if p.line == 5)
    assert stop.message.startswith("the transcript has more than 4 lines, and a dataset "
                                   "holds at most 4 audio files")


# --- floods of problems ------------------------------------------------------------------

@pytest.mark.timeout(60)
def test_30000_empty_wavs_print_at_most_51_annotations(tmp_path: Path) -> None:
    folder = tmp_path / "ws" / TEST
    folder.mkdir(parents=True)
    for number in range(30_000):
        (folder / f"{number:05d}.wav").touch()
    (folder / "trans.txt").write_text(f"00000.wav{TAB}hello\n")

    with pytest.raises(DataValidationError) as raised:
        validate([discover_test_data(tmp_path / "ws", DataLayout())])

    error = raised.value
    assert (error.total, error.omitted, len(error.problems)) == (60_000, 59_950, 51)
    assert error.problems[0].file == f"{TEST}/00000.wav"
    assert "the audio file is empty" in error.problems[0].message
    last = error.problems[-1]
    # The first 50 are the first 50 empty WAVs; the rest: 29,950 more empty WAVs, 29,999
    # without a transcript line, and 30,001 files over the service's 10,000 per zip.
    assert (last.file, last.line) == (f"{TEST}/00050.wav", None)
    assert last.message.startswith("59,950 more problems in 30,000 files "
                                   f"(from {TEST}/00050.wav on) were not listed")
    assert len(str(error).splitlines()) == 52
    # What publish makes of it: one ::error per listed problem, nothing more.
    out = io.StringIO()
    workflow = Workflow(stdout=out)
    report_failure(workflow, SummaryBuffer(workflow), error)
    errors = [line for line in out.getvalue().splitlines() if line.startswith("::error")]
    assert len(errors) == 51
    assert len(out.getvalue()) < 40_000


# --- transcripts without words -----------------------------------------------------------

def test_a_transcript_of_only_punctuation_is_a_problem(workspace: Path) -> None:
    # Scored on 0 words it gave a "2400 %" benchmark; scoring's normalization drops all of it.
    (workspace / TEST / "trans.txt").write_text(f"a.wav{TAB}hello\nb.wav{TAB}... ?! -- ' «»\n")

    problems = collect(workspace)

    assert _where(problems) == [(f"{TEST}/trans.txt", 2)]
    assert "the transcript text for b.wav has no words, only punctuation" in (
        problems[0].message)


@pytest.mark.timeout(180)
def test_a_zipped_wav_claiming_a_1_9_gb_fmt_chunk_keeps_rss_flat(workspace: Path) -> None:
    # The case: a small zip whose WAV header claims a 1.9 GB `fmt ` chunk grew the
    # process to 5.6 GB. Validated with the defaults a run uses, measured from outside.
    fmt = wav_header()[20:36]
    wav = _wav_with_fmt_size(1_900_000_000, fmt + bytes(20_000_000))
    _zipped_tests(workspace, {"a.wav": wav, "trans.txt": f"a.wav{TAB}hi\n".encode()})
    peak_kib, lines, stderr = _validate_in_a_child(workspace, "testing")
    assert peak_kib < 150 * 1024, (peak_kib, stderr)
    assert lines and lines[0].startswith(f"{TEST}/tests.zip"), lines
