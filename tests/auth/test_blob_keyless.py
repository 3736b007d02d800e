"""Keyless Blob end to end over loopback: the job's GitHub OIDC token (stand-in, as this
folder's fixtures) exchanged by azure-identity at a stand-in Entra ID (https, test CA) for
Storage tokens, which Azurite (https, `--oauth basic`) checks for issuer, audience and expiry.
One sign-in serves Speech and Blob; tokens that expire between requests are replaced; no token
reaches a log."""

from __future__ import annotations

import logging
import time
import uuid

import jwt
import pytest
import requests

from speech_action.auth import speech_token_provider, storage_credential
from speech_action.blob_staging import default_staging_token_client, open_staging
from speech_action.records import RecordConflictError, open_store
from speech_action.records.blob import default_token_client_factory
from speech_action.redaction import Redactor
from tests.records.records_data import benchmark, result
from tests.support.azurite_oauth import AzuriteOAuth, IssuedTokens
from tests.support.certs import LoopbackCa
from tests.support.entra import CLIENT_ID, TENANT_ID, EntraStandIn
from tests.support.github_oidc import GitHubOidcStandIn


def test_records_and_staging_with_the_speech_sign_in_and_short_lived_tokens(
        github: GitHubOidcStandIn, entra: EntraStandIn, test_ca: LoopbackCa,
        azurite_oauth: AzuriteOAuth, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    redactor = Redactor()
    entra.lifetime_s = 2  # every token expires before the next step
    provider = speech_token_provider(
        TENANT_ID, CLIENT_ID, {**github.environment(), "AZURE_AUTHORITY_HOST": entra.authority},
        register_secret=redactor.register, ca_bundle=str(test_ca.ca_file), min_validity_s=1)
    # The wiring the app does: the Speech provider's sign-in, for Blob.
    credential = storage_credential(provider, register_secret=redactor.register)
    verify = str(azurite_oauth.ca.ca_file)
    container = f"e2e-{uuid.uuid4().hex[:16]}"
    store = open_store(
        account_url=azurite_oauth.account_url, credential=credential, container=container,
        token_client_factory=lambda url, cred: default_token_client_factory(
            url, cred, connection_verify=verify))
    staging = open_staging(
        account_url=azurite_oauth.account_url, credential=credential, container=container,
        register_secret=redactor.register,
        token_client_factory=lambda url, cred: default_staging_token_client(
            url, cred, connection_verify=verify))
    assert staging is not None

    speech_token = provider()
    first = store.read_benchmark()
    store.write_benchmark(benchmark(wer=7.0), expected=first)
    time.sleep(2.5)  # the Storage token has expired: azure-identity must sign in again
    store.write_result(result())
    with pytest.raises(RecordConflictError):  # the ETag condition holds keylessly too
        store.write_benchmark(benchmark(wer=6.0), expected=first)
    assert store.read_benchmark().record == benchmark(wer=7.0)
    staged = staging.stage("uploads/e2e.txt", [b"GoDrive rents cars.\n"], "text/plain")
    fetched = requests.get(staged.url, verify=verify, timeout=30)
    assert fetched.content == b"GoDrive rents cars.\n"
    assert staging.remove(staged.name)

    audiences = [jwt.decode(t, options={"verify_signature": False})["aud"]
                 for t in entra.issued]
    assert audiences.count("https://storage.azure.com") >= 2  # renewed after expiry
    assert "https://cognitiveservices.azure.com" in audiences
    assert entra.assertions == github.issued  # a fresh GitHub token for every sign-in
    secrets = [*entra.issued, *github.issued, github.request_token, speech_token,
               staged.signature]
    for secret in secrets:
        assert redactor.redact(secret) == "***"
        assert secret not in caplog.text


def test_the_storage_credential_serves_both_azure_core_protocols() -> None:
    registered: list[str] = []
    tokens = IssuedTokens()
    credential = storage_credential(tokens, register_secret=registered.append)

    older = credential.get_token("https://storage.azure.com/.default", tenant_id=TENANT_ID)
    newer = credential.get_token_info()  # no scope asked: Storage's

    assert registered == [older.token, newer.token] == tokens.issued
    assert tokens.scopes == [("https://storage.azure.com/.default",)] * 2
    assert older.expires_on > time.time()
