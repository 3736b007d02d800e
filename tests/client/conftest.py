"""Shared harness: a SpeechClient over a requests-mock adapter, fake clock/sleep, and a
contract check of every request the client sent (at teardown)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import requests_mock

from speech_action.client import RetryPolicy, SpeechClient
from tests.support.openapi import REFERENCE_DIR, ContractChecker, check_history, require_reference

EP = "https://westus.api.cognitive.microsoft.com"  # the host of the spec examples
KEY = "k3y-s3cret-0123456789"
CHECKED: dict[str, int] = {"requests": 0}


def example_body(version: str, name: str, status: str = "200") -> Any:
    """The response body of one of the spec's example files (a real vector)."""
    data = json.loads((REFERENCE_DIR / "examples" / version / name).read_text(encoding="utf-8"))
    return data["responses"][status]["body"]


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.sleeps.append(seconds)
        self.now += seconds


class Harness:
    def __init__(self) -> None:
        self.adapter = requests_mock.Adapter()
        self.session = requests.Session()
        self.session.mount("http://", self.adapter)
        self.session.mount("https://", self.adapter)
        self.time = FakeTime()
        self.api_version = "2025-10-15"
        self.checker: ContractChecker | None = None

    def client(self, api_version: str = "2025-10-15", **retry: Any) -> SpeechClient:
        self.api_version = api_version
        self.checker = ContractChecker(api_version)
        policy = RetryPolicy(random=lambda: 0.0, **retry)  # no jitter: exact delays
        return SpeechClient(EP, KEY, api_version, session=self.session, retry=policy,
                            sleep=self.time.sleep, clock=self.time.clock)

    def url(self, path: str, query: str = "") -> str:
        if self.api_version == "v3.2":
            return f"{EP}/speechtotext/v3.2{path}" + (f"?{query}" if query else "")
        version = f"api-version={self.api_version}"
        return f"{EP}/speechtotext{path}?" + (f"{query}&{version}" if query else version)

    def respond(self, operation_id: str, status: int, body: Any) -> Any:
        """A mocked response body, first checked against the spec (fakes must be real)."""
        assert self.checker is not None
        self.checker.check_response(operation_id, status, body)
        return body

    def sent(self, method: str | None = None) -> list[Any]:
        return [r for r in self.adapter.request_history if method in (None, r.method)]


@pytest.fixture
def harness() -> Iterator[Harness]:
    require_reference()
    h = Harness()
    yield h
    if h.checker is not None:
        ops = check_history(h.checker, h.adapter.request_history)
        CHECKED["requests"] += len(ops)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if CHECKED["requests"]:
        terminalreporter.write_line(
            f"client tests: {CHECKED['requests']} requests validated by ContractChecker")
