"""Uploading a stream of chunks: regrouped into 8 MiB blocks, block ids, retries, empty."""

from __future__ import annotations

import base64
import io
import itertools
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from speech_action.client import BLOCK_SIZE, DatasetDefinition
from speech_action.client.client import iter_blocks
from speech_action.data import DataLayout, discover_test_data, stream_package
from speech_action.errors import ConfigError
from tests.client.conftest import Harness, example_body
from tests.data.conftest import make_workspace

V = "2025-10-15"
DS = "9d5f4100-5f8e-4dd6-bd83-9bbbf50d57f1"
MIB = 1024 * 1024


def _dataset_body(h: Harness, status: str) -> dict[str, Any]:
    body = dict(example_body(V, "get_dataset.json"))
    body["self"] = h.url(f"/datasets/{DS}")
    body["status"] = status
    return body


def _serve_upload(h: Harness, put_statuses: list[int]) -> None:
    h.adapter.register_uri("POST", h.url("/datasets"), status_code=201,
                           json=_dataset_body(h, "NotStarted"))
    h.adapter.register_uri("PUT", h.url(f"/datasets/{DS}/blocks"),
                           [{"status_code": status} for status in put_statuses])
    h.adapter.register_uri("POST", h.url(f"/datasets/{DS}/blocks:commit"), status_code=200)
    h.adapter.register_uri("GET", h.url(f"/datasets/{DS}"), json=_dataset_body(h, "Running"))


def _definition(kind: str = "Acoustic") -> DatasetDefinition:
    return DatasetDefinition(display_name="abc1234 test-data", locale="en-US", kind=kind)


def _pattern(size: int) -> bytes:
    """Bytes that differ from block to block, so a misplaced block shows."""
    return bytes((i * 7 + i // 4093) % 251 for i in range(size))


@pytest.mark.parametrize("sizes", [
    [10], [4], [4, 4], [3, 3, 3], [1] * 9, [9], [13, 1], [0, 5, 0, 0, 7], [2, 9, 1, 4],
])
def test_iter_blocks_regroups_any_chunking_into_full_blocks(sizes: list[int]) -> None:
    data = _pattern(sum(sizes))
    chunks, start = [], 0
    for size in sizes:
        chunks.append(data[start:start + size])
        start += size

    blocks = list(iter_blocks(chunks, block_size=4))

    assert b"".join(blocks) == data
    assert all(len(b) == 4 for b in blocks[:-1]) and 0 < len(blocks[-1]) <= 4
    assert all(isinstance(b, bytes) for b in blocks)


def test_iter_blocks_of_nothing_is_nothing() -> None:
    assert list(iter_blocks([], block_size=4)) == []
    assert list(iter_blocks([b"", b""], block_size=4)) == []


def test_chunks_upload_as_8_mib_blocks_with_a_retried_block(harness: Harness) -> None:
    client = harness.client()
    data = _pattern(2 * BLOCK_SIZE + 10)
    cuts = [0, 3 * MIB, 3 * MIB + 1, 11 * MIB, 16 * MIB + 5, len(data)]
    chunks = [data[a:b] for a, b in itertools.pairwise(cuts)]
    _serve_upload(harness, [201, 503, 201])  # the second block's first PUT fails
    progress: list[tuple[int, int | None]] = []

    dataset = client.create_dataset_from_chunks(
        _definition(), iter(chunks), on_progress=lambda s, t: progress.append((s, t)))

    assert dataset.status == "Running"
    puts = harness.sent("PUT")
    assert [len(r.body) for r in puts] == [BLOCK_SIZE, BLOCK_SIZE, BLOCK_SIZE, 10]
    ids = [base64.b64decode(parse_qs(urlsplit(r.url).query)["blockid"][0]).decode()
           for r in puts]  # from the URL: requests-mock's `qs` lower-cases values
    assert ids == ["00000000", "00000001", "00000001", "00000002"]
    assert puts[1].body == puts[2].body == data[BLOCK_SIZE:2 * BLOCK_SIZE]  # same bytes again
    assert b"".join(r.body for r in (puts[0], *puts[2:])) == data
    commit = json.loads(harness.sent("POST")[1].body)
    assert [base64.b64decode(e["id"]).decode() for e in commit] == [
        "00000000", "00000001", "00000002"]
    assert progress == [(BLOCK_SIZE, None), (2 * BLOCK_SIZE, None), (len(data), None)]


def test_blocks_are_pulled_from_the_stream_one_at_a_time(harness: Harness) -> None:
    """The stream is consumed as blocks go out, not read whole before the first PUT."""
    client = harness.client()
    pulled: list[int] = []
    puts_seen_when_pulled: list[int] = []

    def chunks() -> Iterator[bytes]:
        for index in range(3):
            pulled.append(index)
            puts_seen_when_pulled.append(len(harness.sent("PUT")))
            yield bytes([index]) * BLOCK_SIZE

    _serve_upload(harness, [201])
    client.create_dataset_from_chunks(_definition(), chunks())

    assert pulled == [0, 1, 2]
    assert puts_seen_when_pulled == [0, 1, 2]  # chunk k is read after block k-1 was sent


def test_an_empty_stream_is_refused_before_creating_a_dataset(harness: Harness) -> None:
    client = harness.client()
    _serve_upload(harness, [201])

    with pytest.raises(ConfigError, match="empty; nothing to upload"):
        client.create_dataset_from_chunks(_definition("Language"), iter([b"", b""]))

    assert harness.sent() == []


def test_a_file_goes_through_the_same_blocks(harness: Harness, tmp_path: Path) -> None:
    client = harness.client()
    data = _pattern(BLOCK_SIZE + 3)
    (tmp_path / "set.zip").write_bytes(data)
    _serve_upload(harness, [201])
    progress: list[tuple[int, int | None]] = []

    client.create_dataset_from_file(_definition(), tmp_path / "set.zip",
                                    on_progress=lambda s, t: progress.append((s, t)))

    assert [r.body for r in harness.sent("PUT")] == [data[:BLOCK_SIZE], data[BLOCK_SIZE:]]
    assert progress == [(BLOCK_SIZE, len(data)), (len(data), len(data))]


def test_a_streamed_package_arrives_as_a_readable_zip(harness: Harness, tmp_path: Path) -> None:
    workspace = make_workspace(tmp_path / "ws")
    dataset = discover_test_data(workspace, DataLayout())
    client = harness.client()
    _serve_upload(harness, [201])

    client.create_dataset_from_chunks(_definition(), stream_package(dataset))

    uploaded = b"".join(r.body for r in harness.sent("PUT"))
    with zipfile.ZipFile(io.BytesIO(uploaded)) as archive:
        assert archive.testzip() is None
        assert archive.namelist() == ["a.wav", "b.wav", "trans.txt"]
        assert archive.read("a.wav") == (workspace / "testing_data/a.wav").read_bytes()
