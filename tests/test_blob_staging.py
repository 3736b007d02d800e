"""Staging dataset packages in Blob for a SAS `contentUrl`, against Azurite."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests
from azure.storage.blob import BlobServiceClient

from speech_action.blob_staging import (
    BLOCK_SIZE,
    BlobStaging,
    StagingError,
    open_staging,
)
from tests.support.azurite import (
    ACCOUNT_KEY,
    ACCOUNT_NAME,
    Azurite,
    connection_string_for,
    free_port,
)


def _staging(azurite: Azurite) -> BlobStaging:
    staging = open_staging(azurite.connection_string, f"t-{uuid.uuid4().hex[:20]}")
    assert staging is not None
    return staging


def _chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    for start in range(0, total, size):
        yield bytes([start // size % 256]) * min(size, total - start)


def test_a_staged_package_is_readable_by_its_sas_url_only(azurite: Azurite) -> None:
    staging = _staging(azurite)  # its container does not exist yet: staging creates it
    total = 2 * BLOCK_SIZE + 123  # three blocks

    staged = staging.stage("uploads/abc.zip", _chunks(total), "application/zip")

    assert staged.size == total
    assert staged.name == "uploads/abc.zip"
    assert "sp=r&" in staged.url and "sig=" in staged.url  # read only, signed
    fetched = requests.get(staged.url, timeout=30)
    assert fetched.status_code == 200
    assert fetched.content == b"".join(_chunks(total))
    assert fetched.headers["Content-Type"] == "application/zip"
    unsigned = requests.get(staged.url.split("?", 1)[0], timeout=30)
    assert unsigned.status_code in (403, 404)  # private container: the SAS is what opens it


def test_staged_name_recognizes_only_its_own_uploads(azurite: Azurite) -> None:
    staging = _staging(azurite)
    staged = staging.stage("uploads/x.txt", [b"hello\n"], "text/plain")

    assert staging.staged_name(staged.url) == "uploads/x.txt"
    assert staging.staged_name(staged.url.split("?", 1)[0]) == "uploads/x.txt"
    elsewhere = staged.url.replace("/uploads/", "/records/")
    assert staging.staged_name(elsewhere) is None
    assert staging.staged_name("https://example.invalid/uploads/x.txt") is None
    assert staging.staged_name(None) is None


def test_remove_says_whether_the_blob_was_there(azurite: Azurite) -> None:
    staging = _staging(azurite)
    staged = staging.stage("uploads/y.txt", [b"a\n"], "text/plain")

    assert staging.remove(staged.name) is True
    assert requests.get(staged.url, timeout=30).status_code == 404
    assert staging.remove(staged.name) is False


def test_a_sas_connection_string_gives_no_staging(azurite: Azurite) -> None:
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    endpoint = service.url.rstrip("/")
    sas_only = f"BlobEndpoint={endpoint};SharedAccessSignature=sv=2024-08-04&sig=abc"

    assert open_staging(sas_only, "records") is None


def test_an_unreachable_account_fails_by_blob_without_the_key() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/{ACCOUNT_NAME}"  # nothing listens there
    connection_string = connection_string_for(endpoint)

    def impatient(value: str) -> BlobServiceClient:
        return BlobServiceClient.from_connection_string(value, retry_total=0,
                                                        connection_timeout=2)

    staging = open_staging(connection_string, "records", impatient)
    assert staging is not None
    with pytest.raises(StagingError) as caught:
        staging.stage("uploads/z.zip", [b"data"], "application/zip")
    message = str(caught.value)
    assert f"{endpoint}/records/uploads/z.zip: could not upload" in message
    assert "AccountKey" not in message and ACCOUNT_KEY not in message
    assert caught.value.__cause__ is None  # connection errors quote URLs: not chained
