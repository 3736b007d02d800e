"""The client drives the local service over real HTTP through a whole Custom Speech cycle,
for each API version, once cleanly and once through injected faults.

Both runs must give the same results, every request and response must match the version's
OpenAPI description, and after a 429 the client must never wait less than its Retry-After.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from speech_action.client import (
    DatasetDefinition,
    EndpointDefinition,
    ModelDefinition,
    SpeechClient,
    ref,
)
from speech_action.local.faults import FaultPlan
from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import ObservedExchange, start_local_service
from tests.local.helpers import TEST_SET, acoustic_zip
from tests.support.openapi import ContractChecker, require_reference

BLOCK = 8 * 1024 * 1024
FAULTS = FaultPlan(every_nth={4: "429", 7: "503", 11: "drop"}, retry_after_s=1)


class Timeline:
    """What the client saw and how long it chose to wait, in order (one thread)."""

    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.events.append(("response", (response.status_code,
                                         response.headers.get("Retry-After"))))

    def sleep(self, seconds: float) -> None:
        self.events.append(("sleep", seconds))

    def waits_after_throttling(self) -> list[tuple[float, float]]:
        """(Retry-After, the wait that followed) for every 429 answer."""
        pairs = []
        for index, (kind, value) in enumerate(self.events):
            if kind == "response" and value[0] == 429 and value[1] is not None:
                following = next(v for k, v in self.events[index + 1:] if k == "sleep")
                pairs.append((float(value[1]), following))
        return pairs


def _cycle(client: SpeechClient, data: Path) -> dict[str, Any]:
    """Datasets by blocks, two models, an evaluation with result files, an endpoint created
    and PATCHed to the second model."""
    base = client.latest_adaptable_base_model("en-US", datetime.now(UTC))
    test = client.create_dataset_from_file(
        DatasetDefinition(display_name="test", locale="en-US", kind="Acoustic"),
        data / "test.zip")
    language = client.create_dataset_from_file(
        DatasetDefinition(display_name="text", locale="en-US", kind="Language"),
        data / "text.txt")
    test, language = (client.wait(d, timeout_s=30, poll_s=0.01) for d in (test, language))
    first = client.wait(client.create_model(ModelDefinition(
        display_name="first", locale="en-US", base_model=ref(base.self_url),
        datasets=[ref(language.self_url)])), timeout_s=30, poll_s=0.01)
    second = client.wait(client.create_model(ModelDefinition(
        display_name="second", locale="en-US", base_model=ref(base.self_url),
        datasets=[ref(language.self_url), ref(test.self_url)])), timeout_s=30, poll_s=0.01)
    evaluation = client.wait(client.create_evaluation(
        "evaluation", base.self_url, first.self_url, test.self_url, "en-US"),
        timeout_s=30, poll_s=0.01)
    results = client.evaluation_transcription_results(evaluation)
    endpoint = client.wait(client.create_endpoint(EndpointDefinition(
        display_name="production", locale="en-US", model=ref(first.self_url))),
        timeout_s=30, poll_s=0.01)
    endpoint = client.wait(client.update_endpoint_model(endpoint, second.self_url),
                           timeout_s=30, poll_s=0.01)
    [found] = client.endpoints_named("production")
    return {
        "wer": (evaluation.properties.word_error_rate1, evaluation.properties.word_error_rate2),
        "texts": {side: sorted((r.audio_name, r.lexical) for r in results[side])
                  for side in results},
        "endpoint_model": endpoint.model.id if endpoint.model else None,
        "second": second.id,
        "found": found.id if found else None,
        "endpoint": endpoint.id,
    }


def _data(folder: Path) -> Path:
    folder.mkdir()
    (folder / "test.zip").write_bytes(acoustic_zip(TEST_SET))
    # Padding makes the related text span two blocks of the block API.
    sentences = "We flew to Sharjah last week.\nThe meeting is in Dubai and Sharjah.\n"
    (folder / "text.txt").write_text("\ufeff" + sentences * (BLOCK // len(sentences) + 100),
                                     encoding="utf-8")
    return folder


@pytest.mark.parametrize("version", ["2025-10-15", "2024-11-15", "v3.2"])
def test_full_cycle_is_the_same_through_faults(version: str, tmp_path: Path) -> None:
    require_reference()
    checker = ContractChecker(version)
    violations: list[str] = []

    def observe(exchange: ObservedExchange) -> None:
        if exchange.status == 0 or "/speechtotext/" not in exchange.url:
            return
        try:
            operation = checker.check_request(exchange.method, exchange.url, exchange.body,
                                              exchange.content_type or None)
            if exchange.response is not None and exchange.status < 429:
                checker.check_response(operation, exchange.status, exchange.response)
        except AssertionError as violation:
            violations.append(f"{exchange.method} {exchange.url}: {violation}")

    data = _data(tmp_path / "data")
    outcomes = []
    for name, faults in (("clean", None), ("faulty", FAULTS)):
        timeline = Timeline()
        session = requests.Session()
        session.hooks["response"].append(timeline.on_response)
        with start_local_service(tmp_path / name, recognizer=EchoRecognizer(), faults=faults,
                                 request_observer=observe, retry_after_s=0) as service:
            client = SpeechClient(service.base_url, "any-key", version, session=session,
                                  sleep=timeline.sleep)
            outcomes.append(_cycle(client, data))
            injected = dict(service.stats.faults)
        if faults is not None:
            assert injected.get("429") and injected.get("503") and injected.get("drop")
            waits = timeline.waits_after_throttling()
            assert waits and all(wait >= retry_after for retry_after, wait in waits), waits

    clean, faulty = outcomes
    assert clean["endpoint_model"] == clean["second"] and clean["found"] == clean["endpoint"]
    assert clean["wer"] == faulty["wer"] == (pytest.approx(6 / 16), 0.0)
    assert clean["texts"] == faulty["texts"]
    assert faulty["endpoint_model"] == faulty["second"]
    assert not violations, "\n".join(violations[:10])
    print(f"{version}: contract-checked {checker.counts['requests']} requests and "
          f"{checker.counts['responses']} responses")
