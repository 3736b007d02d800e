"""Fixtures for the records tests: the same suite runs on a folder, on Azurite with a
connection string, and on Azurite over https signed in with bearer tokens (keyless)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient, ContainerClient

from speech_action.records import BlobStore, FolderStore, RecordStore, open_store
from speech_action.records.blob import default_token_client_factory
from tests.support.azurite import Azurite, azurite  # noqa: F401  (the fixture is used by name)
from tests.support.azurite_oauth import AzuriteOAuth, IssuedTokens


@dataclass(frozen=True)
class StoreSite:
    """One record location: `open()` gives a store on it (two stores act like two
    concurrent runs); `put_raw` and `delete_raw` act as another writer would."""

    open: Callable[[], RecordStore]
    put_raw: Callable[[str, bytes], None]
    delete_raw: Callable[[str], None]


def _folder_site(root: Path) -> StoreSite:
    def put_raw(name: str, data: bytes) -> None:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)

    return StoreSite(open=lambda: FolderStore(root), put_raw=put_raw,
                     delete_raw=lambda name: (root / name).unlink())


def _blob_site(server: Azurite) -> StoreSite:
    container = f"t-{uuid.uuid4().hex[:20]}"  # a fresh, not yet created container

    def client() -> ContainerClient:
        service = BlobServiceClient.from_connection_string(server.connection_string)
        return service.get_container_client(container)

    def put_raw(name: str, data: bytes) -> None:
        if not client().exists():
            client().create_container()
        client().upload_blob(name, data, overwrite=True)

    return StoreSite(
        open=lambda: BlobStore(server.connection_string, container), put_raw=put_raw,
        delete_raw=lambda name: client().delete_blob(name),
    )


def _keyless_blob_site(server: AzuriteOAuth) -> StoreSite:
    """The store signs in with tokens only; the other writer uses the account key."""
    container = f"t-{uuid.uuid4().hex[:20]}"
    verify = str(server.ca.ca_file)
    credential = IssuedTokens()

    def client() -> ContainerClient:
        service = BlobServiceClient.from_connection_string(server.connection_string,
                                                           connection_verify=verify)
        return service.get_container_client(container)

    def put_raw(name: str, data: bytes) -> None:
        if not client().exists():
            client().create_container()
        client().upload_blob(name, data, overwrite=True)

    def open_keyless() -> RecordStore:
        return open_store(
            account_url=server.account_url, credential=credential, container=container,
            token_client_factory=lambda url, cred: default_token_client_factory(
                url, cred, connection_verify=verify))

    return StoreSite(open=open_keyless, put_raw=put_raw,
                     delete_raw=lambda name: client().delete_blob(name))


@pytest.fixture(params=["folder", "blob", "blob-keyless"])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> StoreSite:
    if request.param == "folder":
        return _folder_site(tmp_path / "records")
    if request.param == "blob-keyless":
        return _keyless_blob_site(request.getfixturevalue("azurite_oauth"))
    return _blob_site(request.getfixturevalue("azurite"))
