"""Pure retry pieces: Retry-After forms, capped backoff, jitter bounds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from speech_action.client.retry import RETRYABLE_STATUS, RetryPolicy, parse_retry_after

NOW = datetime(2015, 10, 21, 7, 27, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 5 ", 5.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 60.0),  # RFC 9110's own example date
        ("Wed, 21 Oct 2015 07:26:00 GMT", 0.0),  # in the past: do not wait
        ("Wednesday, 21-Oct-15 07:28:30 GMT", 90.0),  # obsolete RFC 850 form
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_retryable_statuses() -> None:
    assert frozenset({408, 429, 500, 502, 503, 504}) == RETRYABLE_STATUS


def test_backoff_is_exponential_and_capped() -> None:
    policy = RetryPolicy(base_backoff_s=1.0, max_backoff_s=10.0, jitter=0.5, random=lambda: 0.0)
    assert [policy.backoff_s(n) for n in range(6)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert policy.backoff_s(200) == 10.0  # no overflow for absurd attempt numbers


def test_jitter_stays_within_bounds() -> None:
    values = iter([0.0, 0.25, 0.999999, 1.0])
    policy = RetryPolicy(base_backoff_s=2.0, max_backoff_s=60.0, jitter=0.5,
                         random=lambda: next(values))
    delays = [policy.backoff_s(2) for _ in range(4)]  # cap for attempt 2 is 8 s
    assert delays[0] == 8.0 and delays[1] == 7.0 and delays[3] == 4.0
    assert all(4.0 <= d <= 8.0 for d in delays)


def test_retry_after_wins_over_backoff_but_is_capped() -> None:
    policy = RetryPolicy(max_retry_after_s=300.0, random=lambda: 0.0)
    assert policy.delay_s(0, 42.0) == 42.0
    assert policy.delay_s(5, 0.0) == 0.0
    assert policy.delay_s(0, 9999.0) == 300.0
    assert policy.delay_s(3, None) == 8.0


def test_attempt_budget() -> None:
    policy = RetryPolicy(max_attempts=3)
    assert [policy.should_retry(n) for n in range(3)] == [True, True, False]
