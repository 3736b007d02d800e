"""Batch transcription result parsing, secret redaction, and re-committed blocks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speech_action.client import DatasetDefinition, parse_transcription_result
from speech_action.client.errors import redact_url
from speech_action.errors import ServiceError
from tests.client.conftest import Harness

# Shape of a real batch transcription result (Speech to text docs, "Get batch transcription
# results"), trimmed to one phrase per channel.
RESULT = {
    "source": "https://store.blob.core.windows.net/audio/sub%20dir/utt_01.wav?sv=x&sig=SECRET",
    "timestamp": "2023-07-10T14:28:16Z",
    "durationInTicks": 25800000,
    "duration": "PT2.58S",
    "combinedRecognizedPhrases": [
        {"channel": 0, "lexical": "hello world", "itn": "hello world",
         "maskedITN": "hello world", "display": "Hello world."},
    ],
    "recognizedPhrases": [
        {"recognitionStatus": "Success", "channel": 0, "offset": "PT0.07S",
         "duration": "PT2.51S", "offsetInTicks": 700000.0, "durationInTicks": 25100000.0,
         "nBest": [{"confidence": 0.97, "lexical": "hello world", "itn": "hello world",
                    "maskedITN": "hello world", "display": "Hello world.",
                    "words": [{"word": "hello", "offset": "PT0.07S"}]}]},
    ],
}


def test_result_parses_texts_and_audio_name() -> None:
    result = parse_transcription_result(json.dumps(RESULT), origin="utt_01.wav.json")
    assert (result.audio_name, result.display, result.lexical) == (
        "utt_01.wav", "Hello world.", "hello world")
    assert result.recognized_phrases[0].n_best[0].confidence == 0.97


def test_result_without_combined_phrases_uses_best_alternatives() -> None:
    data = dict(RESULT, combinedRecognizedPhrases=[])
    data["recognizedPhrases"] = RESULT["recognizedPhrases"] * 2  # type: ignore[operator]
    result = parse_transcription_result(json.dumps(data).encode(), origin="x")
    assert result.lexical == "hello world hello world"


def test_silent_audio_gives_empty_text() -> None:
    data = dict(RESULT, combinedRecognizedPhrases=[], recognizedPhrases=[])
    assert parse_transcription_result(json.dumps(data), origin="x").display == ""


@pytest.mark.parametrize("payload", ["not json", "[1, 2]", '{"recognizedPhrases": 5}'])
def test_bad_result_names_the_file(payload: str) -> None:
    with pytest.raises(ServiceError, match=r"utt_07\.wav\.json"):
        parse_transcription_result(payload, origin="utt_07.wav.json")


def test_redact_url_keeps_useful_query_and_hides_secrets() -> None:
    url = "https://user:pw@h.blob.core.windows.net/c/f.json?sv=2017&sig=abc%2B&api-version=v"
    redacted = redact_url(url)
    assert "abc" not in redacted and "pw" not in redacted and "user" not in redacted
    assert redacted.startswith("https://h.blob.core.windows.net/c/f.json?")
    assert "api-version=v" in redacted and "sig=REDACTED" in redacted


def test_recommitted_blocks_are_accepted_when_dataset_moved_on(harness: Harness,
                                                               tmp_path: Path) -> None:
    client = harness.client()
    ds = "9d5f4100-5f8e-4dd6-bd83-9bbbf50d57f1"
    entity = {"self": harness.url(f"/datasets/{ds}"), "displayName": "d", "locale": "en-US",
              "kind": "Language", "status": "NotStarted"}
    harness.adapter.register_uri("POST", harness.url("/datasets"), status_code=201, json=entity)
    harness.adapter.register_uri("PUT", harness.url(f"/datasets/{ds}/blocks"), status_code=201)
    harness.adapter.register_uri("POST", harness.url(f"/datasets/{ds}/blocks:commit"), [
        {"status_code": 502}, {"status_code": 409, "json": {"code": "Conflict",
                                                            "message": "already committed"}}])
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{ds}"),
                                 json=dict(entity, status="Running"))
    (tmp_path / "t.txt").write_text("hello\n", encoding="utf-8")
    dataset = client.create_dataset_from_file(
        DatasetDefinition(display_name="d", locale="en-US", kind="Language"), tmp_path / "t.txt")
    assert dataset.status == "Running"
