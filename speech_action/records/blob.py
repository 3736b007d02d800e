"""Records in an Azure Blob Storage container (`storage-connection-string`).

Each record is uploaded whole in one `upload_blob` call; for records this small that is
a single Put Blob request, which the service applies atomically. `benchmark.json` is
written with an ETag condition (`If-Match`, or `If-None-Match: *` when it did not exist),
so a concurrent run's update is detected instead of lost. The container is created on the
first write that finds it missing.

Messages name the account endpoint and container, never the connection string: its
account key or SAS token must not reach a log.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob import BlobServiceClient, ContainerClient, ContentSettings

from speech_action.errors import RecordsError
from speech_action.records.models import MAX_RECORD_BYTES, too_large
from speech_action.records.store import (
    BackedRecordStore,
    Listed,
    PreconditionFailed,
    Stored,
    as_utc,
)

#: Named in the advice of storage errors; the config layer names inputs of bad settings.
CONNECTION_STRING_INPUT = "storage-connection-string"
DEFAULT_CONTAINER = "speech-benchmarks"

_CONTAINER_NAME = re.compile(r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
# A connection string names its account with one of these (keys compared lowercased, as
# the SDK does).
_ACCOUNT_KEYS = frozenset({"accountname", "blobendpoint", "usedevelopmentstorage"})

ClientFactory = Callable[[str], BlobServiceClient]


class StorageSettingsError(RecordsError):
    """A connection string or container name that cannot work. The message says why and
    never echoes the connection string; `config` checks the same rules and names the input."""


def default_client_factory(connection_string: str) -> BlobServiceClient:
    """A client with bounded timeouts and retries (the SDK's policy retries 5xx, 429 and
    connection errors with backoff; its default of 10 tries is too patient for a CI step).

    A download's first GET reads up to `max_single_get_size` bytes (the SDK's default is
    32 MiB) before the blob's size is known: at one byte over a record's limit, `read`
    refuses an oversized blob having read no more than that."""
    return BlobServiceClient.from_connection_string(
        connection_string, connection_timeout=20, read_timeout=60, retry_total=3,
        max_single_get_size=MAX_RECORD_BYTES + 1,
    )


def check_connection_string(connection_string: str) -> None:
    """Reject what the SDK would only fail on later (no account, no credential, a key that
    is not base64), with a message that never echoes the value."""
    settings = _parse_connection_string(connection_string)
    if not settings.keys() & _ACCOUNT_KEYS:
        raise _bad_connection_string(
            "it names no account (AccountName, BlobEndpoint or UseDevelopmentStorage)")
    if settings.get("usedevelopmentstorage", "").lower() == "true":
        return
    key = settings.get("accountkey")
    if key is None and "sharedaccesssignature" not in settings:
        raise _bad_connection_string("it has neither an AccountKey nor a SharedAccessSignature")
    if key is not None:
        try:
            base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError):
            raise _bad_connection_string("its AccountKey is not valid base64") from None


def check_container_name(container: str) -> None:
    """The service's naming rule, checked before any request."""
    if not _CONTAINER_NAME.fullmatch(container):
        raise StorageSettingsError(
            f"`{container}` is not a valid blob container name: 3-63 lowercase letters, "
            "digits and single hyphens, starting and ending with a letter or digit"
        )


def _parse_connection_string(connection_string: str) -> dict[str, str]:
    pairs = [part for part in connection_string.strip().split(";") if part.strip()]
    if not pairs or any("=" not in part for part in pairs):
        raise _bad_connection_string("it is empty or not of the form `Name=value;Name=value`")
    return {
        name.strip().lower(): value.strip()
        for name, value in (part.split("=", 1) for part in pairs)
    }


def _bad_connection_string(why: str) -> StorageSettingsError:
    return StorageSettingsError(
        f"this is not a usable Azure Storage connection string: {why}. Copy it from the "
        "storage account's 'Access keys' page (`DefaultEndpointsProtocol=https;"
        "AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net`)"
    )


