"""Packaging for upload and the content hash."""

from __future__ import annotations

import codecs
import io
import os
import tracemalloc
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, ClassVar

import pytest

from speech_action.data import (
    DataFile,
    DataLayout,
    DataSet,
    DatasetKind,
    DataValidationError,
    Limits,
    content_hash,
    discover_test_data,
    discover_training_data,
    fingerprint,
    package_dataset,
    packaging,
    stream_package,
)
from speech_action.data.packaging import normalize_text
from speech_action.data.reader import CHUNK_SIZE, DataReader
from speech_action.data.validation import check_dataset
from tests.data.conftest import TAB
from tests.data.wavs import write_sparse_wav, write_wav


def _test_set(ws: Path) -> DataSet:
    return discover_test_data(ws, DataLayout())


def collect_problems(dataset: DataSet) -> list[object]:
    return list(check_dataset(dataset, Limits()))


def _training(ws: Path, kind: DatasetKind) -> DataSet:
    return next(d for d in discover_training_data(ws, DataLayout()) if d.kind is kind)


@pytest.mark.parametrize(("raw", "expected"), [
    (b"", b""),
    (codecs.BOM_UTF8, b""),
    (b"a", b"a\n"),
    (b"a\nb", b"a\nb\n"),
    (b"a\r\nb\r\n", b"a\nb\n"),
    (codecs.BOM_UTF8 + b"a\r\n\r\nb", b"a\n\nb\n"),
    (b"a\r", b"a\n"),
    (b"caf\xc3\xa9\r\n", b"caf\xc3\xa9\n"),
    (b"x\ry\n", b"x\ry\n"),  # a lone CR inside a line is content, not a line ending
])
def test_normalize_text_at_every_chunk_boundary(raw: bytes, expected: bytes) -> None:
    for size in range(1, len(raw) + 2):
        chunks = [raw[i : i + size] for i in range(0, len(raw), size)]
        assert b"".join(normalize_text(chunks)) == expected, size


def test_hash_ignores_crlf_bom_and_mtime(workspace: Path) -> None:
    before_test = content_hash(_test_set(workspace))
    before_text = content_hash(_training(workspace, DatasetKind.LANGUAGE))
    for name in ("testing_data/trans.txt", "training_data/plain_text.txt"):
        text = (workspace / name).read_bytes()
        (workspace / name).write_bytes(codecs.BOM_UTF8 + text.replace(b"\n", b"\r\n"))
    for path in (workspace / "testing_data").iterdir():
        os.utime(path, (1_000_000, 1_000_000))

    assert content_hash(_test_set(workspace)) == before_test
    assert content_hash(_training(workspace, DatasetKind.LANGUAGE)) == before_text


def test_hash_is_the_same_for_a_folder_and_a_zip_of_it(workspace: Path) -> None:
    folder_hash = content_hash(_test_set(workspace))
    with zipfile.ZipFile(workspace / "tests.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((workspace / "testing_data").iterdir(), reverse=True):
            archive.write(path, path.name.replace("trans.txt", "transcript.txt"))

    zipped = discover_test_data(workspace, DataLayout(testing="tests.zip"))

    assert content_hash(zipped) == folder_hash


@pytest.mark.parametrize("change", ["transcript", "audio", "rename", "add file"])
def test_hash_changes_with_content(workspace: Path, change: str) -> None:
    before = content_hash(_test_set(workspace))
    folder = workspace / "testing_data"
    if change == "transcript":
        (folder / "trans.txt").write_text(f"a.wav{TAB}hello world\nb.wav{TAB}good evening\n")
    elif change == "audio":
        write_wav(folder / "a.wav", seconds=0.3)
    elif change == "rename":
        (folder / "a.wav").rename(folder / "z.wav")
    else:
        write_wav(folder / "c.wav")

    assert content_hash(_test_set(workspace)) != before


def test_hash_depends_on_the_kind(workspace: Path) -> None:
    language = _training(workspace, DatasetKind.LANGUAGE)
    as_markdown = DataSet(DatasetKind.LANGUAGE_MARKDOWN, language.root, language.files)

    assert content_hash(as_markdown) != content_hash(language)


def test_audio_package_is_a_stored_zip_with_a_bom_transcript(
    workspace: Path, tmp_path: Path
) -> None:
    (workspace / "testing_data/trans.txt").write_bytes(b"b.wav\tgood morning\r\na.wav\thi")
    dataset = _test_set(workspace)

    package = package_dataset(dataset, tmp_path)

    assert package.path.parent == tmp_path and package.path.suffix == ".zip"
    assert package.size == package.path.stat().st_size
    assert package.content_hash == content_hash(dataset)
    with zipfile.ZipFile(package.path) as archive:
        assert archive.namelist() == ["a.wav", "b.wav", "trans.txt"]
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_STORED}
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert archive.read("trans.txt") == codecs.BOM_UTF8 + b"b.wav\tgood morning\na.wav\thi\n"
        assert archive.read("a.wav") == (workspace / "testing_data/a.wav").read_bytes()


