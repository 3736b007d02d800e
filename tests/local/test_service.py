"""The local service's behaviour over real HTTP: state, jobs, paging, errors, downloads."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from speech_action.local.faults import FaultPlan
from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import LocalService, start_local_service
from tests.local.helpers import TEST_SET, Api, acoustic_zip

V = "2025-10-15"


def _create_language(api: Api, name: str) -> dict[str, Any]:
    return api.upload_dataset("Language", b"We love Sharjah\n", name=name)


def test_entities_persist_across_two_service_instances(tmp_path: Path) -> None:
    with start_local_service(tmp_path, recognizer=EchoRecognizer()) as first:
        dataset = Api(first.base_url, V).wait(_create_language(Api(first.base_url, V), "kept"))
        dataset_id = dataset["self"].split("?")[0].rsplit("/", 1)[1]
    with start_local_service(tmp_path, recognizer=EchoRecognizer()) as second:
        again = Api(second.base_url, V).ok("GET", f"datasets/{dataset_id}")
    assert again["displayName"] == "kept"
    assert again["status"] == "Succeeded"
    assert again["properties"]["acceptedLineCount"] == 1
    assert again["self"].startswith(second.base_url)
    stored = list((tmp_path / "entities" / "datasets").glob("*.json"))
    assert [p.stem for p in stored] == [dataset_id]


def test_unfinished_job_completes_after_restart(tmp_path: Path) -> None:
    stuck = FaultPlan(job_never_finishes=frozenset({"models"}))
    with start_local_service(tmp_path, recognizer=EchoRecognizer(), faults=stuck) as first:
        api = Api(first.base_url, V)
        lang = api.wait(_create_language(api, "lang"))
        model = api.ok("POST", "models", json={"displayName": "m", "locale": "en-US",
                                               "datasets": [api.ref(lang)]})
        running = api.wait(model, until=("Running",))
        response = api.session.get(running["self"], timeout=5)
        assert response.headers["Retry-After"] == "1"
    with start_local_service(tmp_path, recognizer=EchoRecognizer()) as second:
        api = Api(second.base_url, V)
        path = model["self"].split("/speechtotext/")[1].split("?")[0]
        done = api.wait(api.ok("GET", path))
    assert done["status"] == "Succeeded"
    model_dir = tmp_path / "blobs" / "models" / path.rsplit("/", 1)[1] / "model"
    assert (model_dir / "vocabulary.txt").read_text("utf-8").split() == ["love", "sharjah", "we"]


def test_paging_with_skip_top_and_next_link(service: LocalService) -> None:
    api = Api(service.base_url, V)
    for index in range(5):
        api.ok("POST", "projects", json={"displayName": f"p{index}", "locale": "en-US"})
    first = api.ok("GET", "projects", top=2)
    assert [p["displayName"] for p in first["values"]] == ["p0", "p1"]
    second = api.get_url(first["@nextLink"])
    assert [p["displayName"] for p in second["values"]] == ["p2", "p3"]
    last = api.get_url(second["@nextLink"])
    assert [p["displayName"] for p in last["values"]] == ["p4"]
    assert "@nextLink" not in last
    assert "skip=2" in first["@nextLink"] and "api-version=2025-10-15" in first["@nextLink"]


def test_filter_by_display_name_status_and_kind(service: LocalService) -> None:
    api = Api(service.base_url, V)
    lang = api.wait(_create_language(api, "wanted"))
    api.wait(_create_language(api, "other"))
    wanted = "displayName eq 'wanted' and status eq 'Succeeded' and kind eq 'Language'"
    found = api.ok("GET", "datasets", filter=wanted)
    assert [d["self"] for d in found["values"]] == [lang["self"]]
    either = api.ok("GET", "datasets", filter="displayName eq 'wanted' or displayName eq 'other'")
    assert len(either["values"]) == 2
    bad = api.call("GET", "datasets", filter="color eq 'red'")
    assert bad.status_code == 400
    assert bad.json()["innerError"]["code"] == "UnsupportedFilter"


def test_error_shapes_404_400_401_and_version(tmp_path: Path) -> None:
    with start_local_service(tmp_path, recognizer=EchoRecognizer(),
                             expected_key="right") as svc:
        api = Api(svc.base_url, V, key="right")
        missing = api.call("GET", "models/00000000-0000-0000-0000-000000000000")
        assert missing.status_code == 404 and missing.json()["code"] == "NotFound"
        unknown = api.call("GET", "nothing/here")
        assert unknown.status_code == 404 and "message" in unknown.json()
        invalid = api.call("POST", "datasets", json={"displayName": "x", "locale": "en-US"})
        assert invalid.status_code == 400
        assert invalid.json()["code"] == "InvalidArgument" and "'kind'" in invalid.json()["message"]
        wrong = Api(svc.base_url, V, key="wrong").call("GET", "datasets")
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "401"
        assert wrong.json()["error"]["message"].startswith("Access denied due to invalid")
        old = Api(svc.base_url, "3.1", key="right").call("GET", "datasets")
        assert old.status_code == 400 and "api-version" in old.json()["message"]
        no_projects = Api(svc.base_url, "2024-11-15", key="right").call("GET", "projects")
        assert no_projects.status_code == 404
        assert api.call("DELETE", "models/00000000-0000-0000-0000-000000000000").status_code == 204


def test_evaluation_counts_with_echo_recognizer(service: LocalService) -> None:
    api = Api(service.base_url, V)
    test = api.upload_dataset("Acoustic", acoustic_zip(TEST_SET), name="test")
    lang = api.upload_dataset("Language", b"\xef\xbb\xbfDubai and Sharjah\n", name="lang")
    base = api.base_model()
    model = api.ok("POST", "models", json={"displayName": "m", "locale": "en-US",
                                           "baseModel": api.ref(base), "datasets": [api.ref(lang)]})
    evaluation = api.wait(api.ok("POST", "evaluations", json={
        "displayName": "e", "locale": "en-US", "model1": api.ref(base), "model2": api.ref(model),
        "dataset": api.ref(test)}))
    props = evaluation["properties"]
    # base model: Sharjah, Dubai, Sharjah each -> two words: 3 substitutions + 3 insertions
    assert (props["wordCount1"], props["correctWordCount1"]) == (16, 13)
    assert (props["wordSubstitutionCount1"], props["wordInsertionCount1"]) == (3, 3)
    assert props["wordDeletionCount1"] == 0
    assert props["wordErrorRate1"] == pytest.approx(6 / 16)
    assert (props["sentenceCount1"], props["sentenceErrorRate1"]) == (3, pytest.approx(2 / 3))
    assert props["wordErrorRate2"] == 0.0 and props["correctWordCount2"] == 16
    transcription = api.get_url(evaluation["transcription1"]["self"])
    files = api.get_url(transcription["links"]["files"])["values"]
    result = next(f for f in files if f["name"] == "b.wav.json")
    content = requests.get(result["links"]["contentUrl"], timeout=5).json()
    best = content["recognizedPhrases"][0]["nBest"][0]
    assert best["lexical"] == "the meeting is in dub ai and shar jah"
    assert best["display"] == "The meeting is in dub ai and shar jah."
    assert content["combinedRecognizedPhrases"][0]["lexical"] == best["lexical"]
    assert content["source"] == "b.wav" and content["duration"] == "PT0.5S"


def test_endpoint_patch_model_runs_then_succeeds(tmp_path: Path) -> None:
    with start_local_service(tmp_path, recognizer=EchoRecognizer(), job_delay_s=0.05) as svc:
        api = Api(svc.base_url, V)
        base = api.base_model()
        created = api.ok("POST", "endpoints", json={"displayName": "ep", "locale": "en-US",
                                                    "model": api.ref(base)})
        assert created["status"] == "NotStarted"
        api.wait(created)
        lang = _create_language(api, "l")
        model = api.wait(api.ok("POST", "models", json={
            "displayName": "m", "locale": "en-US", "datasets": [api.ref(lang)]}))
        path = created["self"].split("/speechtotext/")[1].split("?")[0]
        patched = api.ok("PATCH", path, json={"model": api.ref(model)})
        assert patched["status"] == "Running" and patched["model"] == api.ref(model)
        assert api.wait(patched)["model"] == api.ref(model)


class _Blob(BaseHTTPRequestHandler):
    payload = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.payload)))
        self.end_headers()
        self.wfile.write(self.payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def blob_server() -> Iterator[str]:
    _Blob.payload = acoustic_zip(TEST_SET)
    server = HTTPServer(("127.0.0.1", 0), _Blob)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/container/test.zip?sv=x&sig=secret"
    server.shutdown()
    server.server_close()


def test_content_url_on_loopback_is_fetched(service: LocalService, blob_server: str) -> None:
    api = Api(service.base_url, V)
    dataset = api.wait(api.ok("POST", "datasets", json={
        "displayName": "from blob", "locale": "en-US", "kind": "Acoustic",
        "contentUrl": blob_server}))
    assert dataset["status"] == "Succeeded"
    assert dataset["properties"]["acceptedLineCount"] == 3
    assert dataset["properties"]["durationMilliseconds"] == 1500
    assert dataset["contentUrl"] == blob_server


def test_non_loopback_content_url_is_refused(service: LocalService) -> None:
    api = Api(service.base_url, V)
    refused = api.call("POST", "datasets", json={
        "displayName": "x", "locale": "en-US", "kind": "Language",
        "contentUrl": "https://example.com/data.txt"})
    assert refused.status_code == 400
    assert "never goes to the network" in refused.json()["message"]


def test_bad_zip_fails_the_dataset_with_an_error(service: LocalService) -> None:
    api = Api(service.base_url, V)
    dataset = api.wait(api.upload_dataset("Acoustic", b"this is not a zip", name="bad"))
    assert dataset["status"] == "Failed"
    assert "not a valid zip" in dataset["properties"]["error"]["message"]


def test_dataset_report_file_counts_rejected_lines(service: LocalService) -> None:
    api = Api(service.base_url, V)
    dataset = api.wait(api.upload_dataset(
        "Pronunciation", b"Sharjah\tshar jah\nno tab here\nDubai\tdu bye\n", name="p"))
    assert (dataset["properties"]["acceptedLineCount"],
            dataset["properties"]["rejectedLineCount"]) == (2, 1)
    files = api.get_url(dataset["links"]["files"])["values"]
    assert {f["kind"] for f in files} == {"DatasetReport", "PronunciationData"}
    report = next(f for f in files if f["kind"] == "DatasetReport")
    body = requests.get(report["links"]["contentUrl"], timeout=5).json()
    assert body["rejectedLines"] == [{"line": 2, "reason": "expected '<display form><TAB>"
                                      "<spoken form>'"}]


def test_evaluation_needs_an_acoustic_test_dataset(service: LocalService) -> None:
    api = Api(service.base_url, V)
    lang = api.wait(_create_language(api, "l"))
    base = api.base_model()
    refused = api.call("POST", "evaluations", json={
        "displayName": "e", "locale": "en-US", "model1": api.ref(base), "model2": api.ref(base),
        "dataset": api.ref(lang)})
    assert refused.status_code == 400
    assert refused.json()["innerError"]["code"] == "InvalidDataset"


def test_evaluation_fails_when_its_model_failed(tmp_path: Path) -> None:
    plan = FaultPlan(fail_jobs={"models": "injected"})
    with start_local_service(tmp_path, recognizer=EchoRecognizer(), faults=plan) as svc:
        api = Api(svc.base_url, V)
        test = api.upload_dataset("Acoustic", acoustic_zip(TEST_SET), name="t")
        model = api.ok("POST", "models", json={"displayName": "m", "locale": "en-US"})
        evaluation = api.wait(api.ok("POST", "evaluations", json={
            "displayName": "e", "locale": "en-US", "model1": api.ref(model),
            "model2": api.ref(model), "dataset": api.ref(test)}))
    assert evaluation["status"] == "Failed"
    assert "ended Failed" in evaluation["properties"]["error"]["message"]


def test_chunked_block_upload_and_top_bounds(service: LocalService) -> None:
    api = Api(service.base_url, V)
    dataset = api.ok("POST", "datasets", json={"displayName": "c", "locale": "en-US",
                                               "kind": "Language"})
    path = dataset["self"].split("/speechtotext/")[1].split("?")[0]
    chunks = iter([b"We love ", b"Sharjah\n"])
    response = api.session.put(api.url(f"{path}/blocks"), data=chunks, timeout=5,
                               params=api.params(blockid="QUFB"))
    assert response.status_code == 201
    blocks = api.ok("GET", f"{path}/blocks")
    assert blocks["uncommittedBlocks"] == [{"name": "QUFB", "size": 16}]
    api.ok("POST", f"{path}/blocks:commit", json=[{"kind": "Latest", "id": "QUFB"}])
    assert api.wait(dataset)["properties"]["acceptedLineCount"] == 1
    assert api.call("GET", "datasets", top=0).status_code == 400


class _CountingEcho(EchoRecognizer):
    def __init__(self) -> None:
        self.calls: list[Path | None] = []

    def recognize(self, model_dir: Path | None, wavs: Sequence[Path]) -> list[str]:
        self.calls.append(model_dir)
        return super().recognize(model_dir, wavs)


def test_same_model_on_both_sides_is_decoded_once(tmp_path: Path) -> None:
    recognizer = _CountingEcho()
    with start_local_service(tmp_path, recognizer=recognizer) as svc:
        api = Api(svc.base_url, V)
        test = api.upload_dataset("Acoustic", acoustic_zip(TEST_SET), name="t")
        base = api.ref(api.base_model())
        evaluation = api.wait(api.ok("POST", "evaluations", json={
            "displayName": "bench", "locale": "en-US", "model1": base, "model2": base,
            "dataset": api.ref(test)}))
    assert recognizer.calls == [None]
    props = evaluation["properties"]
    assert props["wordErrorRate1"] == props["wordErrorRate2"] == pytest.approx(6 / 16)
    assert evaluation["transcription1"] != evaluation["transcription2"]


def test_two_running_services_on_one_data_dir_see_each_others_entities(tmp_path: Path) -> None:
    with start_local_service(tmp_path, recognizer=EchoRecognizer()) as one, \
            start_local_service(tmp_path, recognizer=EchoRecognizer()) as two:
        first, second = Api(one.base_url, V), Api(two.base_url, V)
        created = first.ok("POST", "projects", json={"displayName": "shared", "locale": "en-US"})
        listed = second.ok("GET", "projects", filter="displayName eq 'shared'")["values"]
        assert [p["self"].replace(two.base_url, one.base_url) for p in listed] == [
            created["self"]]
        path = created["self"].split("/speechtotext/")[1].split("?")[0]
        assert second.call("DELETE", path).status_code == 204
        assert first.call("GET", path).status_code == 404
