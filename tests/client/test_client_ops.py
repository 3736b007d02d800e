"""Operations: block upload, polling, evaluation results, base models, endpoints, versions."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from speech_action.client import (
    BLOCK_SIZE,
    Dataset,
    DatasetDefinition,
    EndpointDefinition,
    EntityJobFailedError,
    NoAdaptableBaseModelError,
    ProgressEvent,
    SpeechClient,
    WaitTimeoutError,
    ref,
)
from speech_action.errors import ConfigError, ServiceError
from tests.client.conftest import EP, KEY, Harness, example_body

V = "2025-10-15"
DS = "9d5f4100-5f8e-4dd6-bd83-9bbbf50d57f1"
EV = "1c50ce42-6ab7-454f-8c39-54a752d1a5b6"
T1 = "ba7ea6f5-3065-40b7-b49a-a90f48584683"
T2 = "ad86d0c9-af6d-4d14-a621-c60d7d65b74f"


def _dataset_body(h: Harness, status: str = "NotStarted") -> dict[str, Any]:
    body = dict(example_body(V, "get_dataset.json"))
    body["self"] = h.url(f"/datasets/{DS}")
    body["status"] = status
    return body


def test_block_upload_of_a_file_over_8_mib(harness: Harness, tmp_path: Path) -> None:
    client = harness.client()
    data = bytes(range(256)) * (BLOCK_SIZE // 256) * 2 + b"tail-bytes"
    path = tmp_path / "train.zip"
    path.write_bytes(data)
    harness.adapter.register_uri("POST", harness.url("/datasets"), status_code=201,
                                 json=_dataset_body(harness))
    harness.adapter.register_uri("PUT", harness.url(f"/datasets/{DS}/blocks"), [
        {"status_code": 503}, {"status_code": 201}])  # block PUTs are idempotent: retried
    harness.adapter.register_uri("POST", harness.url(f"/datasets/{DS}/blocks:commit"),
                                 status_code=200)
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"),
                                 json=_dataset_body(harness, "Running"))
    progress: list[tuple[int, int]] = []
    definition = DatasetDefinition(display_name="abc1234 train-data", locale="en-US",
                                   kind="Acoustic", project=ref(harness.url("/projects/p1")))
    dataset = client.create_dataset_from_file(definition, path,
                                              on_progress=lambda s, t: progress.append((s, t)))
    assert dataset.status == "Running"
    created = json.loads(harness.sent("POST")[0].body)
    assert "contentUrl" not in created and created["project"]["self"].endswith(
        "/projects/p1?api-version=2025-10-15")
    puts = [r for r in harness.sent("PUT") if r.body]
    assert [len(r.body) for r in puts] == [BLOCK_SIZE, BLOCK_SIZE, BLOCK_SIZE, 10]
    ids = [r.qs["blockid"][0] for r in puts]  # requests-mock lower-cases query values
    assert len({len(i) for i in ids}) == 1
    assert b"".join(r.body for r in puts[1:]) == data  # first PUT failed and was retried
    assert all(r.headers["Content-Type"] == "application/octet-stream" for r in puts)
    commit = json.loads(harness.sent("POST")[1].body)
    sent_ids = [base64.b64decode(e["id"]).decode() for e in commit]
    assert sent_ids == ["00000000", "00000001", "00000002"]
    assert {e["kind"] for e in commit} == {"Latest"}
    assert progress == [(BLOCK_SIZE, len(data)), (2 * BLOCK_SIZE, len(data)),
                        (len(data), len(data))]


def test_empty_file_is_refused_before_blocks(harness: Harness, tmp_path: Path) -> None:
    client = harness.client()
    (tmp_path / "e.txt").write_bytes(b"")
    harness.adapter.register_uri("POST", harness.url("/datasets"), status_code=201,
                                 json=_dataset_body(harness))
    with pytest.raises(ConfigError, match="empty"):
        client.create_dataset_from_file(
            DatasetDefinition(display_name="d", locale="en-US", kind="Language"),
            tmp_path / "e.txt")


def test_polling_honours_long_retry_after_and_reports_progress(harness: Harness) -> None:
    client = harness.client()
    url = harness.url(f"/datasets/{DS}")
    harness.adapter.register_uri("GET", url, [
        {"json": _dataset_body(harness, "Running"), "headers": {"Retry-After": "90"}},
        {"json": _dataset_body(harness, "Running"), "headers": {"Retry-After": "10"}},
        {"json": _dataset_body(harness, "Succeeded")},
    ])
    events: list[ProgressEvent] = []
    start = Dataset.model_validate(_dataset_body(harness, "NotStarted"))
    done = client.wait(start, timeout_s=3600, poll_s=30, on_progress=events.append)
    assert done.status == "Succeeded"
    assert harness.time.sleeps == [30.0, 90.0, 30.0]  # max(Retry-After, poll interval)
    assert [(e.status, e.elapsed_s) for e in events] == [
        ("NotStarted", 0.0), ("Running", 30.0), ("Succeeded", 150.0)]
    assert events[0].kind == "datasets" and events[0].entity_url == url


def test_polling_times_out_with_heartbeats(harness: Harness) -> None:
    client = harness.client()
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"),
                                 json=_dataset_body(harness, "Running"))
    events: list[ProgressEvent] = []
    start = Dataset.model_validate(_dataset_body(harness, "Running"))
    with pytest.raises(WaitTimeoutError) as info:
        client.wait(start, timeout_s=400, poll_s=60, on_progress=events.append)
    assert sum(harness.time.sleeps) == 400 and max(harness.time.sleeps) == 60
    assert info.value.last_status == "Running" and "timeout-minutes" in str(info.value)
    # Unchanged status still reports at least every 180 s: signs of life.
    assert [e.elapsed_s for e in events] == [0.0, 180.0, 360.0]


def test_failed_job_raises_with_its_error(harness: Harness) -> None:
    client = harness.client()
    failed = _dataset_body(harness, "Failed")
    failed["properties"] = {"error": {"code": "InvalidData", "message": "line 3: no audio"}}
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}"),
                                 json=harness.respond("Datasets_Get", 200, failed))
    poller = client.begin_wait(Dataset.model_validate(_dataset_body(harness, "Running")),
                               poll_s=5)
    assert not poller.done() and poller.status() == "Running"
    with pytest.raises(EntityJobFailedError) as info:
        poller.result(timeout_s=60)
    assert (info.value.code, info.value.service_message) == ("InvalidData", "line 3: no audio")
    assert "line 3: no audio" in str(info.value) and poller.done()


def _result_json(name: str, text: str) -> dict[str, Any]:
    return {
        "source": f"https://store.blob.core.windows.net/in/{name}?sv=1&sig=S",
        "timestamp": "2024-05-02T10:00:00Z", "durationInTicks": 21000000,
        "durationMilliseconds": 2100, "duration": "PT2.1S",
        "combinedRecognizedPhrases": [{"channel": 0, "lexical": text.lower(), "itn": text,
                                       "maskedITN": text, "display": text + "."}],
        "recognizedPhrases": [{"recognitionStatus": "Success", "channel": 0,
                               "offsetMilliseconds": 70, "durationMilliseconds": 2000,
                               "nBest": [{"confidence": 0.9, "lexical": text.lower(),
                                          "itn": text, "maskedITN": text,
                                          "display": text + "."}]}],
    }


def test_evaluation_transcription_results(harness: Harness) -> None:
    client = harness.client()
    body = dict(example_body(V, "get_evaluation.json"))
    harness.adapter.register_uri("GET", harness.url(f"/evaluations/{EV}"), json=body)
    for tid, text in ((T1, "Hello world"), (T2, "Hello word")):
        sas = f"https://store.blob.core.windows.net/out/{tid}.json?sv=1&sig=SECRET"
        files = {"values": [
            {"self": harness.url(f"/transcriptions/{tid}/files/r"), "name": "report.json",
             "kind": "TranscriptionReport", "links": {"contentUrl": sas + "&r=1"}},
            {"self": harness.url(f"/transcriptions/{tid}/files/a"), "name": "a.wav.json",
             "kind": "Transcription", "links": {"contentUrl": sas}},
        ]}
        harness.adapter.register_uri("GET", harness.url(f"/transcriptions/{tid}/files"),
                                     json=harness.respond("Transcriptions_ListFiles", 200, files))
        harness.adapter.register_uri("GET", sas, json=_result_json("a.wav", text))
    results = client.evaluation_transcription_results(client.get_evaluation(EV))
    assert {k: [(r.audio_name, r.display, r.lexical) for r in v] for k, v in results.items()} == {
        "transcription1": [("a.wav", "Hello world.", "hello world")],
        "transcription2": [("a.wav", "Hello word.", "hello word")],
    }
    transcription = dict(example_body(V, "get_transcription.json"))
    harness.adapter.register_uri("GET", transcription["self"], json=transcription)
    assert client.get_transcription(transcription["self"]).status == transcription["status"]
    for request in harness.sent():
        has_key = request.headers.get("Ocp-Apim-Subscription-Key") == KEY
        assert has_key == request.url.startswith(EP), request.url


def test_latest_adaptable_base_model(harness: Harness) -> None:
    client = harness.client()

    def model(mid: str, created: str, kinds: list[str], adapt_until: str) -> dict[str, Any]:
        return {"self": harness.url(f"/models/base/{mid}"), "displayName": mid,
                "locale": "en-US", "createdDateTime": created, "status": "Succeeded",
                "properties": {"features": {"supportsAdaptationsWith": kinds},
                               "deprecationDates": {"adaptationDateTime": adapt_until,
                                                    "transcriptionDateTime": adapt_until}}}

    page = {"values": [
        model("old-ok", "2023-01-01T00:00:00Z", ["Language"], "2027-01-01T00:00:00Z"),
        model("newest-expired", "2025-06-01T00:00:00Z", ["Language"], "2026-01-01T00:00:00Z"),
        model("newest-no-adapt", "2025-07-01T00:00:00Z", [], "2028-01-01T00:00:00Z"),
        model("new-ok", "2024-03-01T00:00:00Z", ["Language", "Acoustic"],
              "2027-06-01T00:00:00Z"),
    ]}
    harness.adapter.register_uri("GET", harness.url("/models/base"),
                                 json=harness.respond("Models_ListBaseModels", 200, page))
    best = client.latest_adaptable_base_model("en-US", datetime(2026, 11, 21, tzinfo=UTC))
    assert best.id == "new-ok"
    assert harness.sent()[0].qs["filter"] == ["locale eq 'en-us'"]
    with pytest.raises(NoAdaptableBaseModelError) as caught:
        client.latest_adaptable_base_model("en-US", datetime(2030, 1, 1, tzinfo=UTC))
    # A fact of the service's catalogue, not an invalid input: the client names no input,
    # but the message still says what to change.
    assert isinstance(caught.value, ServiceError) and not isinstance(caught.value, ConfigError)
    assert caught.value.locale == "en-US"
    message = str(caught.value)
    assert "no base model of locale 'en-US'" in message and EP in message
    assert "pick another locale or give base-model" in message


def test_endpoint_find_and_update(harness: Harness) -> None:
    client = harness.client()
    page = dict(example_body(V, "get_endpoints.json"))
    page.pop("@nextLink")  # paging has its own test
    name = page["values"][0]["displayName"]
    harness.adapter.register_uri("GET", harness.url("/endpoints"), json=page)
    named = client.endpoints_named(name)
    assert named and all(e.display_name == name for e in named)
    found = named[0]
    assert client.endpoints_named("no such endpoint") == []
    updated = dict(page["values"][0])
    harness.adapter.register_uri("PATCH", harness.url(f"/endpoints/{found.id}"), json=updated)
    model_url = harness.url("/models/827712a5-f942-4997-91c3-7c6cde35600b")
    client.update_endpoint_model(found, model_url)
    assert json.loads(harness.sent("PATCH")[0].body) == {"model": {"self": model_url}}


def test_create_endpoint_links_project(harness: Harness) -> None:
    client = harness.client()
    created = example_body(V, "create_endpoint.json", "201")
    harness.adapter.register_uri("POST", harness.url("/endpoints"), status_code=201,
                                 json=created)
    client.create_endpoint(EndpointDefinition(
        display_name="org/repo custom speech", locale="en-US",
        model=ref(harness.url("/models/m1")), project=ref(harness.url("/projects/p1")),
        properties={"loggingEnabled": False}))
    body = json.loads(harness.sent("POST")[0].body)
    assert body["project"]["self"].endswith("/projects/p1?api-version=2025-10-15")


def test_projects_find_or_create(harness: Harness) -> None:
    client = harness.client()
    existing = dict(example_body(V, "get_projects.json"))
    existing.pop("@nextLink")
    name = existing["values"][0]["displayName"]
    locale = existing["values"][0]["locale"]
    harness.adapter.register_uri("GET", harness.url("/projects"), json=existing)
    project = client.find_or_create_project(name, locale)
    assert project is not None and project.display_name == name
    harness.adapter.register_uri("POST", harness.url("/projects"), status_code=201,
                                 json=example_body(V, "create_project.json", "201"))
    assert client.find_or_create_project("brand new", "en-US") is not None
    assert json.loads(harness.sent("POST")[0].body)["displayName"] == "brand new"


def test_2024_has_no_projects_and_drops_project_links(harness: Harness) -> None:
    client = harness.client("2024-11-15")
    assert client.find_or_create_project("p", "en-US") is None
    harness.adapter.register_uri("POST", harness.url("/datasets"), status_code=201,
                                 json=example_body("2024-11-15", "create_dataset_with_blocks.json",
                                                   "201"))
    client.create_dataset(DatasetDefinition(display_name="d", locale="en-US", kind="Language",
                                            project=ref(f"{EP}/speechtotext/projects/p"),
                                            content_url="https://store/x.txt?sig=s"))
    assert "project" not in json.loads(harness.sent("POST")[0].body)
    assert harness.sent("POST")[0].qs["api-version"] == ["2024-11-15"]


def test_v32_is_path_versioned_and_refs_resolve(harness: Harness) -> None:
    client = harness.client("v3.2")
    body = example_body("v3.2", "get_dataset.json")
    harness.adapter.register_uri("GET", f"{EP}/speechtotext/v3.2/datasets/{DS}", json=body)
    by_id = client.get_dataset(DS)
    by_url = client.get_dataset(body["self"])
    assert by_id.id == by_url.id == DS
    assert [r.url for r in harness.sent()] == [f"{EP}/speechtotext/v3.2/datasets/{DS}"] * 2
    model = example_body("v3.2", "get_base_model.json")
    harness.adapter.register_uri("GET", model["self"], json=model)
    assert client.get_base_model(model["self"]).properties.features is not None


@pytest.mark.parametrize("given", ["http://127.0.0.1:8123", "http://127.0.0.1:8123/",
                                   "http://127.0.0.1:8123/speechtotext",
                                   "http://127.0.0.1:8123/speechtotext/v3.2/"])
def test_endpoint_forms(given: str) -> None:
    client = SpeechClient(given, None)
    assert client.endpoint == "http://127.0.0.1:8123"
    assert client.url("/models/base") == (
        "http://127.0.0.1:8123/speechtotext/models/base?api-version=2025-10-15")


def test_endpoint_must_be_a_url() -> None:
    with pytest.raises(ConfigError, match="not an http"):
        SpeechClient("eastus", "k")


def test_id_with_slash_is_refused(harness: Harness) -> None:
    client = harness.client()
    with pytest.raises(ConfigError, match="neither an id nor a URL"):
        client.get_model("../datasets/x")


def test_dataset_report(harness: Harness) -> None:
    client = harness.client()
    files = example_body(V, "get_dataset_report_files.json")
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{DS}/files"), json=files)
    harness.adapter.register_uri("GET", files["values"][0]["links"]["contentUrl"],
                                 json={"fileErrors": [], "acceptedLineCount": 12})
    assert client.dataset_report(DS) == {"fileErrors": [], "acceptedLineCount": 12}


def test_latest_base_model_supports_every_kind_trained_and_endpoints(harness: Harness) -> None:
    # API description: BaseModelFeatures.supportsAdaptationsWith "Supported dataset kinds to
    # adapt the model"; SharedModelFeatures.supportsEndpoints "whether creation of endpoints
    # for live transcription is supported" (issue #14, item 1).
    client = harness.client()

    def model(mid: str, created: str, kinds: list[str],
              endpoints: bool | None = None) -> dict[str, Any]:
        features: dict[str, Any] = {"supportsAdaptationsWith": kinds}
        if endpoints is not None:
            features["supportsEndpoints"] = endpoints
        return {"self": harness.url(f"/models/base/{mid}"), "displayName": mid,
                "locale": "en-US", "createdDateTime": created, "status": "Succeeded",
                "properties": {"features": features}}

    page = {"values": [
        model("older-all-kinds", "2024-01-01T00:00:00Z",
              ["Language", "Acoustic", "Pronunciation", "LanguageMarkdown"], True),
        model("newer-text-only", "2025-01-01T00:00:00Z", ["Language", "LanguageMarkdown"], True),
        model("newest-no-endpoints", "2025-06-01T00:00:00Z",
              ["Language", "Acoustic", "Pronunciation", "LanguageMarkdown"], False),
    ]}
    harness.adapter.register_uri("GET", harness.url("/models/base"),
                                 json=harness.respond("Models_ListBaseModels", 200, page))
    now = datetime(2026, 11, 21, tzinfo=UTC)
    assert client.latest_adaptable_base_model("en-US", now, ["Language"]).id == "newer-text-only"
    chosen = client.latest_adaptable_base_model("en-US", now, ["Language", "Pronunciation"])
    assert chosen.id == "older-all-kinds"
    page["values"] = page["values"][1:]
    with pytest.raises(NoAdaptableBaseModelError) as caught:
        client.latest_adaptable_base_model("en-US", now, ["Acoustic", "Language"])
    message = str(caught.value)
    assert "Acoustic, Language" in message
    assert "newest-no-endpoints, lacks endpoints" in message


def test_an_evaluation_is_created_as_an_accuracy_test(harness: Harness) -> None:
    # Learn, how-to-custom-speech-evaluate-data ("Create a test", REST): customProperties
    # {"testingKind": "Evaluation"}; without it Speech Studio lists the evaluation as a
    # quality-inspection test (issue #14, item 6). Our own properties are kept beside it.
    client = harness.client()
    harness.adapter.register_uri(
        "POST", harness.url("/evaluations"), status_code=201,
        json=harness.respond("Evaluations_Create", 201,
                             example_body("2025-10-15", "create_evaluation.json", "201")))
    client.create_evaluation("e", harness.url("/models/m1"), harness.url("/models/m2"),
                             harness.url("/datasets/d"), "en-US",
                             custom_properties={"speech-action-key": "k"})
    sent = harness.sent("POST")[0].json()
    assert sent["customProperties"]["testingKind"] == "Evaluation"
    assert sent["customProperties"]["speech-action-key"] == "k"


def test_endpoint_logging_is_changed_with_content_logging_enabled(harness: Harness) -> None:
    # API description: EndpointUpdate.properties is EndpointPropertiesUpdate, whose field is
    # contentLoggingEnabled (creation takes EndpointProperties.loggingEnabled) (#14, item 5).
    client = harness.client()
    url = harness.url("/endpoints/e1")
    harness.adapter.register_uri(
        "PATCH", url,
        json=harness.respond("Endpoints_Update", 200,
                             example_body("2025-10-15", "update_endpoint.json")))
    client.update_endpoint_logging("e1", False)
    client.update_endpoint_model("e1", harness.url("/models/m2"), content_logging_enabled=True)
    client.update_endpoint_model("e1", harness.url("/models/m3"))
    bodies = [request.json() for request in harness.sent("PATCH")]
    assert bodies == [
        {"properties": {"contentLoggingEnabled": False}},
        {"model": {"self": harness.url("/models/m2")},
         "properties": {"contentLoggingEnabled": True}},
        {"model": {"self": harness.url("/models/m3")}},
    ]


def _score_files(harness: Harness, texts: dict[str, str], status: int = 200) -> None:
    """`evaluations/{id}/files` as the example get_evaluation_files.json names them (kind
    EvaluationDetails, `<wav>.model1_score.json`), plus a file of another name."""
    values = [{"self": harness.url(f"/evaluations/{EV}/files/summary"),
               "name": "evaluation_details.json", "kind": "EvaluationDetails",
               "links": {"contentUrl": "https://store.blob.core.windows.net/out/summary.json"}}]
    for name, text in texts.items():
        url = f"https://store.blob.core.windows.net/out/{name}"
        values.append({"self": harness.url(f"/evaluations/{EV}/files/{name}"), "name": name,
                       "kind": "EvaluationDetails", "links": {"contentUrl": url}})
        harness.adapter.register_uri("GET", url, status_code=status,
                                     json=_result_json(name.split(".model")[0], text))
    harness.adapter.register_uri("GET", harness.url(f"/evaluations/{EV}/files"),
                                 json=harness.respond("Evaluations_ListFiles", 200,
                                                      {"values": values}))


def _transcription_file(harness: Harness, tid: str) -> str:
    """Transcription `tid` lists one result file, `a.wav.json`; its content URL (to answer)."""
    url = f"https://store.blob.core.windows.net/out/{tid}.json?sv=1&sig=S"
    files = {"values": [{"self": harness.url(f"/transcriptions/{tid}/files/a"),
                         "name": "a.wav.json", "kind": "Transcription",
                         "links": {"contentUrl": url}}]}
    harness.adapter.register_uri("GET", harness.url(f"/transcriptions/{tid}/files"),
                                 json=harness.respond("Transcriptions_ListFiles", 200, files))
    return url


def test_utterance_texts_come_from_the_documented_score_files(harness: Harness) -> None:
    # API description example get_evaluation_files.json (issue #14, item 4): the files are
    # named for the audio and the model; their content is read as a transcription result.
    client = harness.client()
    harness.adapter.register_uri("GET", harness.url(f"/evaluations/{EV}"),
                                 json=example_body(V, "get_evaluation.json"))
    _score_files(harness, {"a.wav.model1_score.json": "Hello world",
                           "a.wav.model2_score.json": "Hello word"})
    texts = client.evaluation_utterance_texts(client.get_evaluation(EV))
    assert texts.by_side == {1: {"a.wav": "hello world"}, 2: {"a.wav": "hello word"}}
    assert texts.source == "the evaluation's score files" and texts.unavailable is None
    assert not any("/transcriptions/" in r.url for r in harness.sent())


def test_unreadable_links_without_sas_are_reported_not_raised(harness: Harness) -> None:
    # BYOS: "returned urls do not contain an SAS token" (API description), so storage
    # answers 403 to both sources; the scores still stand (issue #14, item 3).
    client = harness.client()
    harness.adapter.register_uri("GET", harness.url(f"/evaluations/{EV}"),
                                 json=example_body(V, "get_evaluation.json"))
    _score_files(harness, {"a.wav.model1_score.json": "x", "a.wav.model2_score.json": "y"},
                 status=403)
    for tid in (T1, T2):
        harness.adapter.register_uri("GET", _transcription_file(harness, tid), status_code=403)
    texts = client.evaluation_utterance_texts(client.get_evaluation(EV))
    assert texts.by_side == {1: {}, 2: {}}
    assert texts.unavailable is not None
    assert "score files" in texts.unavailable and "transcriptions" in texts.unavailable
    assert "403" in texts.unavailable


def test_without_score_files_the_transcriptions_are_read(harness: Harness) -> None:
    client = harness.client()
    harness.adapter.register_uri("GET", harness.url(f"/evaluations/{EV}"),
                                 json=example_body(V, "get_evaluation.json"))
    _score_files(harness, {})
    for tid, text in ((T1, "Hello world"), (T2, "Hello word")):
        harness.adapter.register_uri("GET", _transcription_file(harness, tid),
                                     json=_result_json("a.wav", text))
    texts = client.evaluation_utterance_texts(client.get_evaluation(EV))
    assert texts.by_side == {1: {"a.wav": "hello world"}, 2: {"a.wav": "hello word"}}
    assert texts.source == "its transcriptions"
