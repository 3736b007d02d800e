"""The local service's block API (Datasets_UploadBlock, Datasets_GetBlocks,
Datasets_CommitBlocks) over real HTTP, and SpeechClient.dataset_can_finish against it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from speech_action.client import DatasetDefinition, SpeechClient, block_id
from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import LocalService, start_local_service
from tests.local.helpers import Api

TEXT = b"We love Sharjah\n"


@pytest.fixture
def local(tmp_path: Path) -> Iterator[LocalService]:
    with start_local_service(tmp_path, recognizer=EchoRecognizer(), retry_after_s=0) as running:
        yield running


def _put_block(client: SpeechClient, dataset_url: str, index: int, data: bytes) -> str:
    name = block_id(index)
    url = client.version.sub_url(dataset_url, "/blocks", {"blockid": name})
    client.request("PUT", url, data=data, content_type="application/octet-stream")
    return name


def _commit(client: SpeechClient, dataset_url: str, names: list[str]) -> None:
    url = client.version.sub_url(dataset_url, "/blocks:commit")
    client.request("POST", url, json_body=[{"kind": "Latest", "id": n} for n in names])


@pytest.mark.parametrize("version", ["2025-10-15", "2024-11-15", "v3.2"])
def test_uncommitted_upload_cannot_finish_until_committed(local: LocalService,
                                                          version: str) -> None:
    client = SpeechClient(local.base_url, "any-key", version)
    created = client.create_dataset(DatasetDefinition(display_name="cancelled upload",
                                                      locale="en-US", kind="Language"))
    first = _put_block(client, created.self_url, 0, TEXT)
    stray = _put_block(client, created.self_url, 1, b"never committed\n")

    # What a run cancelled before blocks:commit leaves behind: it would never start.
    left = client.get_dataset(created)
    assert left.status == "NotStarted" and left.content_url is None
    blocks = client.get_dataset_blocks(left)
    assert blocks.committed_blocks == []
    assert {(b.name, b.size) for b in blocks.uncommitted_blocks} == {
        (first, len(TEXT)), (stray, 16)}
    assert client.dataset_can_finish(left) is False

    _commit(client, created.self_url, [first])
    blocks = client.get_dataset_blocks(created)
    assert [(b.name, b.size) for b in blocks.committed_blocks] == [(first, len(TEXT))]
    assert blocks.uncommitted_blocks == []  # a block left out of the commit is discarded
    assert client.dataset_can_finish(client.get_dataset(created)) is True
    done = client.wait(client.get_dataset(created), timeout_s=10, poll_s=0.01)
    assert done.properties.accepted_line_count == 1


def test_commit_refuses_a_committed_kind_and_unknown_kinds(local: LocalService) -> None:
    api = Api(local.base_url, "2025-10-15")
    dataset = api.ok("POST", "datasets", json={"displayName": "k", "locale": "en-US",
                                               "kind": "Language"})
    path = dataset["self"].split("/speechtotext/")[1].split("?")[0]
    api.ok("PUT", f"{path}/blocks", data=TEXT, blockid="QUFB")
    for kind in ("Committed", "Newest", ["Latest"]):  # a list: 400, not a crash
        refused = api.call("POST", f"{path}/blocks:commit", json=[{"kind": kind, "id": "QUFB"}])
        assert refused.status_code == 400, refused.text
    assert api.ok("GET", f"{path}/blocks")["uncommittedBlocks"] == [{"name": "QUFB", "size": 16}]
    api.ok("POST", f"{path}/blocks:commit", json=[{"kind": "Uncommitted", "id": "QUFB"}])
    assert api.ok("GET", f"{path}/blocks") == {
        "committedBlocks": [{"name": "QUFB", "size": 16}], "uncommittedBlocks": []}
