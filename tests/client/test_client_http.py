"""Retry, errors, twins and paging of SpeechClient over a mocked transport."""

from __future__ import annotations

import json

import pytest
import requests

from speech_action.client import (
    AmbiguousCreateError,
    AuthenticationError,
    DatasetDefinition,
    ServiceUnreachableError,
    SpeechServiceError,
)
from speech_action.client._core import MARKER_PROPERTY
from tests.client.conftest import EP, KEY, Harness, example_body

DS = "9d5f4100-5f8e-4dd6-bd83-9bbbf50d57f1"
V = "2025-10-15"


def _dataset(h: Harness) -> dict[str, object]:
    body = example_body(V, "get_dataset.json")
    return dict(h.respond("Datasets_Get", 200, body))


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_each_retryable_status_is_retried(harness: Harness, status: int) -> None:
    client = harness.client()
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), [
        {"status_code": status, "json": {"code": "ServiceUnavailable", "message": "busy"}},
        {"status_code": 200, "json": _dataset(harness)},
    ])
    dataset = client.get_dataset(DS)
    assert dataset.id == DS
    assert len(harness.sent()) == 2
    assert harness.time.sleeps == [1.0]  # first backoff step, no jitter in the harness


def test_retry_after_seconds_and_http_date(harness: Harness) -> None:
    client = harness.client()
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), [
        {"status_code": 429, "headers": {"Retry-After": "7"}},
        {"status_code": 503, "headers": {"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT",
                                          "Date": "Wed, 21 Oct 2015 07:27:30 GMT"}},
        {"status_code": 200, "json": _dataset(harness)},
    ])
    client.get_dataset(DS)
    assert harness.time.sleeps == [7.0, 30.0]


def test_non_retryable_error_raises_at_once_with_details(harness: Harness) -> None:
    client = harness.client()
    body = harness.respond("Datasets_Get", 404, {
        "code": "NotFound", "message": "Entity does not exist.",
        "innerError": {"code": "InvalidLocale", "message": "-"}})
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), status_code=404,
                                 json=body, headers={"apim-request-id": "req-42"})
    with pytest.raises(SpeechServiceError) as info:
        client.get_dataset(DS)
    err = info.value
    assert (err.status, err.code, err.service_message, err.request_id) == (
        404, "NotFound/InvalidLocale", "Entity does not exist.", "req-42")
    assert err.url.startswith(f"{EP}/speechtotext/datasets/{DS}")
    assert "req-42" in str(err) and "existing entity" in str(err)
    assert len(harness.sent()) == 1 and harness.time.sleeps == []


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_name_key_and_region_and_are_not_retried(harness: Harness,
                                                             status: int) -> None:
    client = harness.client()
    gateway = {"error": {"code": str(status), "message": "Access denied due to invalid "
                         "subscription key or wrong API endpoint."}}
    harness.adapter.register_uri("GET", harness.url("/datasets"), status_code=status,
                                 json=gateway)
    with pytest.raises(AuthenticationError) as info:
        list(client.list_datasets())
    message = str(info.value)
    assert "speech-key" in message and "speech-region" in message
    assert info.value.code == str(status) and "invalid" in (info.value.service_message or "")
    assert KEY not in message
    assert len(harness.sent()) == 1


def test_non_json_error_body(harness: Harness) -> None:
    client = harness.client(max_attempts=1)
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), status_code=502,
                                 text="<html>Bad Gateway</html>")
    with pytest.raises(SpeechServiceError) as info:
        client.get_dataset(DS)
    assert info.value.code is None and "Bad Gateway" in (info.value.service_message or "")


def test_dropped_connection_is_retried_then_gives_up(harness: Harness) -> None:
    client = harness.client(max_attempts=3)
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), [
        {"exc": requests.exceptions.ConnectionError("reset by peer")},
        {"status_code": 200, "json": _dataset(harness)},
    ])
    assert client.get_dataset(DS).id == DS
    harness.adapter.register_uri("GET", harness.url("/datasets"),
                                 exc=requests.exceptions.ConnectTimeout("timed out"))
    with pytest.raises(ServiceUnreachableError, match="3 attempts"):
        list(client.list_datasets())
    assert harness.time.sleeps == [1.0, 1.0, 2.0]


def _created(h: Harness, marker: str) -> dict[str, object]:
    body = dict(example_body(V, "create_dataset_with_blocks.json", "201"))
    body["customProperties"] = {MARKER_PROPERTY: marker}
    return body


