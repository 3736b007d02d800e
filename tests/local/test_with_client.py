"""The product's own client drives the local service through injected faults: both sides
of the wire agree, and retries/polling cope with 429, 503 and dropped connections."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from speech_action.client.client import SpeechClient
from speech_action.client.models import DatasetDefinition, ModelDefinition, ref
from speech_action.local.faults import FaultPlan
from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import start_local_service
from tests.local.helpers import TEST_SET, acoustic_zip


@pytest.mark.parametrize("version", ["2025-10-15", "v3.2"])
def test_client_full_cycle_through_faults(version: str, tmp_path: Path) -> None:
    (tmp_path / "test.zip").write_bytes(acoustic_zip(TEST_SET))
    (tmp_path / "lang.txt").write_bytes("\ufeffDubai and Sharjah\n".encode())
    plan = FaultPlan(every_nth={4: "429", 7: "503", 11: "drop"}, retry_after_s=0)
    with start_local_service(tmp_path / "state", recognizer=EchoRecognizer(), faults=plan,
                             retry_after_s=0) as service:
        client = SpeechClient(service.base_url, "key", version, sleep=lambda _: None)
        base = client.latest_adaptable_base_model("en-US", datetime.now(UTC))
        test = client.create_dataset_from_file(
            DatasetDefinition(display_name="t", locale="en-US", kind="Acoustic"),
            tmp_path / "test.zip")
        lang = client.create_dataset_from_file(
            DatasetDefinition(display_name="l", locale="en-US", kind="Language"),
            tmp_path / "lang.txt")
        model = client.create_model(ModelDefinition(
            display_name="m", locale="en-US", base_model=ref(base.self_url),
            datasets=[ref(lang.self_url)]))
        client.wait(model, timeout_s=10, poll_s=0.001)
        evaluation = client.wait(
            client.create_evaluation("e", base.self_url, model.self_url, test.self_url, "en-US"),
            timeout_s=10, poll_s=0.001)
        results = client.evaluation_transcription_results(evaluation)
        assert service.stats.faults["429"] > 0 and service.stats.faults["drop"] > 0
    assert evaluation.properties is not None
    assert evaluation.properties.word_error_rate1 == pytest.approx(6 / 16)
    assert evaluation.properties.word_error_rate2 == 0.0
    assert len(results["transcription1"]) == len(TEST_SET)
