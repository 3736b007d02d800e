"""Datasets_GetBlocks ("Gets the list of uploaded blocks for this dataset", `GET
/datasets/{id}/blocks`, answering `UploadedBlocks`) and `dataset_can_finish`.

A run cancelled during a block upload leaves a dataset NotStarted whose blocks were never
committed: it never starts. Every mocked answer is checked against the reference first.
"""

from __future__ import annotations

from typing import Any

import pytest

from speech_action.client import Dataset
from tests.client.conftest import Harness, example_body

DS = "9d5f4100-5f8e-4dd6-bd83-9bbbf50d57f1"
SPEC_BLOCKS = ["AAA=", "AAE=", "AAI="]  # the uncommittedBlocks of get_dataset_blocks.json


def _blocks(h: Harness, body: dict[str, Any]) -> dict[str, Any]:
    return dict(h.respond("Datasets_GetBlocks", 200, body))


def _dataset(h: Harness, status: str, **extra: Any) -> Dataset:
    body = dict(example_body("2025-10-15", "get_dataset.json"))
    body.pop("contentUrl", None)  # created for the block API unless `extra` says otherwise
    body.update({"self": h.url(f"/datasets/{DS}"), "status": status, **extra})
    return Dataset.model_validate(body)


@pytest.mark.parametrize("version", ["2025-10-15", "2024-11-15"])
def test_datasets_get_blocks_parses_the_spec_example(harness: Harness, version: str) -> None:
    client = harness.client(version)
    body = _blocks(harness, example_body(version, "get_dataset_blocks.json"))
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}/blocks"), json=body)
    blocks = client.get_dataset_blocks(DS)
    assert [(b.name, b.size) for b in blocks.uncommitted_blocks] == [
        ("AAA=", 123), ("AAE=", 234), ("AAI=", 345)]
    assert blocks.committed_blocks == []  # omitted in the example: none committed


def test_datasets_get_blocks_on_v32_is_path_versioned(harness: Harness) -> None:
    # v3.2 has no example file; its UploadedBlocks schema has the same two fields.
    client = harness.client("v3.2")
    body = _blocks(harness, {"committedBlocks": [{"name": "AAA=", "size": 5}]})
    url = harness.url(f"/datasets/{DS}/blocks")
    harness.adapter.register_uri("GET", url, json=body)
    blocks = client.get_dataset_blocks(harness.url(f"/datasets/{DS}"))
    assert harness.sent()[0].url == url and "api-version" not in url
    assert [b.name for b in blocks.committed_blocks] == ["AAA="]


@pytest.mark.parametrize("status", ["Running", "Succeeded", "Failed"])
def test_can_finish_past_not_started_without_asking_for_blocks(harness: Harness,
                                                               status: str) -> None:
    client = harness.client()
    assert client.dataset_can_finish(_dataset(harness, status))
    assert harness.sent() == []


def test_can_finish_with_content_url_the_service_fetches(harness: Harness) -> None:
    client = harness.client()
    dataset = _dataset(harness, "NotStarted", contentUrl="https://contoso.com/location")
    assert client.dataset_can_finish(dataset)
    assert harness.sent() == []


def test_can_finish_not_started_with_committed_blocks(harness: Harness) -> None:
    # Datasets_GetBlocks: committedBlocks, "the block description of blocks already committed"
    client = harness.client()
    body = _blocks(harness, {"committedBlocks": [{"name": n, "size": 10} for n in SPEC_BLOCKS],
                             "uncommittedBlocks": []})
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}/blocks"), json=body)
    assert client.dataset_can_finish(_dataset(harness, "NotStarted"))
    assert [r.method for r in harness.sent()] == ["GET"]


def test_cannot_finish_not_started_with_only_uncommitted_blocks(harness: Harness) -> None:
    # Datasets_GetBlocks' own example: three uploaded blocks, none committed.
    client = harness.client()
    body = _blocks(harness, example_body("2025-10-15", "get_dataset_blocks.json"))
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}/blocks"), json=body)
    assert not client.dataset_can_finish(_dataset(harness, "NotStarted"))


def test_cannot_finish_not_started_with_no_blocks_at_all(harness: Harness) -> None:
    # Datasets_GetBlocks for a dataset created for the block API that never got a block.
    client = harness.client()
    body = _blocks(harness, {"committedBlocks": [], "uncommittedBlocks": []})
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}/blocks"), json=body)
    assert not client.dataset_can_finish(_dataset(harness, "NotStarted"))
