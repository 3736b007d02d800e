"""Packaging datasets for upload, and their content hash, in one streaming pass.

Audio datasets become a zip (WAVs stored, not deflated: they hardly compress) with the
transcript as `trans.txt`; text datasets become one UTF-8 file. Text gets the BOM the
service asks for and LF line endings. Files are copied in chunks, so memory stays flat
whatever the dataset's size.

The content hash is a sha256 over a canonical form: the kind, then each file's name
(sorted) with the sha256 of its normalized content (text without BOM, CRLF as LF, a
final newline). It ignores timestamps, zip metadata, folder vs zip, and BOM/CRLF
variants of the same text, so identical data is recognized across runs and machines.
Hashing alone reads each file once; packaging reads each file once and yields the
same hash on the way, so upload = at most two reads (hash for reuse lookup, then package).

`stream_package` yields the package as chunks for an upload that needs no disk: the zip is
written front to back (`zipstream`) with each entry's CRC-32 and size in its local header,
as in Microsoft's sample `audio-and-trans.zip` files, so it needs them before the entry's
data. They come from the pass that computes the content hash (`fingerprint`): the upload
looks for a reusable dataset with that hash first anyway, so it passes the fingerprint on
and every byte is still read twice at most, the stream reading each file once. Without a
fingerprint the stream measures the entries itself first (one more read, no sha256).
Member names are flat, like the samples': discovery names a zip member by its file name.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from isal.isal_zlib import crc32

from speech_action.data.model import (
    PACKAGED_TRANSCRIPT_NAME,
    DataFile,
    DataSet,
    DatasetKind,
    DataValidationError,
)
from speech_action.data.reader import DataReader, UnreadableFileError, iter_chunks
from speech_action.data.text import UTF8_BOM, FileProblems
from speech_action.data.zipstream import EntryChangedError, StoredZipWriter

HASH_SCHEME = b"speech-action dataset content v1\n"


@dataclass(frozen=True)
class PackagedDataset:
    """A dataset ready for upload: the temp file (the caller removes it), its size and
    the dataset's content hash (hex sha256)."""

    kind: DatasetKind
    path: Path
    size: int
    content_hash: str


