"""Validation of datasets against the service's published rules, before any upload.

Every problem of every dataset is collected first and raised as one
`DataValidationError`, so a user fixes everything in one round. Audio is checked from
its header (and file size) only, which keeps a thousand-file dataset fast.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from typing import IO

from speech_action.data.model import (
    DataFile,
    DataSet,
    DatasetKind,
    DataValidationError,
    Limits,
    Note,
    Problem,
)
from speech_action.data.reader import DataReader, UnreadableFileError
from speech_action.data.text import (
    FileProblems,
    Transcript,
    check_markdown,
    check_pronunciation,
    check_related_text,
    check_transcript,
)
from speech_action.data.wav import WavHeaderError, describe_format_problems, read_wav_header
from speech_action.errors import shown

# zipfile decompresses bzip2 and LZMA without an output bound (one small read can unpack
# gigabytes); stored and deflated members are read in bounded pieces.
_BOUNDED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "LZMA"}
TextCheck = Callable[[IO[bytes], FileProblems, int], object]
_MIB = 1024 * 1024


def validate(datasets: Sequence[DataSet], limits: Limits | None = None) -> list[Note]:
    """Raise one `DataValidationError` listing every problem of every dataset; without
    problems, return the notes to show (warnings and notices, each on its file)."""
    limits = limits or Limits()
    problems = [p for dataset in datasets for p in check_dataset(dataset, limits)]
    problems += _pronunciation_with_structured_text(datasets)
    if problems:
        raise DataValidationError(problems, limits.max_problems)
    return [n for dataset in datasets for n in (*dataset.notes, *_warnings(dataset, limits))]


def _pronunciation_with_structured_text(datasets: Sequence[DataSet]) -> list[Problem]:
    """Learn, "Training and testing datasets", Pronunciation data for training: "You can use
    a pronunciation file alongside any other training dataset except structured text
    training data. To use pronunciation data with structured text, it must be within a
    structured text file." One model gets all training datasets, so the two cannot meet."""
    markdown = [f.display for d in datasets if d.kind is DatasetKind.LANGUAGE_MARKDOWN
                for f in d.files]
    pronunciation = [f for d in datasets if d.kind is DatasetKind.PRONUNCIATION
                     for f in d.files]
    if not markdown:
        return []
    return [Problem(f.display, None, (
        f"a pronunciation file cannot be trained together with structured text "
        f"({', '.join(markdown)}): the service takes pronunciations for structured text only "
        "inside the Markdown; write them in its `@ speech:phoneticlexicon` section "
        "(`- word/phones`, Universal Phone Set) and delete this file, or leave out the "
        "structured text")) for f in pronunciation]


def _warnings(dataset: DataSet, limits: Limits) -> list[Note]:
    """Pronunciation data past the free tier's 1 KB: fine on a standard (S0) resource,
    refused on a free (F0) one, and a key does not tell which it is."""
    total = sum(f.size for f in dataset.files)
    if dataset.kind is not DatasetKind.PRONUNCIATION or (
            total <= limits.free_tier_pronunciation_bytes):
        return []
    where = dataset.files[0].display if len(dataset.files) == 1 else dataset.root
    return [Note(where, None, (
        f"the pronunciation data is {total:,} bytes; a free (F0) Speech resource accepts at "
        f"most {_limit(limits.free_tier_pronunciation_bytes)} and will fail this dataset "
        "(a standard resource takes up to 1 MB); on F0, shorten it or upgrade the resource"))]


def check_dataset(dataset: DataSet, limits: Limits) -> list[Problem]:
    """All problems of one dataset (discovery's included), in file order."""
    problems = list(dataset.problems)
    with DataReader() as reader:
        if dataset.kind is DatasetKind.ACOUSTIC:
            problems += _check_audio_dataset(dataset, limits, reader)
        else:
            problems += _check_text_dataset(dataset, limits, reader)
    return problems


def _check_audio_dataset(dataset: DataSet, limits: Limits, reader: DataReader) -> list[Problem]:
    problems: list[Problem] = []
    if not dataset.files and not dataset.problems:  # else discovery said why
        problems.append(Problem(dataset.root, None, (
            f"no audio files in the {dataset.purpose} data; add 16 kHz 16-bit mono WAV "
            "files named in the transcript")))
    for data_file in dataset.files:
        sink = FileProblems(data_file, limits.max_problems_per_file)
        _check_wav(data_file, limits, dataset.purpose, reader, sink,
                   dataset.max_audio_seconds(limits))
        problems += sink.result()
    if dataset.transcript is not None:
        problems += _check_transcript_matches(dataset, limits, reader)
    problems += _check_package_size(dataset, limits)
    return problems


