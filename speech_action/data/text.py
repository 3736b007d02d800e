"""Line-by-line checks of the text files: transcripts, related text, pronunciations.

Files are read as bytes and decoded one line at a time, so an invalid byte is reported
with its line and the rest of the file is still checked. A UTF-8 BOM and CRLF line
endings are accepted everywhere.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from speech_action.data.model import DataFile, DataSet, Limits, Problem
from speech_action.data.reader import CHUNK_SIZE, DataReader
from speech_action.errors import shown

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_URI = re.compile(r"https?://\S*|\bwww\.\S+", re.IGNORECASE)
MAX_LINE_BYTES = Limits.max_line_bytes
MAX_TRANSCRIPT_LINES = Limits.max_zip_files
# What scoring's normalization removes besides whitespace and punctuation (P*):
# apostrophes (U+02BC is a letter by category), the BOM and the zero-width space.
_NOT_WORD = frozenset("'\u2019\u2018\u02bc\ufeff\u200b")


@dataclass(frozen=True)
class Line:
    """One line of a text file. Invalid UTF-8 (already reported) is decoded with
    replacement characters and `valid` False, so checks can still tell what it names."""

    number: int
    text: str
    valid: bool = True


@dataclass(frozen=True)
class TranscriptEntry:
    """A well-formed transcript line: audio file name and what is said in it."""

    line: int
    name: str
    text: str


class FileProblems:
    """Collects the problems of one file, capped so a broken file cannot flood the report.

    Problems in a zip member are reported on the zip (annotations need a real file) with
    the member and line in the message.
    """

    def __init__(self, data_file: DataFile, cap: int) -> None:
        self._file = data_file
        self._cap = cap
        self._problems: list[Problem] = []
        self._dropped = 0

    def add(self, line: int | None, message: str) -> None:
        if len(self._problems) >= self._cap:
            self._dropped += 1
            return
        member = self._file.member
        if member is None:
            self._problems.append(Problem(self._file.display, line, message))
            return
        where = f"{member} (in the zip)" + ("" if line is None else f", line {line}")
        self._problems.append(Problem(self._file.display, None, f"{where}: {message}"))

    @property
    def empty(self) -> bool:
        """Whether nothing was reported (a file found unreadable gets no second problem)."""
        return not self._problems

    def result(self) -> list[Problem]:
        if not self._dropped:
            return list(self._problems)
        more = Problem(
            self._file.display,
            None,
            f"{self._dropped} more problems like these in {self._file.label} were not listed; "
            "fix the ones above and validate again",
        )
        return [*self._problems, more]


def read_lines(stream: IO[bytes], sink: FileProblems,
               max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Line]:
    """Decode each line; invalid UTF-8 is reported to `sink` and yields `valid=False`.

    A line longer than `max_line_bytes` is reported (file:line) and skipped without ever
    being held in memory whole, so a one-line 1.5 GB file costs one read buffer.
    """
    for number, raw in enumerate(_bounded_lines(stream, max_line_bytes), start=1):
        if raw is None:
            sink.add(number, f"the line is longer than {max_line_bytes:,} bytes, which no "
                     "sentence or transcript needs; split it into lines (is this a text "
                     "file?); the line was not checked")
            continue
        if number == 1:
            if raw.startswith(_UTF16_BOMS):
                sink.add(None, "the file is UTF-16 encoded; save it as UTF-8 and push again")
                return
            raw = raw.removeprefix(UTF8_BOM)
        raw = raw.removesuffix(b"\n").removesuffix(b"\r")
        if b"\x00" in raw:  # valid UTF-8, but the mark of UTF-16 text without a BOM
            sink.add(number, "contains NUL bytes (is the file UTF-16?); save it as UTF-8 "
                     "(the rest of the file was not checked)")
            return
        try:
            yield Line(number, raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            bad = raw[error.start : error.start + 1].hex()
            sink.add(
                number,
                f"not valid UTF-8 (byte 0x{bad} at byte {error.start + 1} of the line); "
                "save the file as UTF-8",
            )
            yield Line(number, raw.decode("utf-8", errors="replace"), valid=False)


def _bounded_lines(stream: IO[bytes], max_bytes: int) -> Iterator[bytes | None]:
    """The raw lines (with their LF), or None for a line longer than `max_bytes`, whose
    rest is read in chunks and dropped."""
    while raw := stream.readline(max_bytes + 1):
        if len(raw) <= max_bytes or raw.endswith(b"\n"):
            yield raw
            continue
        while (rest := stream.readline(CHUNK_SIZE)) and not rest.endswith(b"\n"):
            pass
        yield None


def has_words(text: str) -> bool:
    """Whether `text` keeps a word under scoring's `nfkc-casefold-nopunct-v1`.

    The same notion of a word, without importing scoring (data and scoring are separate
    leaves; a test pins the two against each other): after NFKC and case folding, some
    character that is not whitespace, not punctuation (P*), not an apostrophe, BOM or
    zero-width space. Symbols ($, +) are words there, so they are here.
    """
    folded = unicodedata.normalize("NFKC", text).casefold()
    return any(not char.isspace() and char not in _NOT_WORD
               and not unicodedata.category(char).startswith("P") for char in folded)


@dataclass(frozen=True)
class Transcript:
    """The well-formed lines, and every name any line mentions (even a broken line),
    so an audio file whose line is broken is not also reported as untranscribed."""

    entries: list[TranscriptEntry]
    names: set[str]


def check_transcript(stream: IO[bytes], sink: FileProblems,
                     max_line_bytes: int = MAX_LINE_BYTES,
                     max_lines: int = MAX_TRANSCRIPT_LINES) -> Transcript:
    """Check transcript lines (`<audio file name><TAB><transcript>`).

    At most `max_lines` non-empty lines are read (a dataset holds at most that many
    files), so what is kept per line stays bounded however long the file.
    """
    entries: list[TranscriptEntry] = []
    first_line: dict[str, int] = {}
    names: set[str] = set()
    for line in read_lines(stream, sink, max_line_bytes):
        if not line.text.strip():
            continue
        if len(names) >= max_lines:
            sink.add(line.number, f"the transcript has more than {max_lines:,} lines, and a "
                     f"dataset holds at most {max_lines:,} audio files; remove lines or split "
                     "the data (the rest of the file was not read)")
            break
        name, tab, text = line.text.partition("\t")
        name = name.strip()
        # Without a tab the name is most likely the first word ("a.wav hello").
        names.add(name if tab else (name.split() or [""])[0])
        if not line.valid:  # already reported by `read_lines`
            continue
        problem = _line_problem(name, tab, text, first_line)
        if problem:
            sink.add(line.number, problem)
        else:
            first_line[name] = line.number
            entries.append(TranscriptEntry(line.number, name, text.strip()))
    if not names and sink.empty:
        sink.add(None, "the transcript has no lines; add a `<audio file name><TAB><transcript>` "
                 "line per audio file")
    return Transcript(entries, names)


def _line_problem(name: str, tab: str, text: str, first_line: dict[str, int]) -> str | None:
    """What is wrong with a transcript line, None when it is a good entry."""
    if not tab:
        return ("no tab between the audio file name and the transcript; "
                "write `<audio file name><TAB><transcript>`")
    if not name:
        return ("the audio file name before the tab is empty; "
                "write `<audio file name><TAB><transcript>`")
    if not text.strip():
        return (f"empty transcript text for {shown(name)}; write what is said "
                "in the audio, or remove the line and the audio file")
    if not has_words(text):
        return (f"the transcript text for {shown(name)} has no words, only punctuation, so it "
                "cannot be scored; write what is said in the audio, or remove the line and "
                "the audio file")
    if name in first_line:
        return (f"duplicate name: {shown(name)} is already transcribed on line "
                f"{first_line[name]}; keep one line per audio file")
    return None


def check_related_text(stream: IO[bytes], sink: FileProblems,
                       max_line_bytes: int = MAX_LINE_BYTES) -> int:
    """Related sentences: valid UTF-8, some text, and no URIs (the service rejects them).
    Returns the number of lines."""
    has_text = False
    count = 0
    for line in read_lines(stream, sink, max_line_bytes):
        count = line.number
        if not line.valid:
            continue
        has_text = has_text or bool(line.text.strip())
        match = _URI.search(line.text)
        if match:
            sink.add(line.number, f"contains a URI ({match.group(0)[:60]}); the service "
                     "rejects related text with URIs: remove it or write it out in words")
    if not has_text and sink.empty:
        sink.add(None, "the file has no text; add sentences or remove the file")
    return count


def check_markdown(stream: IO[bytes], sink: FileProblems,
                   max_line_bytes: int = MAX_LINE_BYTES) -> None:
    """Structured text (Markdown): valid UTF-8 and some text."""
    has_text = False
    for line in read_lines(stream, sink, max_line_bytes):
        has_text = has_text or bool(line.text.strip())
    if not has_text and sink.empty:
        sink.add(None, "the file has no text; add structured text or remove the file")


def check_pronunciation(stream: IO[bytes], sink: FileProblems,
                        max_line_bytes: int = MAX_LINE_BYTES) -> None:
    """Pronunciations: `<display form><TAB><spoken form>`, exactly one tab per line."""
    has_text = False
    for line in read_lines(stream, sink, max_line_bytes):
        if not line.valid or not line.text.strip():
            continue
        has_text = True
        tabs = line.text.count("\t")
        if tabs != 1:
            found = "no tab" if tabs == 0 else f"{tabs} tabs"
            sink.add(line.number, f"{found}; write exactly one tab per line: "
                     "`<display form><TAB><spoken form>`")
            continue
        display, spoken = (part.strip() for part in line.text.split("\t"))
        if not display:
            sink.add(line.number, "empty display form before the tab; write the word as "
                     "it should be displayed, e.g. `3CPO<TAB>three c p o`")
        if not spoken:
            sink.add(line.number, f"empty spoken form for {display or 'the line'}; write "
                     "how it is said after the tab, e.g. `3CPO<TAB>three c p o`")
    if not has_text and sink.empty:
        sink.add(None, "the file has no pronunciations; add lines or remove the file")


def read_references(dataset: DataSet) -> dict[str, str]:
    """The human transcript of each audio file of a validated test dataset, by file name."""
    if dataset.transcript is None:
        return {}
    sink = FileProblems(dataset.transcript, cap=0)
    with DataReader() as reader, reader.open(dataset.transcript) as stream:
        transcript = check_transcript(stream, sink)
    return {entry.name: entry.text for entry in transcript.entries}