def normalize_text(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """UTF-8 text bytes without a leading BOM, CRLF as LF, ending with LF (unless empty).

    Works on bytes: CR and LF never occur inside a UTF-8 multi-byte sequence.
    """
    head = b""
    started = False
    pending_cr = False
    last = b""
    for chunk in chunks:
        if not started:
            head += chunk
            if len(head) < len(UTF8_BOM) and UTF8_BOM.startswith(head):
                continue  # could still be a BOM split across chunks
            chunk, started = head.removeprefix(UTF8_BOM), True
        if pending_cr:
            chunk = b"\r" + chunk
        pending_cr = chunk.endswith(b"\r")
        if pending_cr:
            chunk = chunk[:-1]
        chunk = chunk.replace(b"\r\n", b"\n")
        if chunk:
            last = chunk
            yield chunk
    # A CR at the very end is a line ending like CRLF.
    tail = (b"\n" if pending_cr else b"") + (b"" if started else head.removeprefix(UTF8_BOM))
    if tail:
        last = tail
        yield tail
    if last and not last.endswith(b"\n"):
        yield b"\n"


def _is_text(kind: DatasetKind) -> bool:
    return kind is not DatasetKind.ACOUSTIC


def _canonical_hash(kind: DatasetKind, digests: dict[str, str]) -> str:
    canonical = hashlib.sha256(HASH_SCHEME)
    canonical.update(f"kind\t{kind.value}\n".encode())
    for name in sorted(digests):
        canonical.update(f"{json.dumps(name)}\t{digests[name]}\n".encode())
    return canonical.hexdigest()


def _entries(dataset: DataSet) -> list[tuple[str, DataFile, bool]]:
    """(name in the package, file, is text) in package order: files by name, transcript last."""
    text = _is_text(dataset.kind)
    entries = [(f.name, f, text) for f in sorted(dataset.files, key=lambda f: f.name)]
    if dataset.transcript is not None:
        entries.append((PACKAGED_TRANSCRIPT_NAME, dataset.transcript, True))
    return entries


def _content(stream: IO[bytes], is_text: bool) -> Iterator[bytes]:
    chunks = iter_chunks(stream)
    return normalize_text(chunks) if is_text else chunks


@dataclass(frozen=True)
class Fingerprint:
    """What one read of a dataset tells: its content hash and, for an audio zip, each
    entry's CRC-32 and size in the package (the zip's local headers need them up front)."""

    kind: DatasetKind
    content_hash: str
    entries: Mapping[str, tuple[int, int]]


def content_hash(dataset: DataSet) -> str:
    """The dataset's content hash; reads every file once, in chunks.

    Raises `DataValidationError` when a file turns out to be unreadable.
    """
    return fingerprint(dataset).content_hash


def fingerprint(dataset: DataSet) -> Fingerprint:
    """The content hash and the zip entries' CRCs and sizes, in one read of every file.

    Raises `DataValidationError` when a file turns out to be unreadable.
    """
    digests: dict[str, str] = {}
    entries = _measure(dataset, digests)
    return Fingerprint(dataset.kind, _canonical_hash(dataset.kind, digests), entries)


def _measure(dataset: DataSet, digests: dict[str, str] | None) -> dict[str, tuple[int, int]]:
    """Each zip entry's (CRC-32, size) as packaged, BOM of text entries included (none for
    a text dataset); fills `digests` (name -> sha256 of content) when given."""
    zipped = not _is_text(dataset.kind)
    entries: dict[str, tuple[int, int]] = {}
    with _unreadable_as_problem(), DataReader() as reader:
        for name, data_file, is_text in _entries(dataset):
            crc = crc32(UTF8_BOM) if is_text else 0
            size = len(UTF8_BOM) if is_text else 0
            with reader.open(data_file) as stream:
                for chunk in _hashed(_content(stream, is_text), name, digests):
                    if zipped:
                        crc, size = crc32(chunk, crc), size + len(chunk)
            if zipped:
                entries[name] = (crc, size)
    return entries


def estimated_package_size(dataset: DataSet) -> int:
    """About the package's size, from the files' sizes: known before reading anything."""
    return sum(data_file.size for _, data_file, _ in _entries(dataset))


def stream_package(dataset: DataSet, measured: Fingerprint | None = None) -> Iterator[bytes]:
    """The upload package's bytes in chunks of about 1 MiB, without a temporary file.

    Memory stays flat: one read chunk (plus zip headers) is held at a time. Not hashed
    (see `package_dataset` for the hash). `measured` is the dataset's `fingerprint`, taken
    just before (the upload has it from looking for a reusable dataset); without it an
    audio zip is measured first, one more read of every file. Raises `DataValidationError`
    while iterating when a file turns out to be unreadable, or changed since it was measured.
    """
    return _stream(dataset, None, measured)


def package_dataset(dataset: DataSet, directory: Path | None = None,
                    measured: Fingerprint | None = None) -> PackagedDataset:
    """Write the upload file into `directory` (default: the system temp folder): the bytes
    of `stream_package`, plus the content hash computed on the way."""
    suffix = ".txt" if _is_text(dataset.kind) else ".zip"
    handle, name = tempfile.mkstemp(prefix="speech-dataset-", suffix=suffix, dir=directory)
    path = Path(name)
    digests: dict[str, str] = {}
    try:
        with os.fdopen(handle, "wb") as out:
            for chunk in _stream(dataset, digests, measured):
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return PackagedDataset(dataset.kind, path, path.stat().st_size,
                           _canonical_hash(dataset.kind, digests))


def _stream(dataset: DataSet, digests: dict[str, str] | None,
            measured: Fingerprint | None) -> Iterator[bytes]:
    """The package's chunks; fills `digests` (name -> sha256 of content) when given."""
    if _is_text(dataset.kind):
        sizes: Mapping[str, tuple[int, int]] = {}
    elif measured is None:
        sizes = _measure(dataset, None)
    elif measured.kind is not dataset.kind or set(measured.entries) != {
            name for name, _, _ in _entries(dataset)}:
        raise ValueError("the fingerprint is of another dataset")
    else:
        sizes = measured.entries
    with _unreadable_as_problem(), DataReader() as reader:
        writer = _text_chunks if _is_text(dataset.kind) else _zip_chunks
        for chunk in writer(dataset, reader, digests, sizes):
            if chunk:  # an empty file or a drained sink: nothing to send
                yield chunk


@contextmanager
def _unreadable_as_problem() -> Iterator[None]:
    """A file found damaged only now (say a zip member's CRC) is a data problem too."""
    try:
        yield
    except UnreadableFileError as error:
        sink = FileProblems(error.data_file, 1)
        sink.add(None, error.reason)
        raise DataValidationError(sink.result()) from error


def _hashed(chunks: Iterable[bytes], name: str,
            digests: dict[str, str] | None) -> Iterator[bytes]:
    """Pass the chunks through; with `digests`, record their sha256 under `name` at the end."""
    if digests is None:
        yield from chunks
        return
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
    digests[name] = digest.hexdigest()


def _text_chunks(dataset: DataSet, reader: DataReader, digests: dict[str, str] | None,
                 _sizes: Mapping[str, tuple[int, int]]) -> Iterator[bytes]:
    """All text files, in name order, as one BOM-prefixed UTF-8 file."""
    yield UTF8_BOM
    for name, data_file, _ in _entries(dataset):
        with reader.open(data_file) as stream:
            yield from _hashed(_content(stream, True), name, digests)


def _zip_chunks(dataset: DataSet, reader: DataReader, digests: dict[str, str] | None,
                sizes: Mapping[str, tuple[int, int]]) -> Iterator[bytes]:
    archive = StoredZipWriter()
    for name, data_file, is_text in _entries(dataset):
        with reader.open(data_file) as stream:
            content = _hashed(_content(stream, is_text), name, digests)
            if is_text:  # the BOM is the package's, not part of the hashed content
                content = itertools.chain((UTF8_BOM,), content)
            crc, size = sizes[name]
            try:
                yield from archive.entry(name, content, crc, size)
            except EntryChangedError as error:
                sink = FileProblems(data_file, 1)
                sink.add(None, str(error).removeprefix(f"{name}: "))
                raise DataValidationError(sink.result()) from error
    yield archive.finish()
