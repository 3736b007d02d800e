"""A zip of stored (uncompressed) entries, written as a stream of byte chunks.

Why not `zipfile`: packaging copies every byte of a dataset, and `zipfile` checksums each
byte with zlib's CRC-32, which on our machines runs at a quarter of the speed of reading the
same files from the page cache. ISA-L's CRC-32 (the `isal` package; the same checksum) is
about ten times faster, so packaging costs little more than reading.

The bytes are laid out like the `audio-and-trans.zip` files of Microsoft's Custom Speech
sample data (Azure-Samples/cognitive-services-speech-sdk, sampledata/customspeech): each
local header holds the entry's CRC-32 and sizes (general-purpose flag bit 3 clear, no data
descriptor), so a streaming reader such as Java's `ZipInputStream`, which cannot read a
stored entry whose size follows its data, unpacks it front to back. The caller gives each
entry's CRC and size up front (from a first pass over the data, see `packaging`), and the
writer checks them again on the way: data that changed in between fails the entry instead
of producing a zip whose headers lie. The central directory repeats the values. Zip64
fields appear only where a size, offset or count does not fit the classic ones. Entry times
and modes are fixed, so the bytes depend on the names and contents only.
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
_FLAG_UTF8_NAME = 0x0800
_STORED = 0
_DOS_TIME = 0  # 00:00:00
_DOS_DATE = (1 << 5) | 1  # 1980-01-01, the earliest DOS date
_EXTERNAL_ATTR = 0o100644 << 16  # a regular file, rw-r--r--
_ZIP64_EXTRA_ID = 0x0001

_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
_CENTRAL_HEADER = struct.Struct("<IHHHHHHIIIHHHHHII")
_END_64 = struct.Struct("<IQHHIIQQQQ")
_END_64_LOCATOR = struct.Struct("<IIQI")
_END = struct.Struct("<IHHHHIIH")

_LOCAL_HEADER_SIGNATURE = 0x04034B50
_CENTRAL_HEADER_SIGNATURE = 0x02014B50
_END_64_SIGNATURE = 0x06064B50
_END_64_LOCATOR_SIGNATURE = 0x07064B50
_END_SIGNATURE = 0x06054B50


class EntryChangedError(SpeechActionError):
    """An entry's data is not what its header announced: the file changed between the
    pass that measured it and the pass that packaged it."""

    def __init__(self, name: str, expected: tuple[int, int], found: tuple[int, int]) -> None:
        self.name = name
        super().__init__(
            f"{name}: {found[1]:,} bytes with CRC-32 {found[0]:08x} while packaging, but "
            f"{expected[1]:,} bytes with CRC-32 {expected[0]:08x} when it was measured just "
            "before; the file changed while it was read: run again when nothing writes to "
            "the data"
        )


@dataclass(frozen=True)
class _Entry:
    """What the central directory repeats of an entry written."""

    name: bytes
    flags: int
    crc: int
    size: int
    offset: int


class StoredZipWriter:
    """Yields a zip's bytes entry by entry; `finish()` gives the central directory.

    Usage: `yield from writer.entry(name, chunks, crc, size)` for each file, then
    `yield writer.finish()`. Only the entries' metadata is kept, never their data.
    """

    def __init__(self) -> None:
        self._offset = 0
        self._entries: list[_Entry] = []

    def entry(self, name: str, chunks: Iterable[bytes], crc: int, size: int) -> Iterator[bytes]:
        """The local header (with `crc` and `size`), then the chunks as given.

        Raises `EntryChangedError` when the chunks do not add up to `size` bytes with CRC-32
        `crc`: the header already sent would be wrong, so the zip must not be finished.
        """
        encoded, flags = _encoded_name(name)
        header = _local_header(encoded, flags, crc, size)
        yield header
        found_crc = found_size = 0
        for chunk in chunks:
            found_crc = crc32(chunk, found_crc)
            found_size += len(chunk)
            if found_size > size:  # stop before sending more than the header announced
                raise EntryChangedError(name, (crc, size), (found_crc, found_size))
            yield chunk
        if (found_crc, found_size) != (crc, size):
            raise EntryChangedError(name, (crc, size), (found_crc, found_size))
        self._entries.append(_Entry(encoded, flags, crc, size, self._offset))
        self._offset += len(header) + size

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
        return name.encode("ascii"), 0
    except UnicodeEncodeError:
        return name.encode("utf-8"), _FLAG_UTF8_NAME


def _local_header(name: bytes, flags: int, crc: int, size: int) -> bytes:
    """CRC and sizes in the header itself; a size past the classic field goes into a zip64
    extra field holding both sizes (APPNOTE 4.5.3: the local header's zip64 field must
    hold both), the classic fields then saying 0xFFFFFFFF."""
    if size >= ZIP64_LIMIT:
        extra = struct.pack("<HHQQ", _ZIP64_EXTRA_ID, 16, size, size)
        version, sizes = _VERSION_ZIP64, _MASK_32
    else:
        extra, version, sizes = b"", _VERSION, size
    return _LOCAL_HEADER.pack(
        _LOCAL_HEADER_SIGNATURE, version, flags, _STORED, _DOS_TIME, _DOS_DATE,
        crc, sizes, sizes, len(name), len(extra),
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
    version = _VERSION_ZIP64 if values else _VERSION
    size_field = _MASK_32 if big_size else entry.size
    return _CENTRAL_HEADER.pack(
        _CENTRAL_HEADER_SIGNATURE, _MADE_BY_UNIX | version, version, entry.flags, _STORED,
        _DOS_TIME, _DOS_DATE, entry.crc, size_field, size_field, len(entry.name), len(extra),
        0, 0, 0, _EXTERNAL_ATTR, _MASK_32 if big_offset else entry.offset,
    ) + entry.name + extra
