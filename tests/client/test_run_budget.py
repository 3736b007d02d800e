"""Every retry pause and every poll stays inside the run's budget (`time_left`).

Retry-After on 429: the Learn article "Speech service quotas and limits" throttles the Speech
to text REST API (100 requests per 10 s per resource) with HTTP 429; the header itself is
HTTP's (RFC 6585 section 4). See the comment at RETRYABLE_STATUS in client/retry.py.
A fake clock: nothing here sleeps.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from speech_action.client import (
    AmbiguousCreateError,
    Dataset,
    DatasetDefinition,
    RetryPolicy,
    RunBudgetExceededError,
    ServiceUnreachableError,
    SpeechClient,
    SpeechServiceError,
    WaitTimeoutError,
)
from speech_action.client._core import MARKER_PROPERTY
from speech_action.errors import JobTimeoutError
from tests.client.conftest import EP, KEY, Harness, example_body

V = "2025-10-15"
DS = "9d5f4100-5f8e-4dd6-bd83-9bbbf50d57f1"
ADVICE = "timeout-minutes is used up; re-run the workflow or raise timeout-minutes"


def _budgeted(h: Harness, left_s: float, **retry: Any) -> SpeechClient:
    """A client whose run has `left_s` seconds left on the harness's fake clock."""
    h.client(V)  # the harness's api-version and contract checker
    end = h.time.now + left_s
    return SpeechClient(EP, KEY, V, session=h.session, sleep=h.time.sleep, clock=h.time.clock,
                        retry=RetryPolicy(random=lambda: 0.0, **retry),  # no jitter
                        time_left=lambda: end - h.time.now)


def _dataset(h: Harness, status: str = "Succeeded") -> dict[str, Any]:
    body = dict(example_body(V, "get_dataset.json"))
    body["self"], body["status"] = h.url(f"/datasets/{DS}"), status
    return dict(h.respond("Datasets_Get", 200, body))


def _throttled(seconds: str) -> dict[str, Any]:
    return {"status_code": 429, "headers": {"Retry-After": seconds},
            "json": {"code": "TooManyRequests", "message": "Too many requests"}}


def test_429_retry_after_past_the_budget_raises_without_sleeping(harness: Harness) -> None:
    client = _budgeted(harness, left_s=5)
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"),
                                 [_throttled("20"), {"json": _dataset(harness)}])
    with pytest.raises(RunBudgetExceededError) as info:
        client.get_dataset(DS)
    message = str(info.value)
    assert harness.time.sleeps == [] and len(harness.sent()) == 1
    assert f"GET {harness.url(f'/datasets/{DS}')}" in message
    assert "HTTP 429" in message and "TooManyRequests" in message
    assert "asked to wait 20 s (Retry-After)" in message and "only 5 s" in message
    assert ADVICE in message
    assert isinstance(info.value, JobTimeoutError)
    cause = info.value.__cause__
    assert isinstance(cause, SpeechServiceError) and cause.status == 429


def test_429_retry_after_within_the_budget_sleeps_and_succeeds(harness: Harness) -> None:
    client = _budgeted(harness, left_s=60)
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"),
                                 [_throttled("20"), {"json": _dataset(harness)}])
    assert client.get_dataset(DS).id == DS
    assert harness.time.sleeps == [20.0]


def test_a_pause_ending_exactly_at_the_budget_is_not_taken(harness: Harness) -> None:
    client = _budgeted(harness, left_s=20)
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), [_throttled("20")])
    with pytest.raises(RunBudgetExceededError):
        client.get_dataset(DS)
    assert harness.time.sleeps == []


def test_backoff_pauses_are_bounded_the_same_way(harness: Harness) -> None:
    client = _budgeted(harness, left_s=5)  # backoff 1, 2, then 4 with only 2 s left
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), status_code=503,
                                 json={"code": "ServiceUnavailable", "message": "busy"})
    with pytest.raises(RunBudgetExceededError) as info:
        client.get_dataset(DS)
    assert harness.time.sleeps == [1.0, 2.0] and len(harness.sent()) == 3
    message = str(info.value)
    assert "HTTP 503" in message and "4 s backoff" in message and "only 2 s" in message
    assert isinstance(info.value.__cause__, SpeechServiceError)


def test_connection_drops_are_bounded_too(harness: Harness) -> None:
    client = _budgeted(harness, left_s=2.5)
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"),
                                 exc=requests.exceptions.ConnectionError("reset by peer"))
    with pytest.raises(RunBudgetExceededError) as info:
        client.get_dataset(DS)
    assert harness.time.sleeps == [1.0] and len(harness.sent()) == 2
    assert "connection dropped (ConnectionError)" in str(info.value)
    cause = info.value.__cause__
    assert isinstance(cause, ServiceUnreachableError)
    assert isinstance(cause.__cause__, requests.exceptions.ConnectionError)