def test_packages_of_the_same_content_are_byte_identical(
    workspace: Path, tmp_path: Path
) -> None:
    first = package_dataset(_test_set(workspace), tmp_path)
    for path in (workspace / "testing_data").iterdir():
        os.utime(path, (1_000_000, 1_000_000))
    second = package_dataset(_test_set(workspace), tmp_path)

    assert first.path != second.path
    assert first.path.read_bytes() == second.path.read_bytes()


def test_text_package_concatenates_files_with_one_bom(workspace: Path, tmp_path: Path) -> None:
    (workspace / "training_data/more.txt").write_bytes(codecs.BOM_UTF8 + b"caf\xc3\xa9\r\nend")
    dataset = _training(workspace, DatasetKind.LANGUAGE)

    package = package_dataset(dataset, tmp_path)

    assert package.path.suffix == ".txt"
    assert package.path.read_bytes() == (
        codecs.BOM_UTF8 + b"caf\xc3\xa9\nend\nthe quick brown fox\njumps over the dog\n"
    )
    assert package.content_hash == content_hash(dataset)


def test_a_failed_package_leaves_no_temp_file(workspace: Path, tmp_path: Path) -> None:
    dataset = _test_set(workspace)
    (workspace / "testing_data/b.wav").unlink()  # vanishes between discovery and packaging
    out = tmp_path / "out"
    out.mkdir()

    with pytest.raises(DataValidationError) as raised:
        package_dataset(dataset, out)

    assert [(p.file, p.line) for p in raised.value.problems] == [("testing_data/b.wav", None)]
    assert "cannot be read" in raised.value.problems[0].message
    assert list(out.iterdir()) == []


