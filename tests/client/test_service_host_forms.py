"""Speech to text URLs the service returns on another host form of the resource (issue 14,
item 7), and what a refused download says.

Basis: Learn, "Custom subdomain names for Azure AI services": "Regional endpoints and custom
subdomain names are both supported and can be used interchangeably", so `self`, `links` and
`@nextLink` may name `<region>.api.cognitive.microsoft.com` while the workflow configured
`<name>.cognitiveservices.azure.com` (the spec's own examples all name westus's regional
host). Such a URL is requested on the configured endpoint, with the key; the key never goes
to any other host (PRODUCT.md, "Authentication and trust"). Sovereign host forms: Learn,
"Speech service in sovereign clouds".
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import requests_mock

from speech_action.client import (
    AuthenticationError,
    RetryPolicy,
    SpeechClient,
    SpeechServiceError,
)
from speech_action.client.transport import KEY_HEADER, Transport, speech_url_path
from tests.client.conftest import KEY, example_body
from tests.support.openapi import require_reference

CUSTOM = "https://contoso-speech.cognitiveservices.azure.com"
REGIONAL = "https://westus.api.cognitive.microsoft.com"  # the host of the spec's examples
DS = "9d5f4100-5f8e-4dd6-bd83-9bbbf50d57f1"
VERSION = "api-version=2025-10-15"


class Wire:
    """A session over a requests-mock adapter (no contract check: most links here are not
    the API's) and a client on it, configured with `endpoint`."""

    def __init__(self) -> None:
        self.adapter = requests_mock.Adapter()
        self.session = requests.Session()
        for prefix in ("http://", "https://"):
            self.session.mount(prefix, self.adapter)

    def client(self, endpoint: str = CUSTOM) -> SpeechClient:
        return SpeechClient(endpoint, KEY, session=self.session,
                            retry=RetryPolicy(max_attempts=1), sleep=lambda _: None)

    def get(self, url: Any, *answers: dict[str, Any], **answer: Any) -> None:
        self.adapter.register_uri("GET", url, list(answers) if answers else None, **answer)

    def sent(self) -> list[tuple[str, bool]]:
        """(URL, whether the key came along) of every request, in order."""
        return [(r.url, KEY_HEADER in r.headers) for r in self.adapter.request_history]


@pytest.fixture
def wire() -> Wire:
    return Wire()


# ---- the other host form of the same resource ---------------------------------------------

def test_a_regional_next_link_is_followed_on_the_configured_subdomain_with_the_key(
        wire: Wire) -> None:
    # Spec example get_datasets.json (2025-10-15): its @nextLink names westus's regional host.
    require_reference()
    first = example_body("2025-10-15", "get_datasets.json")
    assert first["@nextLink"].startswith(f"{REGIONAL}/speechtotext/datasets?skip=2")
    rebuilt = first["@nextLink"].replace(REGIONAL, CUSTOM)
    wire.get(f"{CUSTOM}/speechtotext/datasets?{VERSION}", json=first, complete_qs=True)
    wire.get(rebuilt, json={"values": []}, complete_qs=True)
    assert len(list(wire.client().list_datasets())) == len(first["values"])
    assert wire.sent() == [(f"{CUSTOM}/speechtotext/datasets?{VERSION}", True), (rebuilt, True)]


def test_a_self_url_of_the_other_host_form_is_read_from_the_configured_endpoint(
        wire: Wire) -> None:
    # Spec example get_dataset.json: `self` on the regional host; configured: the subdomain.
    require_reference()
    body = example_body("2025-10-15", "get_dataset.json")
    assert body["self"].startswith(f"{REGIONAL}/speechtotext/datasets/{DS}")
    wire.get(f"{CUSTOM}/speechtotext/datasets/{DS}", json=body)
    client = wire.client()
    dataset = client.get_dataset(DS)
    assert client.get_dataset(dataset).id == DS  # by its `self` URL, the regional one
    assert [keyed for _, keyed in wire.sent()] == [True, True]
    assert all(url.startswith(f"{CUSTOM}/speechtotext/datasets/{DS}") for url, _ in wire.sent())


def test_a_subdomain_link_is_read_from_a_configured_regional_endpoint(
        wire: Wire) -> None:
    link = f"{CUSTOM}/speechtotext/datasets/{DS}/files?{VERSION}"
    wire.get(f"{REGIONAL}/speechtotext/datasets/{DS}/files?{VERSION}", json={"values": []})
    assert list(wire.client(REGIONAL).list_dataset_files(link.split("/files")[0])) == []
    assert wire.sent() == [(link.replace(CUSTOM, REGIONAL), True)]


def test_a_blob_content_url_stays_where_it_is_and_gets_no_key(
        wire: Wire) -> None:
    # Spec example get_dataset_files.json: file contentUrls are Blob URLs (another origin).
    require_reference()
    files = example_body("2025-10-15", "get_dataset_files.json")["values"]
    blob = next(f["links"]["contentUrl"] for f in files if "blob.core" in f["links"]["contentUrl"])
    wire.get(blob, content=b"{}")
    assert wire.client().download(blob) == b"{}"
    assert wire.sent() == [(blob, False)]


@pytest.mark.parametrize(("configured", "link"), [
    # Learn, "Speech service in sovereign clouds" (regional) and the custom subdomains there.
    ("https://contoso.cognitiveservices.azure.us",
     "https://usgovvirginia.api.cognitive.microsoft.us/speechtotext/models/base?skip=100"),
    ("https://usgovarizona.api.cognitive.microsoft.us",
     "https://contoso.cognitiveservices.azure.us/speechtotext/models/base"),
    ("https://contoso.cognitiveservices.azure.cn",
     "https://chinaeast2.api.cognitive.azure.cn/speechtotext/v3.2/datasets/x/blocks:commit"),
    ("https://chinanorth3.api.cognitive.azure.cn",
     "https://CONTOSO.cognitiveservices.azure.cn:443/speechtotext/models#fragment"),
])
def test_sovereign_host_forms_are_rebuilt_onto_the_configured_endpoint(configured: str,
                                                                        link: str) -> None:
    routed = Transport(requests.Session(), KEY, configured, 5).route(link)
    found = speech_url_path(link)
    assert found is not None
    assert routed == configured + found[0] + (f"?{found[1]}" if found[1] else "")


def test_a_loopback_endpoint_keeps_links_as_they_are() -> None:
    # The local engine returns its own loopback URLs; nothing is rebuilt for it.
    link = f"{REGIONAL}/speechtotext/datasets"
    assert Transport(requests.Session(), None, "http://127.0.0.1:8765", 5).route(link) == link


# ---- what may never carry the key -----------------------------------------------------------

@pytest.mark.parametrize("link", [
    "https://evil.example/speechtotext/datasets",
    "https://attacker.cognitiveservices.azure.com.evil.example/speechtotext/datasets",
    "https://westus.api.cognitive.microsoft.com@evil.example/speechtotext/datasets",
    "https://x@westus.api.cognitive.microsoft.com/speechtotext/datasets",
    "https://westus.api.cognitive.microsoft.com:8443/speechtotext/datasets",
    "http://westus.api.cognitive.microsoft.com/speechtotext/datasets",
    "https://westus.api.cognitive.microsoft.com/speechtotext/../other",
    "https://westus.api.cognitive.microsoft.com/speechtotext/./datasets",
    "https://westus.api.cognitive.microsoft.com/speechtotext/%2e%2e/other",
    "https://westus.api.cognitive.microsoft.com/speechtotext/datasets%2F..%2Fother",
    "https://westus.api.cognitive.microsoft.com/speechtotext//datasets",
    "https://westus.api.cognitive.microsoft.com/speechtotext-evil/datasets",
    "https://westus.api.cognitive.microsoft.com/speechtotext",
    "https://westus.api.cognitive.microsoft.com/other/speechtotext/datasets",
    "https://a.b.cognitiveservices.azure.com/speechtotext/datasets",
    "https://westus.api.cognitive.microsoft.com./speechtotext/datasets",
    "https://cognitiveservices.azure.com/speechtotext/datasets",
    "https://westus.api.cognitive.microsoft.co/speechtotext/datasets",
])
def test_no_foreign_or_twisted_link_carries_the_key(wire: Wire,
                                                    link: str) -> None:
    # Whatever answers as the service chooses these links: each is fetched as it is (a
    # foreign origin, no key) or not at all; nothing is rebuilt onto the configured endpoint.
    wire.get(requests_mock.ANY, content=b"{}")
    client = wire.client()
    assert client._transport.route(link) == link
    client.download(link)
    assert [(keyed, url.startswith(CUSTOM)) for url, keyed in wire.sent()] == [(False, False)]


# ---- a refused download says what happened --------------------------------------------------

def _refused(wire: Wire, link: str, status: int, **answer: Any) -> str:
    wire.get(requests_mock.ANY, status_code=status, **answer)
    with pytest.raises(SpeechServiceError) as caught:
        wire.client().download(link)
    message = str(caught.value)
    assert KEY not in message and "SECRETSIG" not in message
    return message


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_rebuilt_link_is_about_the_key_not_a_sas(wire: Wire,
                                                           status: int) -> None:
    link = f"{REGIONAL}/speechtotext/datasets/{DS}/files/report?{VERSION}"
    message = _refused(wire, link, status, json={"error": {"code": "401", "message": "no"}})
    assert "speech-key" in message and "SAS" not in message
    assert f"GET {CUSTOM}/speechtotext" in message  # where the request really went
    assert wire.sent() == [(link.replace(REGIONAL, CUSTOM), True)]


def test_401_and_403_from_the_speech_host_say_different_things(
        wire: Wire) -> None:
    url = f"{CUSTOM}/speechtotext/datasets?{VERSION}"
    wire.get(url, {"status_code": 401}, {"status_code": 403})
    client = wire.client()
    messages = []
    for _ in range(2):
        with pytest.raises(AuthenticationError) as caught:
            list(client.list_datasets())
        messages.append(str(caught.value))
    assert "was not accepted" in messages[0] and "networking rules" in messages[1]
    assert all("speech-key" in m and "SAS" not in m for m in messages)


def test_403_from_blob_with_a_sas_names_expiry_and_the_storage_firewall(
        wire: Wire) -> None:
    link = "https://store.blob.core.windows.net/c/result.json?sv=2024&se=x&sig=SECRETSIG"
    message = _refused(wire, link, 403, text="AuthenticationFailed")
    assert "expired" in message and "firewall" in message and "speech-key" not in message


@pytest.mark.parametrize("status", [401, 403])
def test_a_blob_link_without_a_sas_is_no_expired_sas(wire: Wire,
                                                     status: int) -> None:
    # API description 2025-10-15, `sasLifetimeMinutes`: "For speech resources with BYOS,
    # returned urls do not contain an SAS token."
    message = _refused(wire, "https://byos.blob.core.windows.net/c/result.json", status)
    assert "BYOS" in message and "no SAS token" in message and "expired" not in message


def test_a_refused_link_on_another_host_without_a_sas(wire: Wire) -> None:
    message = _refused(wire, "https://files.contoso.com/result.json", 401)
    assert "no SAS token" in message and "expired" not in message and "BYOS" not in message


def test_a_refused_link_on_a_cognitive_host_that_is_not_rebuilt(
        wire: Wire) -> None:
    message = _refused(wire, f"{REGIONAL}:8443/speechtotext/datasets", 401)
    assert "another Cognitive Services host" in message and "SAS" not in message
    assert wire.sent() == [(f"{REGIONAL}:8443/speechtotext/datasets", False)]
