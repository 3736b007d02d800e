"""Keyless records: an account URL and a token credential instead of a connection string,
against Azurite over https with `--oauth basic` (the contract suite runs there too, as
`blob-keyless` in conftest), and against a canned refusal for what Azurite cannot play."""

from __future__ import annotations

import uuid

import pytest
from azure.core.credentials import TokenCredential
from azure.core.exceptions import ClientAuthenticationError
from azure.storage.blob import BlobServiceClient

from speech_action.auth import SignInError, storage_credential
from speech_action.errors import RecordsError
from speech_action.records import StorageSettingsError, open_store
from speech_action.records.blob import BlobStore, default_token_client_factory
from tests.records.records_data import benchmark, result
from tests.support.azurite_oauth import AzuriteOAuth, IssuedTokens
from tests.support.canned_storage import refusing_transport


def _container() -> str:
    return f"t-{uuid.uuid4().hex[:20]}"


def _store(server: AzuriteOAuth, credential: TokenCredential, container: str,
           **options: object) -> BlobStore:
    store = open_store(
        account_url=server.account_url, credential=credential, container=container,
        token_client_factory=lambda url, cred: default_token_client_factory(
            url, cred, connection_verify=str(server.ca.ca_file), **options))
    assert isinstance(store, BlobStore)
    return store


def test_records_go_to_the_account_with_bearer_tokens_for_storage(
        azurite_oauth: AzuriteOAuth) -> None:
    container = _container()
    registered: list[str] = []
    tokens = IssuedTokens()
    store = _store(azurite_oauth, storage_credential(tokens, register_secret=registered.append),
                   container)

    location = store.write_result(result())
    snapshot = store.read_benchmark()
    store.write_benchmark(benchmark(wer=5.0), expected=snapshot)

    assert location == f"{azurite_oauth.account_url}/{container}/results/train-and-gate/" \
        "a1b2c3d-101.json"
    assert store.location == f"Azure Blob container {azurite_oauth.account_url}/{container}"
    assert tokens.scopes and set(tokens.scopes) == {("https://storage.azure.com/.default",)}
    assert registered and set(registered) <= set(tokens.issued)  # masked before use
    # What the store wrote is there for a key-holding reader too: the same account.
    service = BlobServiceClient.from_connection_string(
        azurite_oauth.connection_string, connection_verify=str(azurite_oauth.ca.ca_file))
    names = set(service.get_container_client(container).list_blob_names())
    assert {"benchmark.json", "results/train-and-gate/a1b2c3d-101.json"} <= names


@pytest.mark.parametrize(("tokens", "why"), [
    (IssuedTokens(lifetime_s=-60), "expired"),
    (IssuedTokens(audience="https://cognitiveservices.azure.com"), "Speech's audience"),
])
def test_a_refused_token_is_a_records_error_that_says_what_to_check(
        azurite_oauth: AzuriteOAuth, tokens: IssuedTokens, why: str) -> None:
    store = _store(azurite_oauth, tokens, _container(), retry_total=0)
    with pytest.raises(RecordsError) as caught:
        store.write_result(result())
    message = str(caught.value)
    assert "HTTP 403 AuthenticationFailed" in message, why
    assert "storage account `devstoreaccount1` refused the access token" in message
    assert all(token not in message for token in tokens.issued)


def test_a_missing_role_names_the_role_and_the_account() -> None:
    # Azurite checks no role; this is what a real account answers (canned_storage).
    transport, adapter = refusing_transport(
        403, "AuthorizationPermissionMismatch",
        "This request is not authorized to perform this operation using this permission.")
    tokens = IssuedTokens()
    store = open_store(
        account_url="https://myrecords.blob.core.windows.net", credential=tokens,
        container="speech-benchmarks",
        token_client_factory=lambda url, cred: default_token_client_factory(
            url, cred, transport=transport, retry_total=0))

    with pytest.raises(RecordsError) as caught:
        store.read_benchmark()

    message = str(caught.value)
    assert message.startswith("https://myrecords.blob.core.windows.net/speech-benchmarks/"
                              "benchmark.json: could not read the benchmark record (HTTP 403 "
                              "AuthorizationPermissionMismatch)")
    assert ('may not read, write and list blobs on storage account `myrecords`: assign it the '
            'role "Storage Blob Data Contributor" on the storage account') in message
    sent = adapter.requests[0].headers["Authorization"]
    assert sent == f"Bearer {tokens.issued[0]}"
    assert tokens.issued[0] not in message


def test_a_firewall_refusal_is_not_blamed_on_the_role() -> None:
    transport, _ = refusing_transport(403, "AuthorizationFailure",
                                      "This request is not authorized to perform this operation.")
    store = open_store(
        account_url="https://myrecords.blob.core.windows.net", credential=IssuedTokens(),
        token_client_factory=lambda url, cred: default_token_client_factory(
            url, cred, transport=transport, retry_total=0))
    with pytest.raises(RecordsError, match="network rules") as caught:
        store.write_result(result())
    assert "Storage Blob Data Contributor" not in str(caught.value)


def test_a_key_only_refusal_of_a_connection_string_points_to_keyless() -> None:
    transport, _ = refusing_transport(403, "KeyBasedAuthenticationNotPermitted",
                                      "Key based authentication is not permitted.")
    connection_string = ("DefaultEndpointsProtocol=https;AccountName=myrecords;AccountKey="
                         "c2VjcmV0;EndpointSuffix=core.windows.net")
    store = open_store(
        connection_string=connection_string,
        client_factory=lambda value: BlobServiceClient.from_connection_string(
            value, transport=transport, retry_total=0))
    with pytest.raises(RecordsError, match="sign in keylessly with `storage-account-url`"):
        store.read_benchmark()


@pytest.mark.parametrize(("url", "said"), [
    ("http://127.0.0.1:10000/devstoreaccount1", "is not https"),
    ("https://acct.blob.core.windows.net/?sv=2025-01-05&sig=TOPSECRET", "without a query"),
    ("https://user:TOPSECRET@acct.blob.core.windows.net", "without a query"),
    ("not a url", "without a query"),
])
def test_an_unusable_account_url_is_refused_before_any_request(url: str, said: str) -> None:
    with pytest.raises(StorageSettingsError, match=said) as caught:
        open_store(account_url=url, credential=IssuedTokens())
    assert "TOPSECRET" not in str(caught.value)


def test_settings_of_both_kinds_or_half_of_one_are_refused() -> None:
    with pytest.raises(StorageSettingsError, match="not both"):
        open_store(connection_string="UseDevelopmentStorage=true",
                   account_url="https://acct.blob.core.windows.net", credential=IssuedTokens())
    with pytest.raises(StorageSettingsError, match="needs both"):
        open_store(credential=IssuedTokens())
    with pytest.raises(StorageSettingsError, match="needs both"):
        open_store(account_url="https://acct.blob.core.windows.net")


def test_an_entra_refusal_is_a_sign_in_error_not_a_storage_error(
        azurite_oauth: AzuriteOAuth) -> None:
    class Refusing:
        def get_token_info(self, *scopes: str, options: object = None) -> object:
            raise ClientAuthenticationError("AADSTS700213: No matching federated identity "
                                            "record found for presented assertion subject")

    credential = storage_credential(Refusing(),  # type: ignore[arg-type]  # a stand-in
                                    register_secret=lambda _: None)
    store = _store(azurite_oauth, credential, _container())
    with pytest.raises(SignInError, match=r"storage\.azure\.com/\.default failed") as caught:
        store.write_result(result())
    assert "federated credential" in str(caught.value)
