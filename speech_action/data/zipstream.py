"""A zip of stored (uncompressed) entries, written as a stream of byte chunks.

Why not `zipfile`: packaging copies every byte of a dataset, and `zipfile` checksums each
byte with zlib's CRC-32, which on our machines runs at a quarter of the speed of reading the
same files from the page cache. ISA-L's CRC-32 (the `isal` package; the same checksum) is
about ten times faster, so packaging costs little more than reading.

The bytes are what `zipfile` writes to a sink that cannot seek (APPNOTE 6.3.10): each local
header sets flag bit 3 and the entry's CRC and sizes follow its data in a data descriptor;
the central directory holds them all again. Zip64 fields appear only where a size, offset
or count does not fit the classic ones. Entry times and modes are fixed, so the bytes depend
on the names and contents only.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from isal.isal_zlib import crc32

from speech_action.errors import SpeechActionError

#: Sizes and offsets from this value on need zip64 fields (tests lower it).
ZIP64_LIMIT = 0xFFFFFFFF
#: Entry counts from this value on need the zip64 end record (tests lower it).
ZIP64_COUNT_LIMIT = 0xFFFF

# A classic field holding its maximum says "the value is in the zip64 field".
_MASK_32 = 0xFFFFFFFF
_MASK_16 = 0xFFFF

_VERSION = 20  # 2.0: the classic format
_VERSION_ZIP64 = 45  # 4.5: zip64 extensions
_MADE_BY_UNIX = 3 << 8  # external attributes hold a Unix mode
_FLAG_DATA_DESCRIPTOR = 0x0008
_FLAG_UTF8_NAME = 0x0800
_STORED = 0
_DOS_TIME = 0  # 00:00:00
_DOS_DATE = (1 << 5) | 1  # 1980-01-01, the earliest DOS date
_EXTERNAL_ATTR = 0o100644 << 16  # a regular file, rw-r--r--
_ZIP64_EXTRA_ID = 0x0001

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_DATA_DESCRIPTOR = struct.Struct("<IIII")
_DATA_DESCRIPTOR_64 = struct.Struct("<IIQQ")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_64 = struct.Struct("<IQHHIIQQQQ")
_END_64_LOCATOR = struct.Struct("<IIQI")
_END = struct.Struct("<IHHHHIIH")

_LOCAL_HEADER_SIGNATURE = 0x04034B50
_DATA_DESCRIPTOR_SIGNATURE = 0x08074B50
_CENTRAL_HEADER_SIGNATURE = 0x02014B50
_END_64_SIGNATURE = 0x06064B50
_END_64_LOCATOR_SIGNATURE = 0x07064B50
_END_SIGNATURE = 0x06054B50


class EntryGrewError(SpeechActionError):
    """An entry came out bigger than its announced bound and needs zip64 it did not declare."""

    def __init__(self, name: str, bound: int, size: int) -> None:
        super().__init__(
            f"{name}: {size} bytes, more than the {bound} it had when packaging started; "
            "the file changed while it was read: run again when nothing writes to the data"
        )


@dataclass(frozen=True)
class _Entry:
    """What the central directory repeats of an entry written."""

    name: bytes
    flags: int
    crc: int
    size: int
    offset: int
    zip64_header: bool


class StoredZipWriter:
    """Yields a zip's bytes entry by entry; `finish()` gives the central directory.

    Usage: `yield from writer.entry(name, chunks, size_bound)` for each file, then
    `yield writer.finish()`. Only the entries' metadata is kept, never their data.
    """

    def __init__(self) -> None:
        self._offset = 0
        self._entries: list[_Entry] = []

    def entry(self, name: str, chunks: Iterable[bytes], size_bound: int) -> Iterator[bytes]:
        """The local header, the chunks as given, then the data descriptor.

        `size_bound` is at least the entry's size: it decides up front whether the local
        header needs zip64 sizes. Raises `EntryGrewError` if the data exceeds it past
        what classic fields hold.
        """
        encoded, flags = _encoded_name(name)
        zip64_header = size_bound >= ZIP64_LIMIT
        header = _local_header(encoded, flags, zip64_header)
        yield header
        crc = size = 0
        for chunk in chunks:
            crc = crc32(chunk, crc)
            size += len(chunk)
            yield chunk
        if zip64_header:
            descriptor = _DATA_DESCRIPTOR_64.pack(_DATA_DESCRIPTOR_SIGNATURE, crc, size, size)
        elif size >= ZIP64_LIMIT:
            raise EntryGrewError(name, size_bound, size)
        else:
            descriptor = _DATA_DESCRIPTOR.pack(_DATA_DESCRIPTOR_SIGNATURE, crc, size, size)
        yield descriptor
        self._entries.append(_Entry(encoded, flags, crc, size, self._offset, zip64_header))
        self._offset += len(header) + size + len(descriptor)

    def finish(self) -> bytes:
        """The central directory and end records; the writer is done after this."""
        directory = b"".join(_central_header(entry) for entry in self._entries)
        start, size, count = self._offset, len(directory), len(self._entries)
        end = b""
        if count >= ZIP64_COUNT_LIMIT or start >= ZIP64_LIMIT or size >= ZIP64_LIMIT:
            end_64_offset = start + size
            end += _END_64.pack(
                _END_64_SIGNATURE, _END_64.size - 12, _MADE_BY_UNIX | _VERSION_ZIP64,
                _VERSION_ZIP64, 0, 0, count, count, size, start,
            )
            end += _END_64_LOCATOR.pack(_END_64_LOCATOR_SIGNATURE, 0, end_64_offset, 1)
            count_field = _MASK_16 if count >= ZIP64_COUNT_LIMIT else count
            start_field = _MASK_32 if start >= ZIP64_LIMIT else start
            size_field = _MASK_32 if size >= ZIP64_LIMIT else size
        else:
            count_field, start_field, size_field = count, start, size
        end += _END.pack(_END_SIGNATURE, 0, 0, count_field, count_field, size_field,
                         start_field, 0)
        return directory + end


def _encoded_name(name: str) -> tuple[bytes, int]:
    """The name's bytes and flags: ASCII as is, anything else as UTF-8 with flag bit 11."""
    try:
        return name.encode("ascii"), _FLAG_DATA_DESCRIPTOR
    except UnicodeEncodeError:
        return name.encode("utf-8"), _FLAG_DATA_DESCRIPTOR | _FLAG_UTF8_NAME


