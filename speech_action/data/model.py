"""The vocabulary of the data package: datasets, their files, problems and limits.

Everything here is plain, frozen data; reading files happens in `reader`, `wav` and `text`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Literal

from speech_action.errors import SpeechActionError

#: The transcript's name inside every packaged audio zip (the service looks for it).
PACKAGED_TRANSCRIPT_NAME = "trans.txt"
#: How many problems a `DataValidationError` lists before it counts the rest.
MAX_PROBLEMS = 50


class DatasetKind(enum.StrEnum):
    """Dataset kinds, spelled as the service's `DatasetKind` enum spells them."""

    ACOUSTIC = "Acoustic"
    LANGUAGE = "Language"
    PRONUNCIATION = "Pronunciation"
    LANGUAGE_MARKDOWN = "LanguageMarkdown"


@dataclass(frozen=True)
class Limits:
    """The service's published limits; injectable so tests can use small ones."""

    max_test_audio_seconds: float = 2 * 60 * 60
    max_training_audio_seconds: float = 40.0
    #: Learn, "Training and testing datasets", audio table: "Maximum zip size: 2 GB or
    #: 10,000 files". Sizes there are decimal (2 GB = 2,000,000,000 bytes, not 2 GiB); read
    #: so, every limit below is the stricter of the two readings, so nothing passes here
    #: that the service could refuse by size.
    max_zip_bytes: int = 2_000_000_000
    max_zip_files: int = 10_000
    #: Same article: plain text and structured text "Maximum file size: 200 MB".
    max_language_bytes: int = 200_000_000
    #: Same article, pronunciation: "Maximum file size: 1 MB (1 KB for free tier)". The
    #: tier is not visible to a key, so past 1 KB is a warning, not a problem.
    max_pronunciation_bytes: int = 1_000_000
    free_tier_pronunciation_bytes: int = 1_000
    #: Same article, plain text: "For some languages such as Japanese or Korean, importing
    #: large amounts of text data can take a long time or can time out. Consider dividing
    #: the dataset into multiple text files with up to 20,000 lines in each."
    max_split_language_lines: int = 20_000
    #: Beyond this many problems in one file the rest are summed up in one line,
    #: so a broken 100,000-line file does not flood the job summary.
    max_problems_per_file: int = 20
    #: Beyond this many problems in all the rest are counted in one final problem, so
    #: 30,000 broken files print 51 annotations, not 60,000.
    max_problems: int = MAX_PROBLEMS
    #: A line longer than this is a problem (file:line) and is never held in memory whole;
    #: a sentence or a transcript is a few hundred bytes.
    max_line_bytes: int = 4 * 1024**2
    #: Not a published limit but what the others imply: the most audio a 2 GB zip holds
    #: (35 h at 8 kHz) is a few MiB of transcript; a bigger one is not read.
    max_transcript_bytes: int = 32 * 1024**2
    #: A zip member (above `zip_ratio_min_bytes`) that unpacks to more than this many times
    #: its compressed size is refused before it is read: a zip bomb, or audio that is
    #: mostly silence (WAVs hardly compress; the package stores them uncompressed anyway).
    max_zip_ratio: int = 100
    zip_ratio_min_bytes: int = 1024**2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data: where (workspace-relative file, 1-based line) and what."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class Note(Problem):
    """Something to tell about the data that does not stop the run: a `warning` (it may
    fail on some resources) or a `notice` (a file was left out, and why)."""

    level: Literal["warning", "notice"] = "warning"


class DataValidationError(SpeechActionError):
    """The data has problems, each with its file and line.

    `problems` holds at most `max_problems` of them, plus (when there were more) one final
    problem that counts the rest; `omitted` is that count and `total` the number found.
    Whoever prints `problems` prints at most `max_problems + 1` lines, however broken
    the data.
    """

    def __init__(self, problems: Sequence[Problem], max_problems: int = MAX_PROBLEMS) -> None:
        found = tuple(problems)
        self.total = len(found)
        self.omitted = max(self.total - max_problems, 0)
        self.problems: tuple[Problem, ...] = found[:max_problems]
        if self.omitted:
            self.problems += (_omitted_problem(found[max_problems:]),)
        noun = "problem" if self.total == 1 else "problems"
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(
            f"The data has {self.total:,} {noun}; fix them and push again "
            f"(nothing was uploaded):\n{lines}"
        )


def _omitted_problem(rest: Sequence[Problem]) -> Problem:
    """One problem that sums up the ones not listed, on the first of their files."""
    files = len({p.file for p in rest})
    noun = "problem" if len(rest) == 1 else "problems"
    where = "1 file" if files == 1 else f"{files:,} files"
    return Problem(rest[0].file, None, (
        f"{len(rest):,} more {noun} in {where} (from {rest[0].file} on) were not listed; "
        "fix the ones above and validate again to see the rest"))


@dataclass(frozen=True, order=True)
class DataFile:
    """One input file of a dataset: a file on disk, or a member of a zip on disk.

    `name` is the file's name inside the dataset: what transcript lines refer to and the
    name it gets in the package. `display` is the workspace-relative path used in problems
    (for a zip member: the zip's path).
    """

    name: str
    path: Path
    display: str
    size: int
    member: str | None = None
    #: For a zip member: its compressed size and compression method, as the zip declares.
    compressed_size: int | None = None
    compression: int | None = None

    @property
    def label(self) -> str:
        """How messages name the file: the path, or `member` in `zip path`."""
        if self.member is None:
            return self.display
        return f"{self.member} (in {self.display})"


@dataclass(frozen=True)
class DataSet:
    """A set of files that becomes one dataset on the service.

    For Acoustic data, `files` are the audio files and `transcript` is the transcript
    file (None when none was found; validation reports it). For text kinds, `files` are
    the text files, concatenated in name order when packaged. `problems` are found
    while discovering (a missing transcript, an unreadable zip, ...); validation
    reports them together with the content problems.
    """

    purpose: ClassVar[str] = "testing"

    kind: DatasetKind
    root: str
    files: tuple[DataFile, ...]
    transcript: DataFile | None = None
    problems: tuple[Problem, ...] = field(default=())
    #: Found while discovering, not wrong: files left out (say a Markdown file that is not
    #: structured text). `validate` returns them with its own warnings.
    notes: tuple[Note, ...] = field(default=())
    #: The most lines the service takes in one file of this dataset (Japanese and Korean
    #: related text), None when only the size is limited.
    max_lines: int | None = None

    def max_audio_seconds(self, limits: Limits) -> float:
        """The longest audio file the service accepts for this dataset's use (testing)."""
        return limits.max_test_audio_seconds


@dataclass(frozen=True)
class TestDataSet(DataSet):
    """The test data: audio with human transcripts (kind Acoustic), up to 2 h per file."""

    __test__: ClassVar[bool] = False  # not a pytest test class, despite the name


@dataclass(frozen=True)
class TrainingDataSet(DataSet):
    """One training dataset; audio in it may be at most 40 s per file."""

    purpose: ClassVar[str] = "training"

    def max_audio_seconds(self, limits: Limits) -> float:
        return limits.max_training_audio_seconds
