"""Retry policy: which failures are retried and how long to wait (pure, injectable)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# 408/429 and the gateway/server errors that mean "try again"; 501/505 do not.
#
# 429 and its Retry-After: the Learn article "Speech service quotas and limits"
# (https://learn.microsoft.com/azure/ai-services/speech-service/speech-services-quotas-and-limits)
# caps the Speech to text REST API at 100 requests per 10 s per resource and throttles beyond
# that with HTTP 429. The OpenAPI descriptions (shared/reference/speechtotext-*.json) list no
# 429 response and declare `Retry-After` only on GETs of entities ("the minimum number of
# seconds to wait for a non terminal operation to complete"); on a 429 or 503 the header is
# HTTP's own (RFC 6585 section 4, RFC 9110 section 10.2.3). So it is honoured when sent, and
# capped backoff is the fallback when it is not. The run's budget bounds both (see _core).
RETRYABLE_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date), or None.

    A date in the past gives 0; an unparseable value gives None (fall back to backoff).
    """
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN is not a delay
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter; `Retry-After` from the service wins.

    Attempt n (0-based) waits `min(max_backoff_s, base_backoff_s * 2**n)` scaled by a random
    factor in `[1 - jitter, 1]`, so many clients throttled together spread out.
    """

    max_attempts: int = 6
    base_backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    jitter: float = 0.5
    # A service asking for more than this is answered with this; whether even that fits the
    # run's remaining time is checked by the client (`time_left`), not here.
    max_retry_after_s: float = 300.0
    random: Callable[[], float] = field(default=random.random, compare=False)

    def backoff_s(self, attempt: int) -> float:
        capped = min(self.max_backoff_s, self.base_backoff_s * (2.0 ** max(0, attempt)))
        return capped * (1.0 - self.jitter * self.random())

    def delay_s(self, attempt: int, retry_after_s: float | None) -> float:
        if retry_after_s is not None:
            return min(retry_after_s, self.max_retry_after_s)
        return self.backoff_s(attempt)

    def should_retry(self, attempt: int) -> bool:
        """Whether another attempt may follow attempt number `attempt` (0-based)."""
        return attempt + 1 < self.max_attempts