def test_ambiguous_create_finds_the_entity_instead_of_posting_a_twin(harness: Harness) -> None:
    client = harness.client()
    harness.adapter.register_uri("POST", harness.url("/datasets"), status_code=503,
                                 json={"code": "ServiceUnavailable", "message": "x"})

    def listing(request: object, context: object) -> dict[str, object]:
        posted = json.loads(harness.sent("POST")[0].body)
        marker = posted["customProperties"][MARKER_PROPERTY]
        body = {"values": [_created(harness, "someone-else"), _created(harness, marker)]}
        return dict(harness.respond("Datasets_List", 200, body))

    harness.adapter.register_uri("GET", harness.url("/datasets"), json=listing)
    definition = DatasetDefinition(display_name="My speech dataset name", locale="en-US",
                                   kind="Acoustic", custom_properties={"commit": "abc1234"})
    dataset = client.create_dataset(definition)
    assert dataset.custom_properties and dataset.custom_properties[MARKER_PROPERTY]
    assert len(harness.sent("POST")) == 1
    listed = harness.sent("GET")[0]
    assert "displayname+eq+%27my+speech+dataset+name%27" in listed.url.lower()
    posted = json.loads(harness.sent("POST")[0].body)
    assert posted["customProperties"]["commit"] == "abc1234"


def test_dropped_create_with_nothing_created_posts_again_with_same_marker(
    harness: Harness,
) -> None:
    client = harness.client()
    harness.adapter.register_uri("POST", harness.url("/datasets"), [
        {"exc": requests.exceptions.ConnectionError("dropped")},
        {"status_code": 201, "json": example_body(V, "create_dataset_with_blocks.json", "201")},
    ])
    harness.adapter.register_uri("GET", harness.url("/datasets"), json={"values": []})
    client.create_dataset(DatasetDefinition(display_name="d", locale="en-US", kind="Language"))
    posts = [json.loads(r.body) for r in harness.sent("POST")]
    assert len(posts) == 2
    assert posts[0]["customProperties"] == posts[1]["customProperties"]


def test_create_gives_up_with_clear_error(harness: Harness) -> None:
    client = harness.client(max_attempts=2)
    harness.adapter.register_uri("POST", harness.url("/datasets"), status_code=500,
                                 json={"code": "InternalServerError", "message": "x"})
    harness.adapter.register_uri("GET", harness.url("/datasets"), json={"values": []})
    with pytest.raises(AmbiguousCreateError, match="will not create a twin"):
        client.create_dataset(DatasetDefinition(display_name="d", locale="en-US",
                                                kind="Language"))
    assert len(harness.sent("POST")) == 2 and len(harness.sent("GET")) == 2


def test_create_throttled_is_retried_without_listing(harness: Harness) -> None:
    client = harness.client()
    harness.adapter.register_uri("POST", harness.url("/datasets"), [
        {"status_code": 429, "headers": {"Retry-After": "3"}},
        {"status_code": 201, "json": example_body(V, "create_dataset_with_blocks.json", "201")},
    ])
    client.create_dataset(DatasetDefinition(display_name="d", locale="en-US", kind="Language"))
    assert [r.method for r in harness.sent()] == ["POST", "POST"]
    assert harness.time.sleeps == [3.0]


def test_create_rejected_is_not_retried(harness: Harness) -> None:
    client = harness.client()
    harness.adapter.register_uri("POST", harness.url("/datasets"), status_code=400,
                                 json={"code": "InvalidArgument", "message": "locale"})
    with pytest.raises(SpeechServiceError, match="HTTP 400"):
        client.create_dataset(DatasetDefinition(display_name="d", locale="xx", kind="Language"))
    assert len(harness.sent()) == 1


def test_pagination_follows_next_link_as_returned(harness: Harness) -> None:
    client = harness.client()
    page1 = dict(example_body(V, "get_datasets.json"))
    next_link = harness.url("/datasets", "skip=2&top=2")
    page1["@nextLink"] = next_link
    page2 = {"values": [_created(harness, "m")]}
    harness.adapter.register_uri("GET", harness.url("/datasets"), [
        {"json": harness.respond("Datasets_List", 200, page1)},
    ])
    harness.adapter.register_uri("GET", next_link, json=harness.respond("Datasets_List", 200,
                                                                        page2))
    datasets = list(client.list_datasets())
    assert len(datasets) == len(page1["values"]) + 1
    assert harness.sent()[1].url == next_link


def test_paging_loop_is_detected(harness: Harness) -> None:
    client = harness.client()
    harness.adapter.register_uri("GET", harness.url("/datasets"),
                                 json={"values": [], "@nextLink": harness.url("/datasets")})
    with pytest.raises(SpeechServiceError, match="paging loop"):
        list(client.list_datasets())


def test_key_header_only_for_the_service_host(harness: Harness) -> None:
    client = harness.client()
    sas = "https://store.blob.core.windows.net/c/report.json?sv=1&sig=SECRETSIG"
    harness.adapter.register_uri("GET", sas, [{"status_code": 403, "text": "denied"}])
    with pytest.raises(SpeechServiceError) as info:
        client.download(sas)
    assert not isinstance(info.value, AuthenticationError)
    assert "expired" in str(info.value)
    assert "SECRETSIG" not in str(info.value) and "SECRETSIG" not in info.value.url
    assert "Ocp-Apim-Subscription-Key" not in harness.sent()[0].headers
