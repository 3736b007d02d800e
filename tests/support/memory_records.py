"""Records in memory: the store's real logic (`BackedRecordStore`) over a dict, with
modification times from the test's clock, so candidate choice and benchmark conflicts are
testable without a disk or Azurite (the folder and blob backends have their own tests)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from speech_action.records.store import BackedRecordStore, Listed, PreconditionFailed, Stored


class MemoryBackend:
    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self.objects: dict[str, tuple[bytes, datetime]] = {}
        self.before_write: list[Callable[[str], None]] = []
        """Called with the name before each write (another run acting at that moment)."""

    @property
    def location(self) -> str:
        return "memory records"

    def where(self, name: str) -> str:
        return f"memory:{name}"

    def read(self, name: str) -> Stored | None:
        found = self.objects.get(name)
        return None if found is None else Stored(data=found[0], etag=_etag(found[0]))

    def write(self, name: str, data: bytes, *, if_match: str | None = None,
              if_absent: bool = False) -> str:
        for hook in list(self.before_write):
            hook(name)
        current = self.read(name)
        if if_absent and current is not None:
            raise PreconditionFailed(name)
        if if_match is not None and (current is None or current.etag != if_match):
            raise PreconditionFailed(name)
        self.objects[name] = (data, self._now())
        return _etag(data)

    def list_entries(self, prefix: str) -> list[Listed]:
        return sorted((Listed(name, modified) for name, (_, modified) in self.objects.items()
                       if name.startswith(prefix)), key=lambda listed: listed.name)


def memory_store(now: Callable[[], datetime]) -> tuple[BackedRecordStore, MemoryBackend]:
    backend = MemoryBackend(now)
    return BackedRecordStore(backend), backend


def _etag(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
