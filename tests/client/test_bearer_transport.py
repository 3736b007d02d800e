"""A client built with a token provider sends `Authorization: Bearer <token>` under the key's
rules: only to the configured origin, over https (http only to loopback), never along a
redirect; a 401/403 names the role and the resource (issue 17).
"""

from __future__ import annotations

import pytest

from speech_action.client import AuthenticationError, RetryPolicy, SpeechClient
from speech_action.client.transport import KEY_HEADER, RedirectRefusedError
from speech_action.errors import ConfigError
from tests.client.conftest import Harness

EP = "https://contoso-speech.cognitiveservices.azure.com"
DS = "9d5f4100-5f8e-4dd6-bd83-9bbbf50d57f1"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJjb2duaXRpdmUifQ.c2lnbmF0dXJlLXNlY3JldC10b2tlbg"
BLOB = "https://acct.blob.core.windows.net/results/r.json?sv=2025-01-05&sig=abc"


class Tokens:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        return f"{TOKEN}{self.calls}"


def _client(harness: Harness, tokens: Tokens, endpoint: str = EP) -> SpeechClient:
    return SpeechClient(endpoint, None, session=harness.session,
                        retry=RetryPolicy(random=lambda: 0.0), sleep=harness.time.sleep,
                        clock=harness.time.clock, token_provider=tokens)


def _url(path: str) -> str:
    return f"{EP}/speechtotext{path}?api-version=2025-10-15"


def test_the_token_goes_to_the_endpoint_as_bearer_and_a_fresh_one_each_request(
        harness: Harness) -> None:
    tokens = Tokens()
    harness.adapter.register_uri("GET", _url(f"/datasets/{DS}"), status_code=503)
    with pytest.raises(Exception, match="HTTP 503"):
        _client(harness, tokens).get_dataset(DS)
    sent = harness.sent()
    assert len(sent) > 1  # retried
    assert [r.headers["Authorization"] for r in sent] == [
        f"Bearer {TOKEN}{n}" for n in range(1, len(sent) + 1)]
    assert all(KEY_HEADER not in r.headers for r in sent)


def test_a_link_on_another_origin_gets_no_token_and_the_provider_is_not_asked(
        harness: Harness) -> None:
    tokens = Tokens()
    harness.adapter.register_uri("GET", BLOB, content=b"{}")
    assert _client(harness, tokens).download(BLOB) == b"{}"
    assert "Authorization" not in harness.sent()[0].headers
    assert tokens.calls == 0


def test_a_regional_url_the_service_returns_is_rebuilt_onto_the_endpoint(
        harness: Harness) -> None:
    tokens = Tokens()
    regional = f"https://westus.api.cognitive.microsoft.com/speechtotext/datasets/{DS}/files"
    harness.adapter.register_uri("GET", f"{EP}/speechtotext/datasets/{DS}/files",
                                 content=b"ok")
    assert _client(harness, tokens).download(regional) == b"ok"
    assert harness.sent()[0].url.startswith(EP)
    assert harness.sent()[0].headers["Authorization"].startswith("Bearer ")


@pytest.mark.parametrize("status", [301, 307])
def test_a_redirect_of_a_bearer_request_is_refused_and_not_followed(harness: Harness,
                                                                    status: int) -> None:
    tokens = Tokens()
    harness.adapter.register_uri("GET", _url(f"/datasets/{DS}"), status_code=status,
                                 headers={"Location": "https://sink.example.net/x"})
    with pytest.raises(RedirectRefusedError) as caught:
        _client(harness, tokens).get_dataset(DS)
    assert "access token is never sent along a redirect" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert len(harness.sent()) == 1


def test_key_and_token_provider_together_are_refused(harness: Harness) -> None:
    with pytest.raises(ConfigError, match="not both"):
        SpeechClient(EP, "k3y", session=harness.session, token_provider=Tokens())


def test_a_token_is_never_sent_over_plain_http_to_a_remote_host(harness: Harness) -> None:
    with pytest.raises(ConfigError, match="access token is sent over https only"):
        _client(harness, Tokens(), "http://speech.example.net")
    _client(harness, Tokens(), "http://127.0.0.1:5000")  # loopback: the local engine


def test_401_with_a_token_says_custom_subdomain_scope_and_tenant(harness: Harness) -> None:
    tokens = Tokens()
    harness.adapter.register_uri("GET", _url(f"/datasets/{DS}"), status_code=401, json={
        "error": {"code": "401", "message": f"Access token is missing or invalid: {TOKEN}1"}})
    with pytest.raises(AuthenticationError) as caught:
        _client(harness, tokens).get_dataset(DS)
    message = str(caught.value)
    assert "custom subdomain" in message and "azure-tenant-id" in message
    assert "cognitiveservices.azure.com/.default" in message
    assert TOKEN not in message and "speech-key" not in message


def test_403_with_a_token_names_the_role_and_the_resource(harness: Harness) -> None:
    tokens = Tokens()
    harness.adapter.register_uri("GET", _url(f"/datasets/{DS}"), status_code=403, json={
        "error": {"code": "PermissionDenied",
                  "message": "Principal does not have access to API/Operation."}})
    with pytest.raises(AuthenticationError) as caught:
        _client(harness, tokens).get_dataset(DS)
    message = str(caught.value)
    assert '"Cognitive Services Speech Contributor"' in message
    assert "contoso-speech.cognitiveservices.azure.com" in message
    assert "azure-client-id" in message and TOKEN not in message
    assert caught.value.status == 403 and caught.value.code == "PermissionDenied"


def test_a_key_refusal_still_speaks_of_the_key(harness: Harness) -> None:
    harness.adapter.register_uri("GET", _url(f"/datasets/{DS}"), status_code=403, json={})
    client = SpeechClient(EP, "k3y-0123456789", session=harness.session,
                          retry=RetryPolicy(random=lambda: 0.0), sleep=harness.time.sleep)
    with pytest.raises(AuthenticationError, match="came with the key"):
        client.get_dataset(DS)
