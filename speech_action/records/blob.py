"""Records in an Azure Blob Storage container: `storage-connection-string`, or keyless with
`storage-account-url` and a Microsoft Entra ID token credential.

Each record is uploaded whole in one `upload_blob` call; for records this small that is
a single Put Blob request, which the service applies atomically. `benchmark.json` is
written with an ETag condition (`If-Match`, or `If-None-Match: *` when it did not exist),
so a concurrent run's update is detected instead of lost. The container is created on the
first write that finds it missing.

Messages name the account endpoint and container, never the connection string: its
account key or SAS token must not reach a log. With a token credential the SDK sends
`Authorization: Bearer` (azure-core's `BearerTokenCredentialPolicy`, https only) and the
account authorizes by Azure role: a 403 names the role and the account (`StorageAccess`).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from azure.core import MatchConditions
from azure.core.credentials import TokenCredential
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
ACCOUNT_URL_INPUT = "storage-account-url"
#: The built-in role that reads, writes, lists and deletes blobs, and (assigned on the account,
#: its resource group or subscription) may get a user delegation key (Learn, "Assign an Azure
#: role for access to blob data"; "Get User Delegation Key": Permissions).
DATA_ROLE = "Storage Blob Data Contributor"
DEFAULT_CONTAINER = "speech-benchmarks"

_CONTAINER_NAME = re.compile(r"(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]")
# A connection string names its account with one of these (keys compared lowercased, as
# the SDK does).
_ACCOUNT_KEYS = frozenset({"accountname", "blobendpoint", "usedevelopmentstorage"})

ClientFactory = Callable[[str], BlobServiceClient]
#: (account URL, token credential) -> client; tests add `connection_verify=<CA file>`.
TokenClientFactory = Callable[[str, TokenCredential], BlobServiceClient]


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


def default_token_client_factory(account_url: str, credential: TokenCredential,
                                 **transport: Any) -> BlobServiceClient:
    """As `default_client_factory`, signed in with `credential` (azure-storage-blob asks it
    for `https://storage.azure.com/.default`). `transport` adds to or overrides these options,
    e.g. `connection_verify=<CA bundle>`; without it requests' trust store applies
    (`REQUESTS_CA_BUNDLE` too)."""
    options: dict[str, Any] = {"connection_timeout": 20, "read_timeout": 60, "retry_total": 3,
                               "max_single_get_size": MAX_RECORD_BYTES + 1, **transport}
    return BlobServiceClient(account_url, credential=credential, **options)


def check_account_url(account_url: str) -> None:
    """An https URL of a Blob account, without query or user info. Never echoes a query: it
    may be a SAS token pasted into the wrong place."""
    parts = urlsplit(account_url.strip())
    if parts.query or parts.fragment or parts.username or parts.password or not parts.hostname:
        raise StorageSettingsError(
            "the storage account URL must be the account's Blob endpoint alone, such as "
            "`https://myaccount.blob.core.windows.net`, without a query, SAS token or user info")
    if parts.scheme != "https":
        # azure-core sends bearer tokens only over TLS ("Bearer token authentication is not
        # permitted for non-TLS protected (non-https) URLs"), and so does Azurite.
        raise StorageSettingsError(
            f"the storage account URL {urlunsplit(parts)} is not https: Microsoft Entra ID "
            "tokens are sent only over https (for the Azurite emulator, start it with "
            "`--oauth basic --cert <pem> --key <pem>`)")


def keyless_service(account_url: str, credential: TokenCredential,
                    factory: TokenClientFactory) -> BlobServiceClient:
    """A client of the account at `account_url`, signed in with `credential`."""
    check_account_url(account_url)
    try:
        return factory(account_url.strip().rstrip("/"), credential)
    except ValueError:
        raise StorageSettingsError(
            "the Azure SDK could not use the storage account URL: give the account's Blob "
            "endpoint, such as `https://myaccount.blob.core.windows.net`") from None


@dataclass(frozen=True)
class StorageAccess:
    """How a client signs in to the account: what a refusal tells the user to check."""

    keyless: bool = False
    account: str = ""

    def advice(self, exc: AzureError, needs: str) -> str:
        """What to check when a request that `needs` (e.g. "read, write and list") failed."""
        code = error_code(exc)
        if not self.keyless:
            if code == "KeyBasedAuthenticationNotPermitted":
                # Learn, "Prevent Shared Key authorization for an Azure Storage account".
                return (f"the storage account allows no access by key or SAS: sign in keylessly "
                        f"with `{ACCOUNT_URL_INPUT}` instead of `{CONNECTION_STRING_INPUT}`")
            return (f"check that `{CONNECTION_STRING_INPUT}` grants {needs} on the account and "
                    "that the storage account is reachable")
        return keyless_advice(exc, self.account, needs)


def keyless_advice(exc: AzureError, account: str, needs: str) -> str:
    """Advice for a token-authorized request, from the service's error code (Learn, "Blob
    Storage error codes"; "Authorize access to blobs using Microsoft Entra ID")."""
    status = exc.status_code if isinstance(exc, HttpResponseError) else None
    code = error_code(exc)
    if status == 401 or code in {"AuthenticationFailed", "InvalidAuthenticationInfo"}:
        return (f"storage account `{account}` refused the access token: check that "
                f"`{ACCOUNT_URL_INPUT}` is that account's Blob endpoint, that the account is in "
                "the tenant of `azure-tenant-id`, and the runner's clock")
    if code == "AuthorizationFailure":
        return (f"storage account `{account}` refused the request although the token is "
                "valid: usually its network rules (firewall, private endpoint) keep the runner "
                "out; allow the runner's network on the account")
    if status == 403:
        return (f"the signed-in identity (`azure-client-id`) may not {needs} blobs on storage "
                f"account `{account}`: assign it the role \"{DATA_ROLE}\" on the storage "
                "account (Access control (IAM) > Add role assignment); a new assignment can "
                "take minutes to apply")
    return f"check that storage account `{account}` is reachable"


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
    def __init__(self, container: ContainerClient, access: StorageAccess | None = None) -> None:
        self._container = container
        self._url = url_without_query(container.url)
        self._access = access or StorageAccess()

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
            if error_code(exc) == "ContainerNotFound":
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
            f"({describe_storage_error(exc)}); "
            f"{self._access.advice(exc, 'read, write and list')}"
        )


