"""A local service that records and contract-checks every request, and an example workspace."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from speech_action.local.faults import FaultPlan
from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import LocalService, ObservedExchange, start_local_service
from tests.support.openapi import ContractChecker, reference_missing_reason

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "sharjah"
SPEECH_KEY = "e2e-speech-key-0f9a8b7c6d5e4f3a"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RecordingService:
    """The local service plus everything it was asked, each exchange checked against the
    version's OpenAPI description when the reference is beside the repository."""

    def __init__(self, data_dir: Path, api_version: str = "2025-10-15", *,
                 faults: FaultPlan | None = None, job_delay_s: float = 0.0,
                 retry_after_s: int = 1, **options: Any) -> None:
        """`options` go to `start_local_service` as they are (`byos`, `base_models`)."""
        self.api_version = api_version
        self.exchanges: list[ObservedExchange] = []
        # time.monotonic() when each exchange was answered, same order as `exchanges`.
        self.times: list[float] = []
        self.violations: list[str] = []
        self._lock = threading.Lock()
        self.checker = None if reference_missing_reason() else ContractChecker(api_version)
        self.service: LocalService = start_local_service(
            data_dir, recognizer=EchoRecognizer(), request_observer=self._observe,
            expected_key=SPEECH_KEY, faults=faults, job_delay_s=job_delay_s,
            retry_after_s=retry_after_s, **options,
        )

    @property
    def url(self) -> str:
        return self.service.base_url

    def writes(self) -> list[ObservedExchange]:
        with self._lock:
            return [e for e in self.exchanges if e.method in WRITE_METHODS]

    def timed(self) -> list[tuple[ObservedExchange, float]]:
        """Every exchange so far with when it was answered (time.monotonic())."""
        with self._lock:
            return list(zip(self.exchanges, self.times, strict=True))

    def creates(self, collection: str) -> list[ObservedExchange]:
        return [e for e in self.writes()
                if e.method == "POST" and e.url.split("?")[0].endswith(f"/{collection}")]

    def uploaded_bytes(self) -> int:
        return sum(len(e.body) for e in self.writes() if e.method == "PUT")

    def _observe(self, exchange: ObservedExchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)
            self.times.append(time.monotonic())
        if self.checker is None or "/speechtotext/" not in exchange.url or exchange.status == 0:
            return
        try:
            operation = self.checker.check_request(exchange.method, exchange.url,
                                                   exchange.body, exchange.content_type or None)
            if exchange.response is not None:
                self.checker.check_response(operation, exchange.status, exchange.response)
        except AssertionError as violation:
            with self._lock:
                self.violations.append(f"{exchange.method} {exchange.url}: {violation}")


@pytest.fixture
def speech_service(tmp_path: Path) -> Iterator[RecordingService]:
    recording = RecordingService(tmp_path / "service")
    try:
        yield recording
    finally:
        recording.service.stop()
    if recording.checker is not None:
        print(f"contract-checked {recording.checker.counts['requests']} requests and "
              f"{recording.checker.counts['responses']} responses of the action")
    assert not recording.violations, "\n".join(recording.violations[:10])


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A consumer repository holding the example's test and training data."""
    root = tmp_path / "repo"
    for folder in ("testing_data", "training_data"):
        shutil.copytree(EXAMPLE / folder, root / folder)
    return root


MakeService = Callable[..., RecordingService]


@pytest.fixture
def make_service(tmp_path: Path) -> Iterator[MakeService]:
    """Start recording services (optionally with faults); all are stopped and
    contract-checked at the end."""
    started: list[RecordingService] = []

    def make(faults: FaultPlan | None = None, job_delay_s: float = 0.0,
             retry_after_s: int = 1, **options: Any) -> RecordingService:
        """`retry_after_s`: the `Retry-After` of a running job's GET (0: the action polls
        at its own `poll-seconds`); `options` as `RecordingService` takes them."""
        service = RecordingService(tmp_path / "service", faults=faults, job_delay_s=job_delay_s,
                                   retry_after_s=retry_after_s, **options)
        started.append(service)
        return service

    yield make
    for service in started:
        service.service.stop()
    violations = [v for service in started for v in service.violations]
    assert not violations, "\n".join(violations[:10])


def created_ids(service: RecordingService, collection: str) -> list[str]:
    """Ids of the entities of `collection` the service created (failed POSTs left out)."""
    return [str(e.response["self"]).split("?")[0].rsplit("/", 1)[-1]
            for e in service.creates(collection) if e.status == 201]
