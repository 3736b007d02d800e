"""Where the key goes: the configured origin only, over https (http only to loopback), never
along a redirect (PRODUCT.md, "Authentication and trust"; issue 12).

Basis: `requests` resends every header but `Authorization` when it follows a redirect to
another host (requests' `Session.rebuild_auth` strips only that one), so the client must not
let it follow redirects with `Ocp-Apim-Subscription-Key`. The Speech to text REST API
documents no redirect answers; a 3xx is therefore refused (fail safe), not followed.
"""

from __future__ import annotations

import pytest
import requests
import requests_mock

from speech_action.client import DatasetDefinition, SpeechClient, SpeechServiceError
from speech_action.client.transport import (
    KEY_HEADER,
    RedirectRefusedError,
    Transport,
    is_loopback_host,
    origin,
)
from speech_action.errors import ConfigError
from tests.client.conftest import EP, KEY, Harness, example_body

DS = "9d5f4100-5f8e-4dd6-bd83-9bbbf50d57f1"
SINK = "https://sink.example.net/collect?token=REDIRECTTOKEN"


def _keyed(harness: Harness) -> list[bool]:
    return [KEY_HEADER in request.headers for request in harness.sent()]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_of_a_keyed_get_is_refused_and_never_followed(harness: Harness,
                                                                 status: int) -> None:
    client = harness.client()
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"),
                                 status_code=status, headers={"Location": SINK})
    harness.adapter.register_uri("GET", SINK, json={})
    with pytest.raises(RedirectRefusedError) as caught:
        client.get_dataset(DS)
    message = str(caught.value)
    assert f"HTTP {status}" in message and "https://sink.example.net" in message
    assert "speech-endpoint" in message and "never sent along a redirect" in message
    assert KEY not in message and "REDIRECTTOKEN" not in message and "/collect" not in message
    assert [r.url for r in harness.sent()] == [harness.url(f"/datasets/{DS}")]  # not followed
    assert caught.value.status == status


def test_a_redirect_of_a_create_is_refused_once_not_retried(harness: Harness) -> None:
    client = harness.client()
    harness.adapter.register_uri("POST", harness.url("/datasets"), status_code=307,
                                 headers={"Location": "http://127.0.0.1:9/datasets"})
    definition = DatasetDefinition(display_name="d", locale="en-US", kind="Acoustic")
    with pytest.raises(RedirectRefusedError, match=r"HTTP 307, a redirect to http://127\.0\.0\.1:9"):
        client.create_dataset(definition)
    assert len(harness.sent()) == 1


def test_a_redirect_to_the_same_host_is_refused_too(harness: Harness) -> None:
    # Fail safe: no 3xx is part of the API, so even a same-host one is a misconfiguration.
    client = harness.client()
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), status_code=302,
                                 headers={"Location": "/elsewhere"})
    with pytest.raises(RedirectRefusedError, match=r"https://westus\.api"):
        client.get_dataset(DS)


def test_a_redirect_without_location_is_refused(harness: Harness) -> None:
    client = harness.client()
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), status_code=302)
    with pytest.raises(RedirectRefusedError, match="unusable Location"):
        client.get_dataset(DS)


@pytest.mark.parametrize("url", ["http://[::error::x]/", "http://[zz/", "https://h:port/"])
def test_a_malformed_url_has_no_origin(url: str) -> None:
    # urlsplit raises ValueError on a bad `[...]` host, `.port` on a bad port: no origin.
    assert origin(url) is None


def test_a_file_link_elsewhere_follows_its_redirect_without_the_key(harness: Harness) -> None:
    # Result files are SAS URLs in Blob storage (another origin): fetched without the key,
    # so a redirect there may be followed; the key is never added on the way, not even when
    # the redirect points back at the Speech host.
    client = harness.client()
    blob = "https://store.blob.core.windows.net/c/report.json?sv=1&sig=S"
    back = f"{EP}/files/report.json"
    harness.adapter.register_uri("GET", blob, status_code=302, headers={"Location": back})
    harness.adapter.register_uri("GET", back, content=b"{}")
    assert client.download(blob) == b"{}"
    assert [r.url for r in harness.sent()] == [blob, back]
    assert _keyed(harness) == [False, False]


