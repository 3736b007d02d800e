"""speech_token_provider over real https: the GitHub token exchanged at a stand-in Entra ID
(test CA, reached through the authority host) for Speech access tokens."""

from __future__ import annotations

import logging
import time

import jwt
import pytest

from speech_action.auth import SignInError, speech_token_provider
from speech_action.redaction import Redactor
from tests.support.certs import LoopbackCa
from tests.support.entra import CLIENT_ID, TENANT_ID, EntraStandIn
from tests.support.github_oidc import GitHubOidcStandIn


def _environment(github: GitHubOidcStandIn, entra: EntraStandIn) -> dict[str, str]:
    return {**github.environment(), "AZURE_AUTHORITY_HOST": entra.authority}


def test_a_speech_token_from_the_github_token_through_the_token_endpoint_only(
        github: GitHubOidcStandIn, entra: EntraStandIn, test_ca: LoopbackCa,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    redactor = Redactor()
    provider = speech_token_provider(TENANT_ID, CLIENT_ID, _environment(github, entra),
                                     register_secret=redactor.register,
                                     ca_bundle=str(test_ca.ca_file))
    token = provider()
    claims = entra.issuer.verify(token, "https://cognitiveservices.azure.com")
    assert claims["appid"] == CLIENT_ID and claims["tid"] == TENANT_ID
    assert provider() == token  # cached, not fetched again
    # No instance discovery, no OpenID configuration: one POST to the token endpoint.
    assert entra.paths == [f"POST /{TENANT_ID}/oauth2/v2.0/token"]
    assert entra.assertions == github.issued  # the GitHub token was the client assertion
    for secret in (token, *github.issued, github.request_token):
        assert redactor.redact(secret) == "***"
        assert secret not in caplog.text


def test_short_lived_tokens_are_replaced_with_a_fresh_github_token_each_time(
        github: GitHubOidcStandIn, entra: EntraStandIn, test_ca: LoopbackCa) -> None:
    entra.lifetime_s = 2
    provider = speech_token_provider(TENANT_ID, CLIENT_ID, _environment(github, entra),
                                     register_secret=Redactor().register,
                                     ca_bundle=str(test_ca.ca_file), min_validity_s=1)
    seen = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        token = provider()
        exp = jwt.decode(token, options={"verify_signature": False})["exp"]
        assert exp > time.time()  # never handed out expired
        seen.append(token)
        time.sleep(0.25)
    assert len(set(seen)) >= 2
    assert len(github.issued) == len(entra.issued) >= 2


def test_an_unknown_subject_fails_with_the_federated_credential_advice(
        github: GitHubOidcStandIn, entra: EntraStandIn, test_ca: LoopbackCa) -> None:
    entra.subject = "repo:octo-org/speech-models:environment:production"
    provider = speech_token_provider(TENANT_ID, CLIENT_ID, _environment(github, entra),
                                     register_secret=Redactor().register,
                                     ca_bundle=str(test_ca.ca_file))
    with pytest.raises(SignInError) as caught:
        provider()
    message = str(caught.value)
    assert "AADSTS700213" in message and "federated credential" in message
    assert f"client {CLIENT_ID} of tenant {TENANT_ID}" in message
    assert not any(token in message for token in github.issued)


def test_an_unknown_client_fails_naming_the_inputs(
        github: GitHubOidcStandIn, entra: EntraStandIn, test_ca: LoopbackCa) -> None:
    provider = speech_token_provider(TENANT_ID, "11111111-2222-4333-8444-555555555555",
                                     _environment(github, entra),
                                     register_secret=Redactor().register,
                                     ca_bundle=str(test_ca.ca_file))
    with pytest.raises(SignInError, match="check azure-client-id and azure-tenant-id"):
        provider()


def test_an_authority_whose_certificate_is_not_trusted_is_refused(
        github: GitHubOidcStandIn, entra: EntraStandIn) -> None:
    provider = speech_token_provider(TENANT_ID, CLIENT_ID, _environment(github, entra),
                                     register_secret=Redactor().register)
    with pytest.raises(SignInError, match="could not be reached"):
        provider()
    assert entra.issued == []