def _local_header(name: bytes, flags: int, zip64: bool) -> bytes:
    """CRC and sizes are zero (they follow in the data descriptor), or the zip64 marker
    with zero sizes in a zip64 extra field."""
    if zip64:
        extra = struct.pack("<HHQQ", _ZIP64_EXTRA_ID, 16, 0, 0)
        version, sizes = _VERSION_ZIP64, _MASK_32
    else:
        extra, version, sizes = b"", _VERSION, 0
    return _LOCAL_HEADER.pack(
        _LOCAL_HEADER_SIGNATURE, version, flags, _STORED, _DOS_TIME, _DOS_DATE,
        0, sizes, sizes, len(name), len(extra),
    ) + name + extra


def _central_header(entry: _Entry) -> bytes:
    """The entry's central directory record: zip64 extra values in the order APPNOTE
    4.5.3 gives (uncompressed size, compressed size, offset), only those that overflow."""
    big_size = entry.size >= ZIP64_LIMIT
    big_offset = entry.offset >= ZIP64_LIMIT
    values = [entry.size, entry.size] if big_size else []
    if big_offset:
        values.append(entry.offset)
    extra = b""
    if values:
        extra = struct.pack(f"<HH{len(values)}Q", _ZIP64_EXTRA_ID, 8 * len(values), *values)
    version = _VERSION_ZIP64 if values or entry.zip64_header else _VERSION
    size_field = _MASK_32 if big_size else entry.size
    return _CENTRAL_HEADER.pack(
        _CENTRAL_HEADER_SIGNATURE, _MADE_BY_UNIX | version, version, entry.flags, _STORED,
        _DOS_TIME, _DOS_DATE, entry.crc, size_field, size_field, len(entry.name), len(extra),
        0, 0, 0, _EXTERNAL_ATTR, _MASK_32 if big_offset else entry.offset,
    ) + entry.name + extra
