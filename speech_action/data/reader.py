"""Opening dataset files, whether they sit on disk or inside a zip.

A `DataReader` keeps each zip open once for all its members: reopening a 10,000-member
zip per member would parse its central directory 10,000 times.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import TracebackType
from typing import IO

from speech_action.data.model import DataFile

#: Read size for streaming copies and hashing: big enough to be fast, small enough
#: that memory stays flat however large the dataset.
CHUNK_SIZE = 1024 * 1024


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
        """Open one file (or zip member) for reading; closed when the block ends."""
        if data_file.member is None:
            with data_file.path.open("rb") as stream:
                yield stream
            return
        archive = self._zip(data_file.path)
        with archive.open(data_file.member) as stream:
            yield stream

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