def member_refusal(data_file: DataFile, limits: Limits) -> str | None:
    """Why a zip member must not be unpacked (its method or its ratio), from what the zip
    declares; None for a file on disk or an ordinary member. What it unpacks to is held
    to the declared size by `zipfile` (a longer member fails its CRC check)."""
    if data_file.member is None:
        return None
    method = data_file.compression
    if method not in _BOUNDED_METHODS:
        name = _METHOD_NAMES.get(method or 0, f"method {method}")
        return (f"the member is compressed with {name}, which the action does not unpack; "
                "create the zip with deflate or without compression (`zip -0`)")
    size, packed = data_file.size, max(data_file.compressed_size or 0, 1)
    if size > limits.zip_ratio_min_bytes and size > limits.max_zip_ratio * packed:
        return (f"the member would unpack to {_size(size)} from {_size(packed)} "
                f"({size // packed:,}:1, more than {limits.max_zip_ratio}:1): a zip bomb or "
                "mostly silence; it was not unpacked: check the file, and store audio "
                "without compression (`zip -0`)")
    return None


def _check_wav(data_file: DataFile, limits: Limits, purpose: str, reader: DataReader,
               sink: FileProblems, max_seconds: float) -> None:
    if data_file.size == 0:
        sink.add(None, "the audio file is empty; add the audio or remove the file "
                 "and its transcript line")
        return
    refused = member_refusal(data_file, limits)
    if refused:
        sink.add(None, refused)
        return
    try:
        with reader.open(data_file) as stream:
            info = read_wav_header(stream, data_file.size)
    except WavHeaderError as error:
        sink.add(None, str(error))
        return
    except UnreadableFileError as error:
        sink.add(None, error.reason)
        return
    problem = describe_format_problems(info)
    if problem:
        sink.add(None, problem)
    if info.data_bytes == 0:
        sink.add(None, "the WAV has a header but no audio samples; export the recording "
                 "again, or remove the file and its transcript line")
    elif info.seconds > max_seconds:
        sink.add(None, (
            f"the audio is too long: {_duration(info.seconds)}, and {_duration(max_seconds)} "
            f"is the most the service accepts per file for {purpose}; split it into "
            "shorter files with their own transcript lines"))


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60:02d} min" if hours else f"{rest // 60} min {rest % 60:02d} s"


def _check_transcript_matches(dataset: DataSet, limits: Limits,
                              reader: DataReader) -> list[Problem]:
    """Transcript lines are well formed and match the audio files one to one."""
    transcript = dataset.transcript
    assert transcript is not None  # checked by the caller
    sink = FileProblems(transcript, limits.max_problems_per_file)
    parsed = _read_transcript(transcript, reader, sink, limits)
    audio = {f.name: f for f in dataset.files}
    folded = {name.casefold(): name for name in audio}
    for entry in parsed.entries:
        if entry.name not in audio:
            hint = folded.get(entry.name.casefold())
            flat = entry.name.replace("\\", "/").rsplit("/", 1)[-1]
            fix = f"did you mean {hint}? Names are case-sensitive" if hint else (
                f"write {shown(flat)}: the upload's zip is flat, audio files are named "
                "without their folders" if flat in audio else
                "add the audio file or remove the line")
            sink.add(entry.line, f"names {shown(entry.name)}, which is not among the audio files "
                     f"of {dataset.root}; {fix}")
    problems = sink.result()
    # An empty or unreadable transcript is one problem, not one per audio file.
    for data_file in dataset.files if parsed.names else ():
        if data_file.name not in parsed.names:
            problems += _one(data_file, (
                f"the audio file has no transcript line in {transcript.label}; add "
                f"`{data_file.name}<TAB><what is said>` or remove the audio file"))
    return problems


def _read_transcript(transcript: DataFile, reader: DataReader, sink: FileProblems,
                     limits: Limits) -> Transcript:
    if transcript.size == 0:
        sink.add(None, "the transcript is empty; add a `<audio file name><TAB><transcript>` "
                 "line per audio file")
        return Transcript([], set())
    refused = member_refusal(transcript, limits)
    if transcript.size > limits.max_transcript_bytes:
        size, most = _sizes(transcript.size, limits.max_transcript_bytes)
        refused = (f"the transcript is {size}, and the most audio a dataset can hold needs "
                   f"at most {most}; it was not read: check that it is the transcript")
    if refused:
        sink.add(None, refused)
        return Transcript([], set())
    try:
        with reader.open(transcript) as stream:
            return check_transcript(stream, sink, limits.max_line_bytes,
                                    limits.max_zip_files)
    except UnreadableFileError as error:
        sink.add(None, error.reason)
        return Transcript([], set())


def _one(data_file: DataFile, message: str) -> list[Problem]:
    sink = FileProblems(data_file, 1)
    sink.add(None, message)
    return sink.result()


def _check_package_size(dataset: DataSet, limits: Limits) -> list[Problem]:
    """The audio zip the service receives must respect its size and file count limits."""
    packaged = [*dataset.files, *([dataset.transcript] if dataset.transcript else [])]
    total = sum(f.size for f in packaged)
    problems: list[Problem] = []
    if len(packaged) > limits.max_zip_files:
        problems.append(Problem(dataset.root, None, (
            f"{len(packaged):,} files would go into one zip, and the service accepts at most "
            f"{limits.max_zip_files:,}; split the data or remove files")))
    if total > limits.max_zip_bytes:
        problems.append(Problem(dataset.root, None, (
            f"the audio zip would be {_size(total)} ({total:,} bytes), and the service "
            f"accepts at most {_limit(limits.max_zip_bytes)}; split the data or remove "
            "files")))
    return problems


def _language_limit(limits: Limits) -> int:
    return limits.max_language_bytes


def _pronunciation_limit(limits: Limits) -> int:
    return limits.max_pronunciation_bytes


_TEXT_RULES: dict[DatasetKind, tuple[TextCheck, Callable[[Limits], int], str]] = {
    DatasetKind.LANGUAGE: (check_related_text, _language_limit, "related text"),
    DatasetKind.LANGUAGE_MARKDOWN: (check_markdown, _language_limit, "structured text"),
    DatasetKind.PRONUNCIATION: (check_pronunciation, _pronunciation_limit,
                                "pronunciation data"),
}


def _check_text_dataset(dataset: DataSet, limits: Limits, reader: DataReader) -> list[Problem]:
    check, limit_of, what = _TEXT_RULES[dataset.kind]
    limit = limit_of(limits)
    problems: list[Problem] = []
    for data_file in dataset.files:
        sink = FileProblems(data_file, limits.max_problems_per_file)
        if data_file.size == 0:
            sink.add(None, f"the file is empty; add {what} or remove the file")
        elif data_file.size > limit:
            sink.add(None, f"the file is too large: {data_file.size:,} bytes, and the service "
                     f"accepts at most {_limit(limit)} of {what}; shorten or split it")
        else:
            try:
                with reader.open(data_file) as stream:
                    lines = check(stream, sink, limits.max_line_bytes)
            except UnreadableFileError as error:
                sink.add(None, error.reason)
            else:
                _check_line_count(dataset, lines, sink)
        problems += sink.result()
    total = sum(f.size for f in dataset.files)
    if len(dataset.files) > 1 and total > limit and all(f.size <= limit for f in dataset.files):
        problems.append(Problem(dataset.root, None, (
            f"the {what} files together are {total:,} bytes, and they are uploaded as one "
            f"dataset of at most {_limit(limit)}; shorten them or remove some")))
    return problems


def _check_line_count(dataset: DataSet, lines: object, sink: FileProblems) -> None:
    """Japanese and Korean related text: each file (its own dataset) at most `max_lines`
    lines, as Learn's "Training and testing datasets" advises against import timeouts."""
    most = dataset.max_lines
    if most is None or not isinstance(lines, int) or lines <= most:
        return
    sink.add(most + 1, (
        f"the file has {lines:,} lines; for Japanese and Korean the service can time out "
        f"importing more than {most:,} lines of related text in one file, so each file is "
        f"uploaded as a dataset of its own: split it into files of at most {most:,} lines "
        f"(e.g. `split -l {most} --additional-suffix=.txt`)"))


def _limit(count: int) -> str:
    """A documented limit as the documentation writes it (decimal units: 2 GB, 1 KB)."""
    for unit, name in ((10**9, "GB"), (10**6, "MB"), (10**3, "KB")):
        if count >= unit and count % unit == 0:
            return f"{count // unit:,} {name}"
    return f"{count:,} bytes"


def _sizes(size: int, limit: int) -> tuple[str, str]:
    """Both sizes, in bytes when rounding would make them look equal (1.0 MiB > 1.0 MiB)."""
    if _size(size) == _size(limit):
        return f"{size:,} bytes", f"{limit:,} bytes"
    return _size(size), _size(limit)


def _size(count: int) -> str:
    if count < 10 * 1024:
        return f"{count:,} bytes"
    return f"{count / _MIB:,.1f} MiB" if count >= _MIB else f"{count / 1024:,.0f} KiB"
