"""Dataset packages staged in Azure Blob, for the service to fetch by SAS `contentUrl`.

The contract's alternative to the dataset block upload, for large data: when a storage
connection string is given, a package of at least `upload.blob-from-mb` (config file) is
streamed into the records container as `uploads/<content hash>.zip` (or `.txt`), and the
dataset is created with a read-only SAS URL of that blob. The blob is deleted once the
service has imported it. The SAS URL is a secret: callers mask it before it can be logged.

A SAS is signed with the account key, so a connection string that carries only a SAS
token gives no staging (`open_staging` returns None) and the block upload is used.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import (
    BlobSasPermissions,
    BlobServiceClient,
    ContainerClient,
    ContentSettings,
    generate_blob_sas,
)

from speech_action.errors import SpeechActionError
from speech_action.records.blob import (
    CONNECTION_STRING_INPUT,
    chainable_storage_error,
    describe_storage_error,
    url_without_query,
)

STAGING_PREFIX = "uploads/"
#: How long the service may take to start fetching; imports begin within minutes.
SAS_VALIDITY = timedelta(hours=12)
#: Tolerated clock skew between this machine and the storage service.
_CLOCK_SKEW = timedelta(minutes=5)
#: One block in memory at a time, as in the block upload to the Speech service.
BLOCK_SIZE = 8 * 1024 * 1024

StagingClientFactory = Callable[[str], BlobServiceClient]


class StagingError(SpeechActionError):
    """Staging a package in Blob failed; the message names the blob, never the secret."""


@dataclass(frozen=True)
class StagedPackage:
    name: str
    url: str
    """The blob's URL with a read-only SAS token: a secret."""
    size: int

    @property
    def signature(self) -> str:
        """The SAS token's signature (decoded): the part that grants access."""
        return parse_qs(urlsplit(self.url).query)["sig"][0]


def default_staging_client(connection_string: str) -> BlobServiceClient:
    """Streams in 8 MiB blocks: the SDK would otherwise hold up to 64 MiB for one Put Blob."""
    return BlobServiceClient.from_connection_string(
        connection_string, connection_timeout=20, read_timeout=120, retry_total=3,
        max_single_put_size=BLOCK_SIZE, max_block_size=BLOCK_SIZE,
    )


def open_staging(connection_string: str, container: str,
                 client_factory: StagingClientFactory = default_staging_client,
                 ) -> BlobStaging | None:
    """Staging in `container`, or None when the connection string has no account key."""
    service = client_factory(connection_string)
    account_key = getattr(service.credential, "account_key", None)
    if not account_key:
        return None
    return BlobStaging(service.get_container_client(container), str(account_key))


class BlobStaging:
    def __init__(self, container: ContainerClient, account_key: str) -> None:
        self._container = container
        self._account_key = account_key
        self._url = url_without_query(container.url)

    @property
    def location(self) -> str:
        return f"Azure Blob container {self._url}"

    def staged_name(self, content_url: str | None) -> str | None:
        """The staged blob a dataset's `contentUrl` points to, if it is one of ours."""
        if not content_url:
            return None
        prefix = f"{self._url}/{STAGING_PREFIX}"
        plain = url_without_query(content_url)
        return plain[len(self._url) + 1:] if plain.startswith(prefix) else None

    def stage(self, name: str, chunks: Iterable[bytes], content_type: str) -> StagedPackage:
        """Upload the chunks as blob `name` (replacing it), and sign a read-only URL."""
        blob = self._container.get_blob_client(name)
        sent = 0

        def counted() -> Iterable[bytes]:
            nonlocal sent
            for chunk in chunks:
                sent += len(chunk)
                yield chunk

        try:
            self._ensure_container()
            blob.upload_blob(counted(), overwrite=True, max_concurrency=1,
                             content_settings=ContentSettings(content_type=content_type))
        except AzureError as exc:
            raise self._error("upload", name, exc) from chainable_storage_error(exc)
        now = datetime.now(UTC)
        token = generate_blob_sas(
            account_name=self._container.account_name or "",
            container_name=self._container.container_name,
            blob_name=name,
            account_key=self._account_key,
            permission=BlobSasPermissions(read=True),
            start=now - _CLOCK_SKEW,
            expiry=now + SAS_VALIDITY,
        )
        return StagedPackage(name, f"{self._url}/{name}?{token}", sent)

    def remove(self, name: str) -> bool:
        """Delete a staged blob; False if it was already gone (which is fine)."""
        try:
            self._container.delete_blob(name)
        except ResourceNotFoundError:
            return False
        except AzureError as exc:
            raise self._error("delete", name, exc) from chainable_storage_error(exc)
        return True

    def _ensure_container(self) -> None:
        with contextlib.suppress(ResourceExistsError):  # the usual case after the first
            self._container.create_container()

    def _error(self, action: str, name: str, exc: AzureError) -> StagingError:
        return StagingError(
            f"{self._url}/{name}: could not {action} the staged dataset package "
            f"({describe_storage_error(exc)}); check that `{CONNECTION_STRING_INPUT}` grants "
            "write and delete on the account, or raise `upload.blob-from-mb` in the config "
            "file to use the block upload"
        )