def error_code(exc: AzureError) -> str:
    """The service's error code. The SDK gives a known code as a `StorageErrorCode` (a str
    enum, whose `str()` is `StorageErrorCode.NAME` since Python 3.11), an unknown one as a
    plain string: both become the service's own spelling."""
    code = getattr(exc, "error_code", None) or ""
    return str(getattr(code, "value", code))


def describe_storage_error(exc: AzureError) -> str:
    """Status and service error code only: the SDK's own text may quote a SAS URL."""
    if isinstance(exc, HttpResponseError):
        status = exc.status_code if exc.status_code is not None else "no status"
        return f"HTTP {status} {error_code(exc) or exc.reason or ''}".strip()
    return f"{type(exc).__name__}: the storage service could not be reached"


def chainable_storage_error(exc: AzureError) -> AzureError | None:
    # Connection errors quote the request URL, which holds the SAS token of a SAS
    # connection string: do not chain those into a traceback.
    return exc if isinstance(exc, HttpResponseError) else None


class BlobStore(BackedRecordStore):
    """Records in the container `container` of the account in `connection_string`, or,
    keyless, of the account at `account_url` signed in with `credential` (an azure-core
    token credential, e.g. `speech_action.auth.storage_credential(...)`)."""

    def __init__(
        self,
        connection_string: str | None = None,
        container: str = DEFAULT_CONTAINER,
        *,
        client_factory: ClientFactory = default_client_factory,
        account_url: str | None = None,
        credential: TokenCredential | None = None,
        token_client_factory: TokenClientFactory = default_token_client_factory,
    ) -> None:
        check_container_name(container)
        service, access = blob_service(connection_string, account_url, credential,
                                       client_factory, token_client_factory)
        super().__init__(BlobBackend(service.get_container_client(container), access))


def blob_service(connection_string: str | None, account_url: str | None,
                 credential: TokenCredential | None, client_factory: ClientFactory,
                 token_client_factory: TokenClientFactory,
                 ) -> tuple[BlobServiceClient, StorageAccess]:
    """The client for either kind of settings; exactly one kind must be given."""
    if not is_keyless(connection_string, account_url, credential):
        check_connection_string(connection_string or "")
        try:
            return client_factory(connection_string or ""), StorageAccess()
        except ValueError:
            raise _bad_connection_string("the Azure SDK could not parse it") from None
    assert account_url and credential is not None  # is_keyless checked
    service = keyless_service(account_url, credential, token_client_factory)
    return service, StorageAccess(keyless=True, account=service.account_name or "")


def is_keyless(connection_string: str | None, account_url: str | None,
               credential: TokenCredential | None) -> bool:
    """True for an account URL with a credential, False for neither; both kinds at once, or
    half of the keyless one, is a StorageSettingsError."""
    if not account_url and credential is None:
        return False
    if connection_string:
        raise StorageSettingsError("give either a storage connection string or an account URL "
                                   "with a token credential, not both")
    if not account_url or credential is None:
        raise StorageSettingsError("keyless Blob access needs both the storage account URL and "
                                   "a token credential")
    return True