def test_a_file_link_that_redirects_in_a_loop_is_an_error(harness: Harness) -> None:
    client = harness.client()
    blob = "https://store.blob.core.windows.net/c/loop?sig=LOOPSIG"
    harness.adapter.register_uri("GET", blob, status_code=302, headers={"Location": blob})
    with pytest.raises(SpeechServiceError, match="loop") as caught:
        client.download(blob)
    assert "LOOPSIG" not in str(caught.value)


@pytest.mark.parametrize("url", [
    "http://westus.api.cognitive.microsoft.com/files/x",        # scheme differs
    "https://westus.api.cognitive.microsoft.com:8443/files/x",  # port differs
    "https://westus.api.cognitive.microsoft.com.evil.example/files/x",  # host differs
    "https://evil.example/westus.api.cognitive.microsoft.com/files/x",
])
def test_the_key_goes_only_to_the_configured_origin(harness: Harness, url: str) -> None:
    client = harness.client()
    harness.adapter.register_uri("GET", url, content=b"x")
    client.download(url)
    assert _keyed(harness) == [False]


def test_the_configured_origin_with_its_default_port_written_out_gets_the_key(
        harness: Harness) -> None:
    client = harness.client()
    url = "https://WestUS.api.cognitive.microsoft.com:443/files/x"
    harness.adapter.register_uri("GET", url, content=b"x")
    client.download(url)
    assert _keyed(harness) == [True]


@pytest.mark.parametrize("endpoint", ["http://speech.example.com", "http://10.0.0.5:5000",
                                      "http://westus.api.cognitive.microsoft.com"])
def test_no_key_over_plain_http_except_to_loopback(endpoint: str) -> None:
    with pytest.raises(ConfigError, match="https only") as caught:
        SpeechClient(endpoint, KEY)
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:8765", "http://127.9.9.9",
                                      "http://[::1]:8080", "http://localhost:1"])
def test_plain_http_to_loopback_carries_the_key(endpoint: str) -> None:
    session = requests.Session()
    with requests_mock.Mocker(session=session) as mock:
        mock.get(requests_mock.ANY, content=b"x")
        transport = Transport(session, KEY, endpoint, 5)
        transport.send("GET", f"{endpoint}/speechtotext/models")
        assert mock.request_history[0].headers[KEY_HEADER] == KEY


def test_without_a_key_plain_http_is_not_refused() -> None:
    # The local engine needs no key; nothing secret travels.
    Transport(requests.Session(), None, "http://speech.example.com", 5)


@pytest.mark.parametrize(("host", "loopback"), [
    ("localhost", True), ("LOCALHOST", True), ("127.0.0.1", True), ("127.255.0.3", True),
    ("::1", True), ("[::1]", True), ("128.0.0.1", False), ("localhost.evil.example", False),
    ("0.0.0.0", False), ("::ffff:10.0.0.1", False), ("example.com", False),
])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_origin_normalizes_scheme_host_and_default_port() -> None:
    assert origin("HTTPS://Host.Example/x") == ("https", "host.example", 443)
    assert origin("http://host.example:80/") == ("http", "host.example", 80)
    assert origin("http://[::1]:8080/") == ("http", "::1", 8080)
    assert origin("ftp://host.example/") is None
    assert origin("https://host.example:notaport/") is None


def test_dataset_example_still_parses_over_the_keyed_path(harness: Harness) -> None:
    # The happy path is unchanged: a 200 on the configured origin, sent with the key.
    client = harness.client()
    body = harness.respond("Datasets_Get", 200, example_body("2025-10-15", "get_dataset.json"))
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), json=body)
    assert client.get_dataset(DS).id == DS
    assert _keyed(harness) == [True]


def test_a_redirect_to_a_malformed_host_is_a_service_error_not_a_crash() -> None:
    # requests computes a 3xx's next request even without following it; a bracketed
    # nonsense host in Location made it raise ValueError (an "internal error").
    session = requests.Session()
    with requests_mock.Mocker(session=session) as mock:
        mock.get("https://x.cognitiveservices.azure.com/speechtotext/models", status_code=302,
                 headers={"Location": "http://[::error::x]/"})
        transport = Transport(session, "k" * 32, "https://x.cognitiveservices.azure.com", 5)
        with pytest.raises(SpeechServiceError):
            transport.send("GET", "https://x.cognitiveservices.azure.com/speechtotext/models")