def test_budget_message_redacts_the_url(harness: Harness) -> None:
    client = _budgeted(harness, left_s=10)
    sas = "https://acct.blob.core.windows.net/c/r.json?sv=2024&sig=s3cr3tSIG%3D"
    harness.adapter.register_uri("GET", sas, [_throttled("30")])
    with pytest.raises(RunBudgetExceededError) as info:
        client.download(sas)
    assert "s3cr3tSIG" not in str(info.value) and "sig=REDACTED" in str(info.value)


def test_capped_retry_after_still_names_what_the_service_asked(harness: Harness) -> None:
    client = _budgeted(harness, left_s=100, max_retry_after_s=300)
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), [_throttled("900")])
    with pytest.raises(RunBudgetExceededError, match=r"900 s \(Retry-After\) \(capped to 300 s\)"):
        client.get_dataset(DS)


def test_without_a_budget_retries_are_unbounded(harness: Harness) -> None:
    client = harness.client(V)  # time_left=None, as before
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"),
                                 [_throttled("250"), {"json": _dataset(harness)}])
    client.get_dataset(DS)
    assert harness.time.sleeps == [250.0]


# ---- creating POSTs -------------------------------------------------------------------------

DEFINITION = DatasetDefinition(display_name="d", locale="en-US", kind="Language")


def test_throttled_create_past_the_budget_raises_without_listing(harness: Harness) -> None:
    client = _budgeted(harness, left_s=5)
    harness.adapter.register_uri("POST", harness.url("/datasets"), [_throttled("20")])
    with pytest.raises(RunBudgetExceededError, match=r"POST .*HTTP 429.*20 s \(Retry-After\)"):
        client.create_dataset(DEFINITION)
    assert [r.method for r in harness.sent()] == ["POST"] and harness.time.sleeps == []


def test_ambiguous_create_past_the_budget_looks_once_then_raises(harness: Harness) -> None:
    client = _budgeted(harness, left_s=0.5)  # less than the first backoff (1 s)
    harness.adapter.register_uri("POST", harness.url("/datasets"), status_code=503,
                                 json={"code": "ServiceUnavailable", "message": "x"})
    harness.adapter.register_uri("GET", harness.url("/datasets"), json={"values": []})
    with pytest.raises(RunBudgetExceededError) as info:
        client.create_dataset(DEFINITION)
    assert [r.method for r in harness.sent()] == ["POST", "GET"] and harness.time.sleeps == []
    assert "HTTP 503" in str(info.value) and "1 s backoff" in str(info.value)
    assert not isinstance(info.value, AmbiguousCreateError)


def test_ambiguous_create_past_the_budget_still_finds_its_entity(harness: Harness) -> None:
    client = _budgeted(harness, left_s=0.5)
    harness.adapter.register_uri("POST", harness.url("/datasets"),
                                 exc=requests.exceptions.ConnectionError("dropped"))

    def listing(request: object, context: object) -> dict[str, Any]:
        marker = json.loads(harness.sent("POST")[0].body)["customProperties"][MARKER_PROPERTY]
        created = dict(example_body(V, "create_dataset_with_blocks.json", "201"))
        created["customProperties"] = {MARKER_PROPERTY: marker}
        return dict(harness.respond("Datasets_List", 200, {"values": [created]}))

    harness.adapter.register_uri("GET", harness.url("/datasets"), json=listing)
    assert client.create_dataset(DEFINITION).status == "NotStarted"
    assert len(harness.sent("POST")) == 1 and harness.time.sleeps == []


# ---- polling ------------------------------------------------------------------------------


def test_poll_retry_after_past_the_deadline_ends_the_wait_at_once(harness: Harness) -> None:
    client = harness.client(V)
    running = {"json": _dataset(harness, "Running"), "headers": {"Retry-After": "90"}}
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), [running])
    start = Dataset.model_validate(_dataset(harness, "NotStarted"))
    with pytest.raises(WaitTimeoutError) as info:
        client.wait(start, timeout_s=100, poll_s=30)
    # One poll at 30 s; the service then asks for 90 s more with 70 s left: no oversleep.
    assert harness.time.sleeps == [30.0] and len(harness.sent()) == 1
    message = str(info.value)
    assert "still Running after 30 s" in message and "asked to wait 90 s more" in message
    assert "limit of 100 s" in message and "timeout-minutes" in message


def test_poll_retry_after_ending_at_the_deadline_is_honoured(harness: Harness) -> None:
    client = harness.client(V)
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), [
        {"json": _dataset(harness, "Running"), "headers": {"Retry-After": "70"}},
        {"json": _dataset(harness, "Succeeded")},
    ])
    start = Dataset.model_validate(_dataset(harness, "NotStarted"))
    assert client.wait(start, timeout_s=100, poll_s=30).status == "Succeeded"
    assert harness.time.sleeps == [30.0, 70.0]


def test_throttled_poll_past_the_budget_raises_run_budget_error(harness: Harness) -> None:
    client = _budgeted(harness, left_s=40)
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"), [_throttled("20")])
    start = Dataset.model_validate(_dataset(harness, "Running"))
    with pytest.raises(RunBudgetExceededError):
        client.wait(start, timeout_s=40, poll_s=30)
    assert harness.time.sleeps == [30.0]  # the poll; the 20 s throttle pause did not fit
