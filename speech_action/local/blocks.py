"""The dataset block API: `PUT blocks?blockid=`, `GET blocks`, `POST blocks:commit`.

Blocks are kept as files named by the hex of their id until the commit concatenates
them, in the committed order, into the dataset's content and starts its processing job.

`GET blocks` answers the reference's `UploadedBlocks`: `committedBlocks` ("blocks already
committed") and `uncommittedBlocks` ("blocks not committed to the blob"). The commit entries'
`BlockKind` values are Azure Blob's block-list kinds, and so is the commit: the listed blocks
become the committed list and every other uploaded block is discarded (Blob's Put Block
List: "Any blocks not specified in the block list are permanently deleted"). A dataset takes
one commit here, so there is no committed list for a `Committed` entry to name.
"""

from __future__ import annotations

import base64
import binascii
import shutil
from pathlib import Path
from typing import Any

from speech_action.local.api import ApiRequest, ApiResponse, bad_request, not_found
from speech_action.local.jobs import JobRunner
from speech_action.local.store import Entity, Store

__all__ = ["commit", "listing", "upload"]


def _dataset(store: Store, dataset_id: str) -> Entity:
    dataset = store.get("datasets", dataset_id.lower())
    if dataset is None:
        raise not_found(f"The dataset {dataset_id}")
    return dataset


def _block_dir(store: Store, dataset: Entity) -> Path:
    return store.blob_dir("datasets", dataset["id"]) / "blocks"


def _block_file(folder: Path, block_id: str) -> Path:
    try:
        raw = base64.b64decode(block_id, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise bad_request(f"blockid {block_id!r} is not valid Base64.") from exc
    if not raw or len(raw) > 64:
        raise bad_request("blockid must encode 1 to 64 bytes.")
    return folder / raw.hex()


def _require_open(dataset: Entity) -> None:
    if not dataset.get("awaitingUpload"):
        raise bad_request(f"The dataset {dataset['id']} does not take blocks: it was created "
                          "with a contentUrl or its blocks are already committed.",
                          "InvalidDataset")


def upload(store: Store, request: ApiRequest, dataset_id: str) -> ApiResponse:
    dataset = _dataset(store, dataset_id)
    _require_open(dataset)
    block_id = request.query.get("blockid")
    if not block_id:
        raise bad_request("The 'blockid' query parameter is required.")
    path = _block_file(_block_dir(store, dataset), block_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(request.body)
    return ApiResponse(201)


def _name(path: Path) -> str:
    return base64.b64encode(bytes.fromhex(path.name)).decode("ascii")


def listing(store: Store, request: ApiRequest, dataset_id: str) -> ApiResponse:
    dataset = _dataset(store, dataset_id)
    folder = _block_dir(store, dataset)
    pending = sorted(folder.iterdir()) if folder.is_dir() else []
    return ApiResponse(200, {
        "committedBlocks": dataset.get("committedBlocks", []),
        "uncommittedBlocks": [{"name": _name(p), "size": p.stat().st_size} for p in pending],
    })


# BlockKind, besides "Committed". A tuple: `in` compares a JSON list or object `kind` with
# ==, where a frozenset would raise TypeError (unhashable) and answer 500 instead of 400.
_UNCOMMITTED_KINDS = ("Uncommitted", "Latest")


def _entries(request: ApiRequest) -> list[dict[str, Any]]:
    entries = request.json()
    if not isinstance(entries, list) or not entries or not all(
        isinstance(e, dict) and isinstance(e.get("id"), str) for e in entries
    ):
        raise bad_request("The body must be a non-empty list of {\"kind\", \"id\"} entries.",
                          "InvalidPayload")
    for entry in entries:
        kind = entry.get("kind", "Latest")
        if kind == "Committed":
            raise bad_request(f"Block {entry['id']} is not in the committed block list (no "
                              "blocks are committed yet); commit it as Uncommitted or Latest.")
        if kind not in _UNCOMMITTED_KINDS:
            raise bad_request(f"Block kind {kind!r} is not one of Committed, Uncommitted, "
                              "Latest.", "InvalidPayload")
    return entries


def commit(store: Store, jobs: JobRunner, request: ApiRequest, dataset_id: str) -> ApiResponse:
    dataset = _dataset(store, dataset_id)
    _require_open(dataset)
    entries = _entries(request)
    folder = _block_dir(store, dataset)
    paths = [_block_file(folder, e["id"]) for e in entries]
    missing = [e["id"] for e, p in zip(entries, paths, strict=True) if not p.is_file()]
    if missing:
        raise bad_request(f"Block(s) {missing} were not uploaded to dataset {dataset['id']}.")
    target = store.blob_dir("datasets", dataset["id"]) / "content"
    with target.open("wb") as out:
        for path in paths:
            out.write(path.read_bytes())
    committed = [{"name": e["id"], "size": p.stat().st_size} for e, p in zip(
        entries, paths, strict=True)]
    shutil.rmtree(folder)  # uploaded blocks left out of the list are discarded, as in Blob

    def close(entity: Entity) -> None:
        entity["awaitingUpload"] = False
        entity["committedBlocks"] = committed

    store.update("datasets", dataset["id"], close)
    jobs.submit("datasets", dataset["id"])
    return ApiResponse(200)
