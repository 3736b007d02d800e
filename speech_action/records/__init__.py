"""Benchmark records: versioned JSON in a folder of the workspace or in Azure Blob.

`open_store` picks the store the way the inputs say: Azure Blob when a connection
string is given, or keyless an account URL with a token credential, else the `records-dir`
folder.
"""

from __future__ import annotations

from pathlib import Path

from azure.core.credentials import TokenCredential

from speech_action.records.blob import (
    DEFAULT_CONTAINER,
    BlobStore,
    ClientFactory,
    StorageSettingsError,
    TokenClientFactory,
    default_client_factory,
    default_token_client_factory,
)
from speech_action.records.folder import FolderStore
from speech_action.records.models import (
    MAX_TEST_SETS,
    RUN_KINDS,
    SCHEMA_VERSION,
    BenchmarkRecord,
    CandidateRecord,
    ModelRef,
    RunKind,
    RunResult,
    TestSetScore,
    WerCounts,
    set_scores,
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
    "MAX_TEST_SETS",
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
    "TestSetScore",
    "TokenClientFactory",
    "WerCounts",
    "open_store",
    "set_scores",
]


def open_store(
    *,
    connection_string: str | None = None,
    container: str = DEFAULT_CONTAINER,
    records_dir: Path | str = DEFAULT_RECORDS_DIR,
    client_factory: ClientFactory = default_client_factory,
    account_url: str | None = None,
    credential: TokenCredential | None = None,
    token_client_factory: TokenClientFactory = default_token_client_factory,
) -> RecordStore:
    """Blob store if `connection_string` is non-empty, or keyless if `account_url` (e.g.
    `https://<account>.blob.core.windows.net`) and `credential` are given (the identity needs
    "Storage Blob Data Contributor" on the account); else a folder store at `records_dir` (the
    caller resolves it against the workspace). Both kinds at once is a StorageSettingsError."""
    if account_url or credential is not None:
        return BlobStore(connection_string, container, account_url=account_url,
                         credential=credential, token_client_factory=token_client_factory)
    if connection_string:
        return BlobStore(connection_string, container, client_factory=client_factory)
    return FolderStore(records_dir)
