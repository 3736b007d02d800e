"""The streaming zip writer, read back by zipfile and by Info-ZIP's unzip.

The zip64 cases lower the limits instead of writing 4 GiB: the fields written are the
same, only the point where they are needed moves.
"""

from __future__ import annotations

import io
import shutil
import struct
import subprocess
import zipfile
import zlib
from pathlib import Path

import pytest

from speech_action.data import zipstream
from speech_action.data.zipstream import EntryChangedError, StoredZipWriter

ENTRIES = {
    "a.wav": [b"RIFF", bytes(range(256)) * 300, b"tail"],
    "empty.txt": [],
    "caf\u00e9 \u4e2d.txt": ["caf\u00e9\n".encode()],
    "trans.txt": [b"\xef\xbb\xbfa.wav\thello\n"],
}

needs_unzip = pytest.mark.skipif(shutil.which("unzip") is None, reason="unzip not installed")


def _measured(content: list[bytes]) -> tuple[int, int]:
    """CRC-32 and size, as packaging's first pass measures them."""
    return zlib.crc32(b"".join(content)), sum(map(len, content))


def _zip(entries: dict[str, list[bytes]]) -> bytes:
    writer = StoredZipWriter()
    chunks: list[bytes] = []
    for name, content in entries.items():
        chunks.extend(writer.entry(name, content, *_measured(content)))
    chunks.append(writer.finish())
    return b"".join(chunks)


def _read_back(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None  # every CRC matches
        return {name: archive.read(name) for name in archive.namelist()}


def _expected(entries: dict[str, list[bytes]]) -> dict[str, bytes]:
    return {name: b"".join(content) for name, content in entries.items()}


def _unzip_test(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "package.zip"
    path.write_bytes(data)
    result = subprocess.run(["unzip", "-t", str(path)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_entries_read_back_in_order_with_fixed_metadata() -> None:
    data = _zip(ENTRIES)

    assert _read_back(data) == _expected(ENTRIES)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.namelist() == list(ENTRIES)
        for info in archive.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            assert info.date_time == (1980, 1, 1, 0, 0, 0)
            assert info.external_attr >> 16 == 0o100644
            assert not info.flag_bits & 0x08  # CRC and sizes in the local header
            assert zlib.crc32(_expected(ENTRIES)[info.filename]) == info.CRC
            assert info.extract_version == 20  # nothing needed zip64


def test_only_non_ascii_names_are_flagged_utf8() -> None:
    with zipfile.ZipFile(io.BytesIO(_zip(ENTRIES))) as archive:
        utf8 = {info.filename for info in archive.infolist() if info.flag_bits & 0x800}

    assert utf8 == {"caf\u00e9 \u4e2d.txt"}


def test_the_chunks_pass_through_as_given() -> None:
    """No regrouping or copying of the data: the upload decides on block sizes."""
    content = [b"x" * 10, b"y" * 20]
    writer = StoredZipWriter()

    header, *middle = writer.entry("x.bin", content, *_measured(content))

    assert middle == content and middle[0] is content[0]
    assert header.startswith(b"PK\x03\x04")


def test_a_zip_without_entries_is_valid() -> None:
    assert _read_back(_zip({})) == {}


@needs_unzip
def test_unzip_accepts_the_package(tmp_path: Path) -> None:
    output = _unzip_test(_zip(ENTRIES), tmp_path)

    assert "No errors detected" in output


@pytest.fixture
def small_zip64_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Zip64 from 1,000 bytes and 3 entries on."""
    monkeypatch.setattr(zipstream, "ZIP64_LIMIT", 1000)
    monkeypatch.setattr(zipstream, "ZIP64_COUNT_LIMIT", 3)


def _big_entries() -> dict[str, list[bytes]]:
    """Sizes, offsets and the count past the small limits, with small entries among them."""
    return {
        "big.wav": [b"a" * 700, b"b" * 700],
        "small.wav": [b"c" * 10],
        "after.wav": [b"d" * 20],
        "last.txt": [b"e\n"],
    }


@pytest.mark.usefixtures("small_zip64_limits")
def test_zip64_fields_where_sizes_offsets_and_count_overflow() -> None:
    entries = _big_entries()

    data = _zip(entries)

    assert _read_back(data) == _expected(entries)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
    zip64_extra = b"\x01\x00"
    # big.wav: both sizes in the zip64 extra field; small.wav: its offset there.
    assert infos[0].file_size == 1400 and infos[0].extra[:4] == zip64_extra + b"\x10\x00"
    assert infos[1].header_offset > 1000 and infos[1].extra[:4] == zip64_extra + b"\x08\x00"
    assert {info.extract_version for info in infos} == {45}
    # big.wav's local header: sizes 0xFFFFFFFF, both real sizes in its zip64 extra field.
    assert data[18:26] == b"\xff" * 8 and data[30 + 7 : 30 + 7 + 20] == (
        zip64_extra + b"\x10\x00" + (1400).to_bytes(8, "little") * 2)
    end_count = int.from_bytes(data[-12:-10], "little")
    assert end_count == 0xFFFF  # the count is in the zip64 end record
    assert b"PK\x06\x06" in data and b"PK\x06\x07" in data  # zip64 end record and locator


@needs_unzip
@pytest.mark.usefixtures("small_zip64_limits")
def test_unzip_accepts_zip64_fields(tmp_path: Path) -> None:
    output = _unzip_test(_zip(_big_entries()), tmp_path)

    assert "No errors detected" in output


@pytest.mark.parametrize(("content", "measured"), [
    ([b"a" * 600, b"b" * 600], (zlib.crc32(b"a" * 600), 600)),  # grew: stops at the size
    ([b"a" * 500], (zlib.crc32(b"a" * 600), 600)),  # shrank
    ([b"b" * 600], (zlib.crc32(b"a" * 600), 600)),  # same size, other bytes
])
def test_an_entry_unlike_its_measure_fails_by_name(
    content: list[bytes], measured: tuple[int, int]
) -> None:
    writer = StoredZipWriter()
    sent: list[bytes] = []

    with pytest.raises(EntryChangedError, match=r"changed\.wav: .* bytes with CRC-32"):
        sent.extend(writer.entry("changed.wav", content, *measured))

    assert sum(map(len, sent[1:])) <= 600  # never more data than the header announced


def _java_style_read(data: bytes) -> dict[str, bytes]:
    """Read front to back from local headers only, as Java's ZipInputStream does: a stored
    entry with flag bit 3 set (sizes after the data) cannot be read this way."""
    found: dict[str, bytes] = {}
    offset = 0
    while data[offset : offset + 4] == b"PK\x03\x04":
        flags, method = struct.unpack_from("<HH", data, offset + 6)
        crc, packed, size, name_len, extra_len = struct.unpack_from("<IIIHH", data, offset + 14)
        assert not flags & 0x08 and method == 0 and packed == size
        start = offset + 30 + name_len + extra_len
        name = data[offset + 30 : offset + 30 + name_len].decode("utf-8")
        found[name] = data[start : start + size]
        assert zlib.crc32(found[name]) == crc
        offset = start + size
    assert data[offset : offset + 4] == b"PK\x01\x02"  # then the central directory
    return found


def test_a_streaming_reader_needs_only_the_local_headers() -> None:
    """Issue #14 item 8: like Microsoft's sample audio-and-trans.zip (flag bit 3 clear)."""
    assert _java_style_read(_zip(ENTRIES)) == _expected(ENTRIES)