def url_without_query(url: str) -> str:
    """A URL without its query: a SAS token lives there."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


class BlobBackend:
    def __init__(self, container: ContainerClient) -> None:
        self._container = container
        self._url = url_without_query(container.url)

    @property
    def location(self) -> str:
        return f"Azure Blob container {self._url}"

    def where(self, name: str) -> str:
        return f"{self._url}/{name}"

    def read(self, name: str) -> Stored | None:
        try:
            downloader = self._container.get_blob_client(name).download_blob()
            if downloader.size > MAX_RECORD_BYTES:
                raise too_large(self.where(name))
            data = downloader.readall()
        except ResourceNotFoundError:
            return None
        except AzureError as exc:
            raise self._error("read", name, exc) from chainable_storage_error(exc)
        return Stored(data=data, etag=str(downloader.properties.etag))

    def write(self, name: str, data: bytes, *, if_match: str | None = None,
              if_absent: bool = False) -> str:
        try:
            return self._upload(name, data, if_match=if_match, if_absent=if_absent)
        except ResourceNotFoundError as exc:
            if _error_code(exc) == "ContainerNotFound":
                self._create_container()
                return self._upload(name, data, if_match=if_match, if_absent=if_absent)
            if if_match is not None:
                raise PreconditionFailed(name) from None  # deleted since it was read
            raise self._error("write", name, exc) from exc

    def list_entries(self, prefix: str) -> list[Listed]:
        # List Blobs returns each blob's Last-Modified, set by the service when the blob
        # was last written ("Any operation that modifies the blob ... changes the
        # last-modified time", learn.microsoft.com/rest/api/storageservices/list-blobs
        # and .../get-blob-properties): the store's clock, not the writer's.
        try:
            return sorted(
                (Listed(str(blob.name), as_utc(blob.last_modified))
                 for blob in self._container.list_blobs(name_starts_with=prefix)),
                key=lambda entry: entry.name,
            )
        except ResourceNotFoundError:
            return []
        except AzureError as exc:
            raise self._error("list", prefix, exc) from chainable_storage_error(exc)

    def _upload(self, name: str, data: bytes, *, if_match: str | None, if_absent: bool) -> str:
        # Put Blob honours the conditional headers: `If-Match: <etag>` writes only over
        # that version, `If-None-Match: *` (the SDK's overwrite=False) only where no blob
        # exists; otherwise the service answers 412 or 409 and writes nothing
        # (learn.microsoft.com/rest/api/storageservices/
        # specifying-conditional-headers-for-blob-service-operations).
        conditions: dict[str, Any] = {"overwrite": not if_absent}
        if if_match is not None:
            conditions.update(etag=if_match, match_condition=MatchConditions.IfNotModified)
        try:
            reply = self._container.get_blob_client(name).upload_blob(
                data,
                content_settings=ContentSettings(content_type="application/json"),
                **conditions,
            )
        except (ResourceModifiedError, ResourceExistsError):
            raise PreconditionFailed(name) from None
        except ResourceNotFoundError:
            raise
        except AzureError as exc:
            raise self._error("write", name, exc) from chainable_storage_error(exc)
        return str(reply["etag"])

    def _create_container(self) -> None:
        try:
            self._container.create_container()
        except ResourceExistsError:
            pass  # another run created it meanwhile: fine
        except AzureError as exc:
            raise self._error("create the container", "", exc) from chainable_storage_error(exc)

    def _error(self, action: str, name: str, exc: AzureError) -> RecordsError:
        target = self.where(name) if name else self._url
        return RecordsError(
            f"{target}: could not {action} the benchmark record "
            f"({describe_storage_error(exc)}); check "
            f"that `{CONNECTION_STRING_INPUT}` grants read, write and list on the account "
            "and that the storage account is reachable"
        )


def _error_code(exc: AzureError) -> str:
    return str(getattr(exc, "error_code", "") or "")


def describe_storage_error(exc: AzureError) -> str:
    """Status and service error code only: the SDK's own text may quote a SAS URL."""
    if isinstance(exc, HttpResponseError):
        status = exc.status_code if exc.status_code is not None else "no status"
        return f"HTTP {status} {_error_code(exc) or exc.reason or ''}".strip()
    return f"{type(exc).__name__}: the storage service could not be reached"


def chainable_storage_error(exc: AzureError) -> AzureError | None:
    # Connection errors quote the request URL, which holds the SAS token of a SAS
    # connection string: do not chain those into a traceback.
    return exc if isinstance(exc, HttpResponseError) else None


class BlobStore(BackedRecordStore):
    """Records in the container `container` of the account in `connection_string`."""

    def __init__(
        self,
        connection_string: str,
        container: str = DEFAULT_CONTAINER,
        *,
        client_factory: ClientFactory = default_client_factory,
    ) -> None:
        check_connection_string(connection_string)
        check_container_name(container)
        try:
            service = client_factory(connection_string)
        except ValueError:
            raise _bad_connection_string("the Azure SDK could not parse it") from None
        super().__init__(BlobBackend(service.get_container_client(container)))