def test_a_zip_member_damaged_after_its_header_is_a_problem_when_packaging(
    workspace: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(workspace / "tests.zip", "w") as archive:
        archive.write(workspace / "testing_data/a.wav", "a.wav")
        archive.writestr("trans.txt", f"a.wav{TAB}hello\n")
    data = bytearray((workspace / "tests.zip").read_bytes())
    data[2000] ^= 0xFF  # a sample byte: the header still reads, the CRC no longer matches
    (workspace / "tests.zip").write_bytes(bytes(data))
    dataset = discover_test_data(workspace, DataLayout(testing="tests.zip"))

    with pytest.raises(DataValidationError) as raised:
        content_hash(dataset)

    [problem] = raised.value.problems
    assert problem.file == "tests.zip"
    assert problem.message.startswith("a.wav (in the zip): the file cannot be read (Bad CRC")


def _sparse_set_of_200_mb(tmp_path: Path) -> DataSet:
    """20 WAVs of 10 MiB (sparse, so cheap to make) and their transcript."""
    folder = tmp_path / "ws/testing_data"
    lines = []
    for index in range(20):
        write_sparse_wav(folder / f"{index:02d}.wav", seconds=320)  # 10,240,000 data bytes
        lines.append(f"{index:02d}.wav{TAB}utterance {index}\n")
    (folder / "trans.txt").write_text("".join(lines))
    dataset = discover_test_data(tmp_path / "ws", DataLayout())
    assert sum(f.size for f in dataset.files) > 200 * 1024 * 1024 * 0.95
    return dataset


def test_packaging_200_mb_keeps_memory_flat(tmp_path: Path) -> None:
    dataset = _sparse_set_of_200_mb(tmp_path)

    tracemalloc.start()
    try:
        package = package_dataset(dataset, tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert package.size > 200 * 1024 * 1024 * 0.95
    assert peak < 8 * 1024 * 1024, f"peak {peak:,} bytes"
    package.path.unlink()


def test_streaming_200_mb_keeps_memory_flat_and_chunks_small(tmp_path: Path) -> None:
    dataset = _sparse_set_of_200_mb(tmp_path)
    total = largest = 0

    tracemalloc.start()
    try:
        for chunk in stream_package(dataset):
            total += len(chunk)
            largest = max(largest, len(chunk))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert total > 200 * 1024 * 1024 * 0.95
    assert largest <= CHUNK_SIZE + 1024  # one read chunk, at most with a zip header
    assert peak < 8 * 1024 * 1024, f"peak {peak:,} bytes"


class _CountingReader(DataReader):
    opened: ClassVar[list[str]] = []

    @contextmanager
    def open(self, data_file: DataFile) -> Iterator[IO[bytes]]:
        self.opened.append(data_file.name)
        with super().open(data_file) as stream:
            yield stream


def test_hash_and_package_each_read_every_file_once(
    workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload's path: the fingerprint (hash, CRCs, sizes) is one read, the stream given
    it another; a stream without it measures the entries first."""
    monkeypatch.setattr(packaging, "DataReader", _CountingReader)
    dataset = _test_set(workspace)

    measured = fingerprint(dataset)
    hashed = list(_CountingReader.opened)
    _CountingReader.opened.clear()
    b"".join(stream_package(dataset, measured))
    streamed = list(_CountingReader.opened)
    _CountingReader.opened.clear()
    package_dataset(dataset, tmp_path)

    assert hashed == streamed == ["a.wav", "b.wav", "trans.txt"]
    assert _CountingReader.opened == hashed * 2
    assert measured.content_hash == content_hash(dataset)


@pytest.mark.parametrize("kind", [DatasetKind.ACOUSTIC, DatasetKind.LANGUAGE])
def test_stream_bytes_are_the_package_file_bytes(
    workspace: Path, tmp_path: Path, kind: DatasetKind
) -> None:
    (workspace / "training_data/more.txt").write_bytes(codecs.BOM_UTF8 + b"x\r\ny")
    dataset = _training(workspace, kind)

    streamed = list(stream_package(dataset))
    package = package_dataset(dataset, tmp_path)

    assert all(streamed)  # no empty chunks
    assert b"".join(streamed) == package.path.read_bytes()


def test_streamed_zip_reads_back_with_zipfile(workspace: Path) -> None:
    (workspace / "testing_data/trans.txt").write_bytes(b"b.wav\tgood morning\r\na.wav\thi")

    data = b"".join(stream_package(_test_set(workspace)))

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None  # every CRC matches
        assert archive.namelist() == ["a.wav", "b.wav", "trans.txt"]
        infos = archive.infolist()
        assert {i.compress_type for i in infos} == {zipfile.ZIP_STORED}
        assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
        assert {i.flag_bits & 0x08 for i in infos} == {0}  # sizes in the local header
        assert archive.read("trans.txt") == codecs.BOM_UTF8 + b"b.wav\tgood morning\na.wav\thi\n"
        for name in ("a.wav", "b.wav"):
            assert archive.read(name) == (workspace / "testing_data" / name).read_bytes()


def test_stream_does_not_hash_again(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The upload already knows the hash: streaming must not pay for a second sha256."""
    expected = b"".join(stream_package(_test_set(workspace)))

    def no_hashing(*args: object) -> None:
        raise AssertionError("stream_package hashed")

    monkeypatch.setattr(packaging.hashlib, "sha256", no_hashing)

    assert b"".join(stream_package(_test_set(workspace))) == expected


def test_an_unreadable_file_fails_the_stream_before_its_first_byte(workspace: Path) -> None:
    dataset = _test_set(workspace)
    (workspace / "testing_data/b.wav").unlink()

    with pytest.raises(DataValidationError) as raised:
        next(stream_package(dataset))  # the entries are measured before the first header

    assert [(p.file, p.line) for p in raised.value.problems] == [("testing_data/b.wav", None)]


def test_a_file_gone_after_its_fingerprint_fails_the_stream_as_a_data_problem(
    workspace: Path,
) -> None:
    dataset = _test_set(workspace)
    measured = fingerprint(dataset)
    (workspace / "testing_data/b.wav").unlink()
    chunks = stream_package(dataset, measured)

    first = next(chunks)  # a.wav streams before b.wav is found missing
    with pytest.raises(DataValidationError) as raised:
        list(chunks)

    assert first.startswith(b"PK\x03\x04")
    assert [(p.file, p.line) for p in raised.value.problems] == [("testing_data/b.wav", None)]


def test_a_file_changed_after_its_fingerprint_fails_the_stream_by_name(workspace: Path) -> None:
    """The local header announced the measured CRC and size: other bytes must not follow."""
    dataset = _test_set(workspace)
    measured = fingerprint(dataset)
    path = workspace / "testing_data/b.wav"
    path.write_bytes(path.read_bytes()[:-2] + b"\x7f\x7f")  # same size, other samples

    with pytest.raises(DataValidationError) as raised:
        list(stream_package(dataset, measured))

    [problem] = raised.value.problems
    assert problem.file == "testing_data/b.wav"
    assert "the file changed while it was read" in problem.message


def test_a_fingerprint_of_another_dataset_is_refused(workspace: Path) -> None:
    other = fingerprint(_training(workspace, DatasetKind.ACOUSTIC))

    with pytest.raises(ValueError, match="another dataset"):
        next(stream_package(_test_set(workspace), other))


def test_hashes_of_flat_data_are_unchanged_by_the_local_header_zip(workspace: Path) -> None:
    """Issue #14 item 8 changed the zip, not the content hash: datasets already on the
    service are still found for reuse. Pinned from the data descriptor packaging."""
    hashes = {d.kind: content_hash(d) for d in discover_training_data(workspace, DataLayout())}

    assert content_hash(_test_set(workspace)) == (
        "73b164a715ae7c5d832ce83d994ec7f587312e1743d959caaac73e05d7a35e96")
    assert hashes == {
        DatasetKind.LANGUAGE: "1270dd23d1155db241049d2c546a06fb52c1b7a7fabed00eaa7c73239b71e283",
        DatasetKind.PRONUNCIATION:
            "159d6b8b3c2ee36373ee100ca51d157cf839c9782871b8737e4f66c8c87e5060",
        DatasetKind.LANGUAGE_MARKDOWN:
            "e6a3c9a0bfdf979f6a17805be4c092c7dcee83059ab9fbc4bbd82c328ddf04fe",
        DatasetKind.ACOUSTIC: "a44ae1f3f1d8158b0c745668b95a56c6f12618a61f0da032f1413053f0db3346",
    }


def _zip_with_folders(workspace: Path, names: dict[str, str]) -> DataSet:
    """tests.zip holding the test set's files under the given member names."""
    with zipfile.ZipFile(workspace / "tests.zip", "w") as archive:
        for source, member in names.items():
            archive.write(workspace / "testing_data" / source, member)
    return discover_test_data(workspace, DataLayout(testing="tests.zip"))


def test_a_zip_with_folders_is_packaged_flat_like_microsofts_samples(workspace: Path) -> None:
    """Issue #14 item 8: every sample audio-and-trans.zip is flat, trans.txt at its root."""
    dataset = _zip_with_folders(workspace, {
        "a.wav": "audio/a.wav", "b.wav": "audio/8k/b.wav", "trans.txt": "trans.txt"})

    with zipfile.ZipFile(io.BytesIO(b"".join(stream_package(dataset)))) as archive:
        assert archive.namelist() == ["a.wav", "b.wav", "trans.txt"]
    assert collect_problems(dataset) == []
    assert content_hash(dataset) == content_hash(_test_set(workspace))


def test_two_zip_members_of_one_name_are_a_problem_naming_both(workspace: Path) -> None:
    dataset = _zip_with_folders(workspace, {
        "a.wav": "day1/a.wav", "b.wav": "day2/a.wav", "trans.txt": "trans.txt"})

    [problem] = dataset.problems

    assert (problem.file, problem.line) == ("tests.zip", None)
    assert problem.message.startswith("day2/a.wav and day1/a.wav (in the zip) both become "
                                      "a.wav in the upload")


def test_a_transcript_in_a_folder_of_the_zip_is_not_the_transcript(workspace: Path) -> None:
    dataset = _zip_with_folders(workspace, {
        "a.wav": "a.wav", "b.wav": "b.wav", "trans.txt": "notes/trans.txt"})

    assert dataset.transcript is None
    assert "no transcript" in dataset.problems[0].message
