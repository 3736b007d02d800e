"""Opening dataset files, whether they sit on disk or inside a zip.

A `DataReader` keeps each zip open once for all its members: reopening a 10,000-member
zip per member would parse its central directory 10,000 times.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from speech_action.data.model import DataFile
from speech_action.errors import SpeechActionError

#: Read size for streaming copies and hashing: big enough to be fast, small enough
#: that memory stays flat however large the dataset.
CHUNK_SIZE = 1024 * 1024

# zipfile signals an encrypted member with RuntimeError and an unsupported compression
# method with NotImplementedError; damaged data shows up while reading.
_OPEN_ERRORS = (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError)
_ZIP_READ_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error)


# zipfile's own reading of the end of central directory record (private, unchanged since
# Python 2.6; typeshed does not list it), so the size checked is the size `ZipFile` will read.
# A parse of our own could disagree with zipfile's on a forged record.
_END_RECORD: Any = getattr(zipfile, "_EndRecData", None)
_END_RECORD_DIRECTORY_SIZE = 5  # zipfile._ECD_SIZE


def zip_directory_size(path: Path) -> int:
    """How many bytes of central directory `ZipFile(path)` reads and parses into one
    `ZipInfo` per entry: 0 without an end record (`ZipFile` refuses such a file), the
    file's size (the most it can be) should zipfile's helper ever go."""
    with path.open("rb") as stream:
        size = stream.seek(0, 2)
        if _END_RECORD is None:
            return size
        record = _END_RECORD(stream)
    return min(int(record[_END_RECORD_DIRECTORY_SIZE]), size) if record else 0


class UnreadableFileError(SpeechActionError):
    """A data file (or zip member) could not be opened or read; `reason` says why."""

    def __init__(self, data_file: DataFile, reason: str) -> None:
        self.data_file = data_file
        self.reason = (
            f"the file cannot be read ({reason}); check that it is complete and not "
            "encrypted, and if it is in a zip, create the zip again without encryption"
        )
        super().__init__(f"{data_file.label}: {self.reason}")


class DataReader:
    """Opens `DataFile`s for binary reading; use it as a context manager."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._zips: dict[Path, zipfile.ZipFile] = {}

    def __enter__(self) -> DataReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stack.close()

    @contextmanager
    def open(self, data_file: DataFile) -> Iterator[IO[bytes]]:
        """Open one file (or zip member) for reading; closed when the block ends.

        Raises `UnreadableFileError` when it cannot be opened, or when a zip member turns
        out to be damaged while it is read.
        """
        try:
            stream = self._open(data_file)
        except _OPEN_ERRORS as error:
            raise UnreadableFileError(data_file, str(error)) from error
        with stream:
            if data_file.member is None:
                yield stream
                return
            try:
                yield stream
            except _ZIP_READ_ERRORS as error:
                raise UnreadableFileError(data_file, str(error)) from error

    def _open(self, data_file: DataFile) -> IO[bytes]:
        if data_file.member is None:
            return data_file.path.open("rb")
        return self._zip(data_file.path).open(data_file.member)

    def _zip(self, path: Path) -> zipfile.ZipFile:
        archive = self._zips.get(path)
        if archive is None:
            archive = self._stack.enter_context(zipfile.ZipFile(path))
            self._zips[path] = archive
        return archive


def iter_chunks(stream: IO[bytes], chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The stream's bytes in chunks of at most `chunk_size`."""
    while chunk := stream.read(chunk_size):
        yield chunk
