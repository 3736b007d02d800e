"""Keyless staging: a user delegation SAS for `contentUrl`, against Azurite over https with
`--oauth basic` (which serves Get User Delegation Key and checks such SAS signatures)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from azure.core.credentials import TokenCredential

from speech_action.blob_staging import (
    DELEGATION_SAS_VALIDITY,
    BlobStaging,
    DelegationSigner,
    StagingError,
    default_staging_token_client,
    open_staging,
)
from speech_action.records import StorageSettingsError
from speech_action.records.blob import StorageAccess
from tests.support.azurite_oauth import AzuriteOAuth, IssuedTokens
from tests.support.canned_storage import refusing_transport


def _open(server: AzuriteOAuth, credential: TokenCredential, secrets: list[str],
          sas_validity: timedelta | None = None) -> BlobStaging:
    staging = open_staging(
        account_url=server.account_url, credential=credential,
        container=f"t-{uuid.uuid4().hex[:20]}", register_secret=secrets.append,
        sas_validity=sas_validity,
        token_client_factory=lambda url, cred: default_staging_token_client(
            url, cred, connection_verify=str(server.ca.ca_file)))
    assert staging is not None
    return staging


def _query(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def _when(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def test_a_staged_package_opens_by_its_user_delegation_sas_for_reading_only(
        azurite_oauth: AzuriteOAuth) -> None:
    verify = str(azurite_oauth.ca.ca_file)
    secrets: list[str] = []
    tokens = IssuedTokens()
    staging = _open(azurite_oauth, tokens, secrets)
    before = datetime.now(UTC)

    staged = staging.stage("uploads/abc.zip", [b"PK\x03\x04", b"rest"], "application/zip")

    fetched = requests.get(staged.url, verify=verify, timeout=30)  # anonymous: no token
    assert (fetched.status_code, fetched.content) == (200, b"PK\x03\x04rest")
    assert fetched.headers["Content-Type"] == "application/zip"
    sas = _query(staged.url)
    assert sas["sp"] == "r" and sas["sr"] == "b"  # read, one blob
    assert sas["skoid"] == tokens.object_id and sas["sktid"]  # signed by the identity's key
    expiry = _when(sas["se"])
    assert before + DELEGATION_SAS_VALIDITY - timedelta(minutes=1) <= expiry
    assert expiry <= datetime.now(UTC) + DELEGATION_SAS_VALIDITY
    assert _when(sas["ske"]) >= expiry  # the key outlives the SAS it signs
    assert staged.signature in secrets  # registered before returned
    assert len(secrets) == 2  # and the delegation key's value
    assert all(token not in staged.url for token in tokens.issued)

    for method in ("PUT", "DELETE"):
        refused = requests.request(method, staged.url, data=b"x", verify=verify, timeout=30,
                                   headers={"x-ms-blob-type": "BlockBlob"})
        assert refused.status_code == 403, method
    unsigned = requests.get(staged.url.split("?", 1)[0], verify=verify, timeout=30)
    assert unsigned.status_code in (401, 403, 404)
    signed, _, _ = staged.url.partition("&sig=")
    forged = f"{signed}&sig={'A' * 43}%3D"  # well-formed, not the signature
    assert requests.get(forged, verify=verify, timeout=30).status_code == 403


def test_staged_name_and_remove_work_keylessly(azurite_oauth: AzuriteOAuth) -> None:
    staging = _open(azurite_oauth, IssuedTokens(), [])
    staged = staging.stage("uploads/x.txt", [b"hello\n"], "text/plain")

    assert staging.staged_name(staged.url) == "uploads/x.txt"
    assert staging.remove(staged.name) is True
    gone = requests.get(staged.url, verify=str(azurite_oauth.ca.ca_file), timeout=30)
    assert gone.status_code == 404
    assert staging.remove(staged.name) is False


def test_the_sas_validity_can_be_shortened(azurite_oauth: AzuriteOAuth) -> None:
    staging = _open(azurite_oauth, IssuedTokens(), [], sas_validity=timedelta(minutes=30))
    staged = staging.stage("uploads/short.txt", [b"a"], "text/plain")
    assert _when(_query(staged.url)["se"]) <= datetime.now(UTC) + timedelta(minutes=30)


def test_an_upload_longer_than_the_allowance_signs_with_a_fresh_key(
        azurite_oauth: AzuriteOAuth) -> None:
    client = default_staging_token_client(azurite_oauth.account_url, IssuedTokens(),
                                          connection_verify=str(azurite_oauth.ca.ca_file))
    asked: list[datetime] = []
    real = client.get_user_delegation_key

    def counting(start: datetime, expiry: datetime) -> object:
        asked.append(expiry)
        return real(start, expiry)

    client.get_user_delegation_key = counting  # type: ignore[method-assign]
    now = datetime.now(UTC)
    times: Iterator[datetime] = iter([now, now + timedelta(hours=2)])  # before, after upload
    staging = BlobStaging(client.get_container_client(f"t-{uuid.uuid4().hex[:20]}"),
                          DelegationSigner(client, register_secret=lambda _: None),
                          StorageAccess(keyless=True, account="devstoreaccount1"),
                          clock=lambda: next(times))

    staged = staging.stage("uploads/slow.txt", [b"slow"], "text/plain")

    assert len(asked) == 2  # the first key would expire before the SAS: a second one
    assert _when(_query(staged.url)["ske"]) >= _when(_query(staged.url)["se"])


def test_a_missing_delegation_permission_fails_before_the_upload() -> None:
    transport, adapter = refusing_transport(
        403, "AuthorizationPermissionMismatch",
        "This request is not authorized to perform this operation using this permission.")
    staging = open_staging(
        account_url="https://mydata.blob.core.windows.net", credential=IssuedTokens(),
        container="speech-benchmarks",
        token_client_factory=lambda url, cred: default_staging_token_client(
            url, cred, transport=transport, retry_total=0))
    assert staging is not None

    with pytest.raises(StagingError) as caught:
        staging.stage("uploads/big.zip", [b"never sent"], "application/zip")

    message = str(caught.value)
    assert message.startswith("https://mydata.blob.core.windows.net/speech-benchmarks/uploads/"
                              "big.zip: could not get a user delegation key")
    assert "Microsoft.Storage/storageAccounts/blobServices/generateUserDelegationKey/action" \
        in message
    assert '"Storage Blob Data Contributor" assigned on the account includes it' in message
    assert "storage account `mydata`" in message
    assert [r.url for r in adapter.requests] == [
        "https://mydata.blob.core.windows.net/?restype=service&comp=userdelegationkey"]


def test_a_missing_data_role_on_upload_names_the_role() -> None:
    transport, _ = refusing_transport(403, "AuthorizationPermissionMismatch", "refused")
    staging = open_staging(
        account_url="https://mydata.blob.core.windows.net", credential=IssuedTokens(),
        token_client_factory=lambda url, cred: default_staging_token_client(
            url, cred, transport=transport, retry_total=0))
    assert staging is not None
    with pytest.raises(StagingError, match='"Storage Blob Data Contributor"'):
        staging.remove("uploads/old.zip")


def test_keyless_staging_needs_both_settings_and_not_a_connection_string() -> None:
    with pytest.raises(StorageSettingsError, match="not both"):
        open_staging("UseDevelopmentStorage=true", "records",
                     account_url="https://acct.blob.core.windows.net", credential=IssuedTokens())
    with pytest.raises(StorageSettingsError, match="needs both"):
        open_staging(account_url="https://acct.blob.core.windows.net")
    with pytest.raises(StorageSettingsError, match="is not https"):
        open_staging(account_url="http://127.0.0.1:10000/devstoreaccount1",
                     credential=IssuedTokens())
