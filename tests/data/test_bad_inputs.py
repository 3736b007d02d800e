"""The bad-input corpus: each case breaks one thing in a valid workspace and expects
exactly the problems it causes, with their file, line and a key phrase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from speech_action.data import Limits
from tests.data.conftest import TAB, collect
from tests.data.wavs import (
    EXTENSIBLE,
    FLOAT,
    write_not_riff,
    write_raw_wav,
    write_sparse_wav,
    write_truncated_wav,
    write_wav,
)

TEST = "testing_data"
TRAIN = "training_data"


@dataclass(frozen=True)
class Case:
    break_it: Callable[[Path], object]
    expected: list[tuple[str, int | None, str]]
    limits: Limits = field(default_factory=Limits)


def _append(relative: str, data: bytes) -> Callable[[Path], object]:
    def append(ws: Path) -> None:
        with (ws / relative).open("ab") as out:
            out.write(data)
    return append


def _write(relative: str, data: bytes) -> Callable[[Path], object]:
    return lambda ws: (ws / relative).write_bytes(data)


def _line1(relative: str, line: str) -> Callable[[Path], object]:
    """Replace the first line of a text file."""
    def replace(ws: Path) -> None:
        rest = (ws / relative).read_text().split("\n", 1)[1]
        (ws / relative).write_text(f"{line}\n{rest}")
    return replace


CASES: dict[str, Case] = {
    # audio
    "not RIFF": Case(lambda ws: write_not_riff(ws / TEST / "a.wav"),
                     [(f"{TEST}/a.wav", None, "not a RIFF WAV")]),
    "stereo": Case(lambda ws: write_wav(ws / TEST / "a.wav", channels=2),
                   [(f"{TEST}/a.wav", None, "stereo (2 channels)")]),
    "44.1 kHz": Case(lambda ws: write_wav(ws / TEST / "a.wav", rate=44100),
                     [(f"{TEST}/a.wav", None, "sampled at 44,100 Hz")]),
    "8-bit": Case(lambda ws: write_wav(ws / TEST / "a.wav", width=1),
                  [(f"{TEST}/a.wav", None, "8-bit PCM, not 16-bit")]),
    "24-bit": Case(lambda ws: write_raw_wav(ws / TEST / "a.wav", bits=24, data_bytes=4800),
                   [(f"{TEST}/a.wav", None, "24-bit PCM, not 16-bit")]),
    "float": Case(lambda ws: write_raw_wav(ws / TEST / "a.wav", format_tag=FLOAT, bits=32),
                  [(f"{TEST}/a.wav", None, "32-bit floating-point audio, not PCM")]),
    "extensible float": Case(
        lambda ws: write_raw_wav(ws / TEST / "a.wav", format_tag=EXTENSIBLE, bits=32,
                                 subformat=FLOAT),
        [(f"{TEST}/a.wav", None, "floating-point")]),
    "truncated header": Case(lambda ws: write_truncated_wav(ws / TEST / "a.wav"),
                             [(f"{TEST}/a.wav", None, "truncated WAV header")]),
    "WAV without samples": Case(lambda ws: write_raw_wav(ws / TEST / "a.wav", data_bytes=0),
                                [(f"{TEST}/a.wav", None, "no audio samples")]),
    "empty audio": Case(_write(f"{TEST}/a.wav", b""),
                        [(f"{TEST}/a.wav", None, "audio file is empty")]),
    "too long for testing": Case(lambda ws: write_sparse_wav(ws / TEST / "a.wav", 2 * 3600 + 60),
                                 [(f"{TEST}/a.wav", None, "too long: 2 h 01 min")]),
    "too long for training": Case(lambda ws: write_wav(ws / TRAIN / "c.wav", seconds=41),
                                  [(f"{TRAIN}/c.wav", None, "41.0 s, and 40.0 s is the most")]),
    # transcripts
    "missing transcript file": Case(lambda ws: (ws / TEST / "trans.txt").unlink(),
                                    [(TEST, None, "no transcript file (trans.txt or")]),
    "audio without transcript": Case(lambda ws: write_wav(ws / TEST / "extra.wav"),
                                     [(f"{TEST}/extra.wav", None, "has no transcript line")]),
    "transcript names missing audio": Case(
        _append(f"{TEST}/trans.txt", f"zzz.wav{TAB}hello\n".encode()),
        [(f"{TEST}/trans.txt", 3, "names zzz.wav, which is not among the audio files")]),
    "name differs in case": Case(
        _line1(f"{TEST}/trans.txt", f"A.wav{TAB}hello world"),
        [(f"{TEST}/trans.txt", 1, "did you mean a.wav?"),
         (f"{TEST}/a.wav", None, "has no transcript line")]),
    "duplicate names": Case(_append(f"{TEST}/trans.txt", f"a.wav{TAB}again\n".encode()),
                            [(f"{TEST}/trans.txt", 3, "duplicate name: a.wav")]),
    "no tab": Case(_line1(f"{TEST}/trans.txt", "a.wav hello world"),
                   [(f"{TEST}/trans.txt", 1, "no tab between")]),
    "empty transcript text": Case(_line1(f"{TEST}/trans.txt", f"a.wav{TAB}  "),
                                  [(f"{TEST}/trans.txt", 1, "empty transcript text for a.wav")]),
    "transcript invalid UTF-8": Case(
        _append(f"{TEST}/trans.txt", b"c.wav\tcaf\xe9\n"),
        [(f"{TEST}/trans.txt", 3, "not valid UTF-8 (byte 0xe9")]),
    "transcript UTF-16": Case(
        _write(f"{TEST}/trans.txt", f"a.wav{TAB}hi\n".encode("utf-16")),
        [(f"{TEST}/trans.txt", None, "UTF-16")]),
    "transcript UTF-16 without BOM": Case(
        _write(f"{TEST}/trans.txt", f"a.wav{TAB}hi\nb.wav{TAB}ho\n".encode("utf-16-le")),
        [(f"{TEST}/trans.txt", 1, "NUL bytes (is the file UTF-16?)")]),
    "empty transcript": Case(_write(f"{TEST}/trans.txt", b""),
                             [(f"{TEST}/trans.txt", None, "transcript is empty")]),
    "two transcripts": Case(_write(f"{TEST}/transcript.txt", b"a.wav\thi\n"),
                            [(f"{TEST}/transcript.txt", None, "second transcript")]),
    "training audio without transcript": Case(
        lambda ws: (ws / TRAIN / "trans.txt").unlink(),
        [(TRAIN, None, "no transcript file")]),
    # related text
    "URL": Case(_append(f"{TRAIN}/plain_text.txt", b"see https://example.com/x\n"),
                [(f"{TRAIN}/plain_text.txt", 3, "contains a URI (https://example.com/x)")]),
    "www": Case(_append(f"{TRAIN}/plain_text.txt", b"go to www.example.com now\n"),
                [(f"{TRAIN}/plain_text.txt", 3, "contains a URI (www.example.com)")]),
    "related text too large": Case(lambda ws: None,
                                   [(f"{TRAIN}/plain_text.txt", None, "too large: 39 bytes")],
                                   Limits(max_language_bytes=38)),
    "related text invalid UTF-8": Case(_append(f"{TRAIN}/plain_text.txt", b"\xff\xfe ok\n"),
                                       [(f"{TRAIN}/plain_text.txt", 3, "not valid UTF-8")]),
    "related text empty": Case(_write(f"{TRAIN}/plain_text.txt", b""),
                               [(f"{TRAIN}/plain_text.txt", None, "the file is empty")]),
    "related text files together too large": Case(
        _write(f"{TRAIN}/more.txt", b"more sentences here\n"),
        [(TRAIN, None, "together are 59 bytes")], Limits(max_language_bytes=40)),
    "markdown invalid UTF-8": Case(_append(f"{TRAIN}/structured.md", b"- caf\xc3\n"),
                                   [(f"{TRAIN}/structured.md", 3, "not valid UTF-8")]),
    # pronunciation
    "pronunciation no tab": Case(_append(f"{TRAIN}/pronunciation.txt", b"R2D2 r two d two\n"),
                                 [(f"{TRAIN}/pronunciation.txt", 3, "no tab; write exactly one")]),
    "pronunciation two tabs": Case(_append(f"{TRAIN}/pronunciation.txt", b"R2D2\tr two\td two\n"),
                                   [(f"{TRAIN}/pronunciation.txt", 3, "2 tabs")]),
    "pronunciation empty spoken form": Case(
        _append(f"{TRAIN}/pronunciation.txt", b"R2D2\t \n"),
        [(f"{TRAIN}/pronunciation.txt", 3, "empty spoken form for R2D2")]),
    "pronunciation empty display form": Case(
        _line1(f"{TRAIN}/pronunciation.txt", f"{TAB}three c p o"),
        [(f"{TRAIN}/pronunciation.txt", 1, "empty display form")]),
    "pronunciation too large": Case(lambda ws: None,
                                    [(f"{TRAIN}/pronunciation.txt", None, "too large")],
                                    Limits(max_pronunciation_bytes=20)),
    # the packaged zip
    "too many files for one zip": Case(lambda ws: None,
                                       [(TEST, None, "3 files would go into one zip")],
                                       Limits(max_zip_files=2)),
    "zip too large": Case(lambda ws: None,
                          [(TRAIN, None, "the audio zip would be 31 KiB")],
                          Limits(max_zip_bytes=20_000)),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bad_input_is_reported_with_file_line_and_cause(workspace: Path, case: Case) -> None:
    case.break_it(workspace)

    problems = collect(workspace, case.limits)

    found = [(p.file, p.line) for p in problems]
    assert found == [(file, line) for file, line, _ in case.expected], problems
    for problem, (_, _, phrase) in zip(problems, case.expected, strict=True):
        assert phrase in problem.message


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 25
