"""Benchmark records: versioned JSON in a folder of the workspace or in Azure Blob.

`open_store` picks the store the way the inputs say: Azure Blob when a connection
string is given, else the `records-dir` folder.
"""

from __future__ import annotations

from pathlib import Path

from speech_action.records.blob import (
    DEFAULT_CONTAINER,
    BlobStore,
    ClientFactory,
    StorageSettingsError,
    default_client_factory,
)
from speech_action.records.folder import FolderStore
from speech_action.records.models import (
    RUN_KINDS,
    SCHEMA_VERSION,
    BenchmarkRecord,
    CandidateRecord,
    ModelRef,
    RunKind,
    RunResult,
    WerCounts,
)
from speech_action.records.store import (
    BenchmarkSnapshot,
    RecordConflictError,
    RecordStore,
    StoredCandidate,
)

DEFAULT_RECORDS_DIR = ".speech-records"

__all__ = [
    "DEFAULT_CONTAINER",
    "DEFAULT_RECORDS_DIR",
    "RUN_KINDS",
    "SCHEMA_VERSION",
    "BenchmarkRecord",
    "BenchmarkSnapshot",
    "BlobStore",
    "CandidateRecord",
    "ClientFactory",
    "FolderStore",
    "ModelRef",
    "RecordConflictError",
    "RecordStore",
    "RunKind",
    "RunResult",
    "StorageSettingsError",
    "StoredCandidate",
    "WerCounts",
    "open_store",
]


def open_store(
    *,
    connection_string: str | None,
    container: str = DEFAULT_CONTAINER,
    records_dir: Path | str = DEFAULT_RECORDS_DIR,
    client_factory: ClientFactory = default_client_factory,
) -> RecordStore:
    """Blob store if `connection_string` is non-empty, else a folder store at `records_dir`
    (the caller resolves it against the workspace)."""
    if connection_string:
        return BlobStore(connection_string, container, client_factory=client_factory)
    return FolderStore(records_dir)
