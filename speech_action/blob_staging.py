"""Dataset packages staged in Azure Blob, for the service to fetch by SAS `contentUrl`.

The contract's alternative to the dataset block upload, for large data: when storage is
configured, a package of at least `upload.blob-from-mb` (config file) is streamed into the
records container as `uploads/<content hash>.zip` (or `.txt`), and the dataset is created
with a read-only SAS URL of that blob. The blob is deleted once the service has imported it.
The SAS URL is a secret: callers mask it before it can be logged.

Two ways to sign the SAS:
- with a connection string, a service SAS signed with the account key; a connection string
  that carries only a SAS token gives no staging (`open_staging` returns None) and the block
  upload is used;
- keyless (account URL and a Microsoft Entra ID token credential), a user delegation SAS:
  the action gets a user delegation key (Get User Delegation Key, the identity needs
  `.../blobServices/generateUserDelegationKey/action` on the account, which "Storage Blob
  Data Contributor" includes) and signs with it (Learn, "Create a user delegation SAS").
  Such a SAS never outlives the key, grants no more than the identity's role allows, and is
  revoked with the identity's delegation keys; no account key exists anywhere in the run.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from azure.core.credentials import TokenCredential
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.storage.blob import (
    BlobSasPermissions,
    BlobServiceClient,
    ContainerClient,
    ContentSettings,
    UserDelegationKey,
    generate_blob_sas,
)

from speech_action.errors import SpeechActionError
from speech_action.records.blob import (
    DATA_ROLE,
    DEFAULT_CONTAINER,
    StorageAccess,
    TokenClientFactory,
    chainable_storage_error,
    describe_storage_error,
    error_code,
    is_keyless,
    keyless_advice,
    keyless_service,
    url_without_query,
)

STAGING_PREFIX = "uploads/"
#: How long an account-key SAS lets the service start fetching; imports begin within minutes.
SAS_VALIDITY = timedelta(hours=12)
#: How long a user delegation SAS is valid. It must cover the time from the upload until the
#: service fetches the package, which it does when the import starts. The action waits for
#: that import at most `timeout-minutes` (default 300), and a job on a GitHub-hosted runner
#: runs at most 6 hours (GitHub Docs, Actions usage limits, "Job execution time"): 6 hours
#: covers every wait of such a run, half the account-key SAS. A caller that waits longer
#: (self-hosted runners) passes its own `sas_validity` (a week at most: the key's limit).
DELEGATION_SAS_VALIDITY = timedelta(hours=6)
#: The delegation key is fetched before the upload (a missing role fails before gigabytes are
#: sent) and valid this much longer than the SAS, so an upload of up to an hour still signs
#: with it; a longer upload fetches a second key.
UPLOAD_ALLOWANCE = timedelta(hours=1)
#: The service refuses a delegation key that expires more than 7 days ahead (Learn, "Get User
#: Delegation Key": request body, `Expiry`); a SAS never outlives its key.
KEY_LIFETIME_LIMIT = timedelta(days=7)
#: Tolerated clock skew between this machine and the storage service.
_CLOCK_SKEW = timedelta(minutes=5)
#: One block in memory at a time, as in the block upload to the Speech service.
BLOCK_SIZE = 8 * 1024 * 1024
#: Get User Delegation Key needs this action at the scope of the account (Learn, "Get User
#: Delegation Key", Permissions): the built-in roles Storage Blob Data Contributor, Owner and
#: Reader and Storage Blob Delegator include it; a role assigned on a container does not count.
DELEGATION_ACTION = (
    "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action")

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


class SasSigner(Protocol):
    """Signs a read-only SAS token for one blob of a container."""

    def prepare(self, now: datetime) -> None:
        """Called before the upload: fail early on what would fail the signing."""

    def sign(self, container: ContainerClient, name: str, now: datetime) -> str: ...


@dataclass(frozen=True)
class AccountKeySigner:
    """A service SAS signed with the account key of a connection string."""

    account_key: str
    validity: timedelta = SAS_VALIDITY

    def prepare(self, now: datetime) -> None:
        pass  # signing needs no request

    def sign(self, container: ContainerClient, name: str, now: datetime) -> str:
        return generate_blob_sas(
            account_name=container.account_name or "", container_name=container.container_name,
            blob_name=name, account_key=self.account_key,
            permission=BlobSasPermissions(read=True),
            start=now - _CLOCK_SKEW, expiry=now + self.validity,
        )


class DelegationSigner:
    """A user delegation SAS, signed with a user delegation key of the signed-in identity.

    The key (its `value` signs SAS tokens) and each signature are handed to `register_secret`
    before anything could print them.
    """

    def __init__(self, service: BlobServiceClient, *, register_secret: Callable[[str], object],
                 validity: timedelta = DELEGATION_SAS_VALIDITY) -> None:
        self._service = service
        self._register = register_secret
        self._validity = validity
        self._key: UserDelegationKey | None = None
        self._key_expiry = datetime.min.replace(tzinfo=UTC)

    def prepare(self, now: datetime) -> None:
        self._fetch(now, now + min(self._validity + UPLOAD_ALLOWANCE, KEY_LIFETIME_LIMIT))

    def sign(self, container: ContainerClient, name: str, now: datetime) -> str:
        expiry = now + min(self._validity, KEY_LIFETIME_LIMIT)
        if self._key is None or self._key_expiry < expiry:
            self._fetch(now, expiry)
        assert self._key is not None  # _fetch sets it or raises
        token = generate_blob_sas(
            account_name=container.account_name or "", container_name=container.container_name,
            blob_name=name, user_delegation_key=self._key,
            permission=BlobSasPermissions(read=True),
            start=now - _CLOCK_SKEW, expiry=expiry,
        )
        self._register(parse_qs(token)["sig"][0])
        return token

    def _fetch(self, now: datetime, expiry: datetime) -> None:
        key = self._service.get_user_delegation_key(now - _CLOCK_SKEW, expiry)
        if key.value:
            self._register(key.value)
        self._key, self._key_expiry = key, expiry


def default_staging_client(connection_string: str) -> BlobServiceClient:
    """Streams in 8 MiB blocks: the SDK would otherwise hold up to 64 MiB for one Put Blob."""
    return BlobServiceClient.from_connection_string(
        connection_string, connection_timeout=20, read_timeout=120, retry_total=3,
        max_single_put_size=BLOCK_SIZE, max_block_size=BLOCK_SIZE,
    )


def default_staging_token_client(account_url: str, credential: TokenCredential,
                                 **transport: Any) -> BlobServiceClient:
    """As `default_staging_client`, signed in with `credential`; `transport` as in
    `records.blob.default_token_client_factory`."""
    options: dict[str, Any] = {"connection_timeout": 20, "read_timeout": 120, "retry_total": 3,
                               "max_single_put_size": BLOCK_SIZE, "max_block_size": BLOCK_SIZE,
                               **transport}
    return BlobServiceClient(account_url, credential=credential, **options)


def open_staging(connection_string: str | None = None, container: str = DEFAULT_CONTAINER,
                 client_factory: StagingClientFactory = default_staging_client, *,
                 account_url: str | None = None, credential: TokenCredential | None = None,
                 token_client_factory: TokenClientFactory = default_staging_token_client,
                 register_secret: Callable[[str], object] | None = None,
                 sas_validity: timedelta | None = None) -> BlobStaging | None:
    """Staging in `container`: with `connection_string`, signed with its account key (None
    when it has none); keyless with `account_url` and `credential`, signed with user
    delegation keys, which (like the signatures) go to `register_secret` before use."""
    if is_keyless(connection_string, account_url, credential):
        assert account_url and credential is not None  # is_keyless checked
        service = keyless_service(account_url, credential, token_client_factory)
        signer = DelegationSigner(service, register_secret=register_secret or _ignore,
                                  validity=sas_validity or DELEGATION_SAS_VALIDITY)
        access = StorageAccess(keyless=True, account=service.account_name or "")
        return BlobStaging(service.get_container_client(container), signer, access)
    service = client_factory(connection_string or "")
    account_key = getattr(service.credential, "account_key", None)
    if not account_key:
        return None
    return BlobStaging(service.get_container_client(container),
                       AccountKeySigner(str(account_key), sas_validity or SAS_VALIDITY))


def _ignore(_secret: str) -> None:
    """No registry given: the caller masks the URL and signature (`StagedPackage`)."""


class BlobStaging:
    def __init__(self, container: ContainerClient, signer: SasSigner | str,
                 access: StorageAccess | None = None, *,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._container = container
        # A bare string is an account key: the form of the connection-string staging.
        self._signer = AccountKeySigner(signer) if isinstance(signer, str) else signer
        self._access = access or StorageAccess()
        self._clock = clock
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
            self._signer.prepare(self._clock())
        except AzureError as exc:
            raise self._error(_KEY_ACTION, name, exc) from chainable_storage_error(exc)
        try:
            self._ensure_container()
            blob.upload_blob(counted(), overwrite=True, max_concurrency=1,
                             content_settings=ContentSettings(content_type=content_type))
        except AzureError as exc:
            raise self._error("upload", name, exc) from chainable_storage_error(exc)
        try:
            token = self._signer.sign(self._container, name, self._clock())
        except AzureError as exc:
            raise self._error(_KEY_ACTION, name, exc) from chainable_storage_error(exc)
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
        if action == _KEY_ACTION:
            advice = delegation_advice(exc, self._access.account)
        else:
            advice = self._access.advice(exc, "write and delete")
        return StagingError(
            f"{self._url}/{name}: could not {action} the staged dataset package "
            f"({describe_storage_error(exc)}); {advice}, or raise `upload.blob-from-mb` in "
            "the config file to use the block upload"
        )


_KEY_ACTION = "get a user delegation key to sign a read-only URL of"


def delegation_advice(exc: AzureError, account: str) -> str:
    """What a refused Get User Delegation Key needs: the action at the account's scope."""
    refused_by_role = (isinstance(exc, HttpResponseError) and exc.status_code == 403
                       and error_code(exc) not in _NOT_ROLE_CODES)
    if not refused_by_role:
        return keyless_advice(exc, account, "write and delete")
    return (f"the signed-in identity (`azure-client-id`) may not get a user delegation key of "
            f"storage account `{account}`: that needs {DELEGATION_ACTION} at the scope of the "
            f"storage account (or its resource group or subscription); \"{DATA_ROLE}\" "
            "assigned on the account includes it, but a role assigned on the container only "
            "does not (then also assign \"Storage Blob Delegator\" on the account)")


# Refusals that are not about the identity's role (keyless_advice explains them).
_NOT_ROLE_CODES = frozenset({"AuthenticationFailed", "InvalidAuthenticationInfo",
                             "AuthorizationFailure"})
