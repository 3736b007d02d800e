"""State of the local service in a folder: one JSON file per entity, blobs as plain files.

Layout under the data dir: `entities/<collection>/<id>.json` and `blobs/<collection>/<id>/...`.
Every entity write goes to a temp file first and is then renamed (`os.replace`), so a
second process reading the same folder never sees half a file. Nothing is cached in
memory: every request reads the disk, which is what lets separate processes share state.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["COLLECTIONS", "Entity", "Store", "write_atomic"]

Entity = dict[str, Any]

COLLECTIONS = ("projects", "datasets", "models", "evaluations", "transcriptions", "endpoints")


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Store:
    def __init__(self, data_dir: Path) -> None:
        self.root = data_dir
        self._lock = threading.RLock()
        for collection in COLLECTIONS:
            (data_dir / "entities" / collection).mkdir(parents=True, exist_ok=True)

    def _path(self, collection: str, entity_id: str) -> Path:
        if collection not in COLLECTIONS or not _is_safe_id(entity_id):
            raise KeyError(f"{collection}/{entity_id}")
        return self.root / "entities" / collection / f"{entity_id}.json"

    def get(self, collection: str, entity_id: str) -> Entity | None:
        try:
            path = self._path(collection, entity_id)
            loaded: Entity = json.loads(path.read_text(encoding="utf-8"))
        except (KeyError, FileNotFoundError):
            return None
        return loaded

    def put(self, entity: Entity) -> None:
        path = self._path(entity["collection"], entity["id"])
        write_atomic(path, json.dumps(entity, indent=1, sort_keys=True).encode("utf-8"))

    def update(self, collection: str, entity_id: str, change: Callable[[Entity], None]) -> Entity:
        """Read, change and write one entity under the lock (no lost updates in-process)."""
        with self._lock:
            entity = self.get(collection, entity_id)
            if entity is None:
                raise KeyError(f"{collection}/{entity_id}")
            change(entity)
            self.put(entity)
            return entity

    def list(self, collection: str) -> list[Entity]:
        folder = self.root / "entities" / collection
        entities = []
        for path in folder.glob("*.json"):
            entity = self.get(collection, path.stem)
            if entity is not None:  # deleted meanwhile by another request or process
                entities.append(entity)
        entities.sort(key=lambda e: (e["createdDateTime"], e.get("seq", 0), e["id"]))
        return entities

    def delete(self, collection: str, entity_id: str) -> bool:
        with self._lock:
            try:
                self._path(collection, entity_id).unlink()
            except (KeyError, FileNotFoundError):
                return False
            shutil.rmtree(self.blob_dir(collection, entity_id), ignore_errors=True)
            return True

    def blob_dir(self, collection: str, entity_id: str) -> Path:
        if not _is_safe_id(entity_id):
            raise KeyError(f"{collection}/{entity_id}")
        return self.root / "blobs" / collection / entity_id


def _is_safe_id(entity_id: str) -> bool:
    # Ids come from URLs: refuse anything that could climb out of the data dir.
    return bool(entity_id) and all(c.isalnum() or c == "-" for c in entity_id)
