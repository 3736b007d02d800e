"""Issue #14: the local engine follows the real service's rules at its edges, over real
HTTP, so end-to-end tests through it catch client mistakes. Each test names its source."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from speech_action.local.catalog import DEFAULT_BASE_MODELS, BaseModelSpec
from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import LocalService, start_local_service
from tests.local.helpers import TEST_SET, Api, acoustic_zip

V = "2025-10-15"
VERSIONS = ["2025-10-15", "2024-11-15", "v3.2"]


@pytest.fixture
def byos(tmp_path: Path) -> Iterator[LocalService]:
    with start_local_service(tmp_path / "data", recognizer=EchoRecognizer(),
                             byos=True) as running:
        yield running


def _path(entity: dict[str, Any], suffix: str = "") -> str:
    path = str(entity["self"]).split("?")[0].split("/speechtotext/")[1]
    return path.removeprefix("v3.2/") + suffix


def _evaluate(api: Api, **fields: Any) -> dict[str, Any]:
    test = api.upload_dataset("Acoustic", acoustic_zip(TEST_SET), name="test")
    base = api.base_model()
    return api.wait(api.ok("POST", "evaluations", json={
        "displayName": "e", "locale": "en-US", "model1": api.ref(base),
        "model2": api.ref(base), "dataset": api.ref(test), **fields}))


def _error(response: requests.Response) -> tuple[int, str, str]:
    body = response.json()
    return response.status_code, body["code"], body.get("innerError", {}).get("code", "")


# -- item 4: EvaluationDetails files (example get_evaluation_files.json) ------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_evaluation_files_are_per_wav_model_scores_as_in_get_evaluation_files(
        service: LocalService, version: str) -> None:
    api = Api(service.base_url, version)
    evaluation = _evaluate(api)
    files = api.get_url(evaluation["links"]["files"])["values"]
    names = [f["name"] for f in files]
    assert names[0] == "evaluation_details.json"  # this engine's own file stays first
    assert names[1:] == [f"{wav}.model{i}_score.json" for wav in TEST_SET for i in (1, 2)]
    assert {f["kind"] for f in files} == {"EvaluationDetails"}
    filtered = api.ok("GET", _path(evaluation, "/files"),
                      filter="kind eq 'EvaluationDetails'")["values"]
    assert len(filtered) == len(files)
    score = next(f for f in files if f["name"] == "a.wav.model1_score.json")
    assert score["properties"]["size"] > 0
    content = requests.get(score["links"]["contentUrl"], timeout=5).json()
    best = content["recognizedPhrases"][0]["nBest"][0]
    # Echo base model: "Sharjah" -> "shar jah": one insertion and one substitution.
    assert best["lexical"] == "we flew to shar jah last week"
    assert best["scoringResult"] == ("we,flew,to,<insertion>shar</insertion>,"
                                     "<substitution>jah</substitution>,last,week")
    assert content["source"] == "a.wav"


def test_score_file_of_a_silent_utterance_shows_the_deletions() -> None:
    from speech_action.local.evaluation import score_result

    result = score_result("x.wav", "Hello there", "", 500, datetime(2026, 1, 1, tzinfo=UTC))
    best = result["recognizedPhrases"][0]["nBest"][0]
    assert best["scoringResult"] == "<deletion>hello</deletion>,<deletion>there</deletion>"
    assert best["lexical"] == ""


# -- item 6: customProperties.testingKind ----------------------------------------------

@pytest.mark.parametrize("version", VERSIONS)
def test_testing_kind_is_kept_and_returned_and_its_absence_is_visible(
        service: LocalService, version: str) -> None:
    api = Api(service.base_url, version)
    tagged = _evaluate(api, customProperties={"testingKind": "Evaluation"})
    assert tagged["customProperties"] == {"testingKind": "Evaluation"}
    listed = api.ok("GET", "evaluations")["values"]
    assert [e.get("customProperties") for e in listed] == [{"testingKind": "Evaluation"}]
    # Accepted without it too (Speech Studio then shows a quality inspection test); the
    # answer shows that nothing was sent, so a test can assert the client sends it.
    bare = _evaluate(api)
    assert bare["status"] == "Succeeded" and "customProperties" not in bare


# -- item 3: BYOS, file URLs without SAS (sasLifetimeMinutes in the API description) ----

def _dataset_report_file(api: Api) -> dict[str, Any]:
    dataset = api.wait(api.upload_dataset("Language", b"We love Sharjah\n"))
    files = api.get_url(dataset["links"]["files"])["values"]
    return dict(next(f for f in files if f["kind"] == "DatasetReport"))


def test_without_byos_content_urls_carry_a_12_hour_sas_and_only_it_opens_them(
        tmp_path: Path) -> None:
    clock = [datetime(2026, 3, 1, tzinfo=UTC)]
    with start_local_service(tmp_path, recognizer=EchoRecognizer(),
                             now=lambda: clock[0]) as service:
        api = Api(service.base_url, V)
        url = _dataset_report_file(api)["links"]["contentUrl"]
        query = parse_qs(urlsplit(url).query)
        assert query["se"] == ["2026-03-01T12:00:00Z"] and query["sig"] and query["sp"] == ["r"]
        assert requests.get(url, timeout=5).status_code == 200  # no key, no credentials
        bare = url.split("?")[0]
        assert requests.get(bare, timeout=5).status_code == 401
        tampered = url.replace("sp=r", "sp=rw").replace("se=2026-03-01T12", "se=2027-03-01T12")
        assert requests.get(tampered, timeout=5).status_code == 403
        clock[0] += timedelta(hours=13)
        expired = requests.get(url, timeout=5)
        assert expired.status_code == 403
        assert expired.headers["x-ms-error-code"] == "AuthenticationFailed"
        short = api.ok("GET", _path(_dataset_report_file(api)).rsplit("/files", 1)[0] + "/files",
                       sasLifetimeMinutes=5)["values"][0]["links"]["contentUrl"]
        assert parse_qs(urlsplit(short).query)["se"] == ["2026-03-01T13:05:00Z"]


def test_byos_content_urls_have_no_sas_and_need_storage_credentials(
        byos: LocalService) -> None:
    api = Api(byos.base_url, V)
    url = _dataset_report_file(api)["links"]["contentUrl"]
    assert urlsplit(url).query == ""  # "returned urls do not contain an SAS token"
    anonymous = requests.get(url, timeout=5)
    assert anonymous.status_code == 401
    assert anonymous.headers["x-ms-error-code"] == "NoAuthenticationInformation"
    assert b"<Code>NoAuthenticationInformation</Code>" in anonymous.content
    # The Speech key is not a storage credential, even on the same origin.
    keyed = api.session.get(url, timeout=5)
    assert keyed.status_code == 401
    signed_in = requests.get(url, headers={"Authorization": "Bearer storage-token"}, timeout=5)
    assert signed_in.status_code == 200 and signed_in.json()["acceptedLineCount"] == 1


def test_byos_refuses_sas_lifetime_minutes(byos: LocalService) -> None:
    # sasLifetimeMinutes: "can only be used for operations on speech resources that
    # don't have BYOS enabled" (fail-safe: refused).
    api = Api(byos.base_url, V)
    dataset = api.wait(api.upload_dataset("Language", b"We love Sharjah\n"))
    refused = api.call("GET", _path(dataset, "/files"), sasLifetimeMinutes=60)
    assert _error(refused) == (400, "InvalidArgument", "InvalidSasValidityDuration")
    assert api.call("GET", _path(dataset, "/files")).status_code == 200


# -- item 5: content logging only with BYOS (migrate-2024-11-15, Endpoints) -------------

def _endpoint(api: Api, logging: bool) -> requests.Response:
    return api.call("POST", "endpoints", json={
        "displayName": "ep", "locale": "en-US", "model": api.ref(api.base_model()),
        "properties": {"loggingEnabled": logging}})


@pytest.mark.parametrize("version", ["2025-10-15", "2024-11-15"])
def test_logging_is_refused_without_byos_on_create_and_on_patch(
        service: LocalService, version: str) -> None:
    api = Api(service.base_url, version)
    assert _error(_endpoint(api, True)) == (400, "InvalidArgument",
                                            "EndpointLoggingNotSupported")
    endpoint = api.wait(_endpoint(api, False).json())
    patch = api.call("PATCH", _path(endpoint),
                     json={"properties": {"contentLoggingEnabled": True}})
    assert _error(patch) == (400, "InvalidArgument", "EndpointLoggingNotSupported")
    assert api.ok("GET", _path(endpoint))["properties"]["loggingEnabled"] is False
    off = api.ok("PATCH", _path(endpoint), json={"properties": {"contentLoggingEnabled": False}})
    assert off["properties"]["loggingEnabled"] is False


def test_v32_keeps_its_old_logging_rule(service: LocalService) -> None:
    api = Api(service.base_url, "v3.2")
    created = _endpoint(api, True)
    assert created.status_code == 201 and created.json()["properties"]["loggingEnabled"] is True


@pytest.mark.parametrize("version", ["2025-10-15", "2024-11-15"])
def test_byos_applies_logging_on_create_and_on_patch(byos: LocalService, version: str) -> None:
    api = Api(byos.base_url, version)
    endpoint = api.wait(_endpoint(api, True).json())
    assert endpoint["properties"]["loggingEnabled"] is True
    off = api.ok("PATCH", _path(endpoint), json={"properties": {"contentLoggingEnabled": False}})
    assert off["properties"]["loggingEnabled"] is False
    on = api.ok("PATCH", _path(endpoint), json={"properties": {"contentLoggingEnabled": True}})
    assert api.ok("GET", _path(on))["properties"]["loggingEnabled"] is True


# -- item 10: rejected lines (DatasetProperties.acceptedLineCount / rejectedLineCount) --

def _report(api: Api, dataset: dict[str, Any]) -> dict[str, Any]:
    files = api.get_url(dataset["links"]["files"])["values"]
    report = next(f for f in files if f["kind"] == "DatasetReport")
    assert report["name"] == "report.json"  # get_dataset_report_files.json
    return dict(requests.get(report["links"]["contentUrl"], timeout=5).json())


def test_language_dataset_with_invalid_lines_succeeds_and_its_report_names_them(
        service: LocalService) -> None:
    api = Api(service.base_url, V)
    text = ("We love Sharjah\n"
            "see https://example.com/sharjah\n"
            "12345 67 !!!\n"
            "\u65e5\u672c\u8a9e\u3060\u3051\n"
            "yeah yeah yeah yeah\n"
            "\n"
            "Khor Fakkan beach\n")
    dataset = api.wait(api.upload_dataset("Language", text.encode()))
    assert dataset["status"] == "Succeeded"
    assert (dataset["properties"]["acceptedLineCount"],
            dataset["properties"]["rejectedLineCount"]) == (2, 4)
    report = _report(api, dataset)
    assert [r["line"] for r in report["rejectedLines"]] == [2, 3, 4, 5]
    assert "URI" in report["rejectedLines"][0]["reason"]
    assert "en-US" in report["rejectedLines"][2]["reason"]


def test_pronunciation_lines_without_a_tab_are_rejected(service: LocalService) -> None:
    api = Api(service.base_url, V)
    text = "Sharjah\tshar jah\nsouk sook\nKalba\t123\n"
    dataset = api.wait(api.upload_dataset("Pronunciation", text.encode()))
    assert dataset["status"] == "Succeeded"
    assert [r["line"] for r in _report(api, dataset)["rejectedLines"]] == [2, 3]


def test_a_dataset_with_nothing_accepted_fails(service: LocalService) -> None:
    api = Api(service.base_url, V)
    dataset = api.wait(api.upload_dataset("Pronunciation", b"no tab here\nnor here\n"))
    assert dataset["status"] == "Failed"
    assert "no usable line (2 rejected)" in dataset["properties"]["error"]["message"]


# -- item 1 support: base models' capabilities (get_base_model.json) --------------------

NEWER = (
    *DEFAULT_BASE_MODELS,
    BaseModelSpec("2026-no-endpoints", "en-US no endpoints", 2026, supports_endpoints=False),
    BaseModelSpec("2026-language", "en-US language only", 2026,
                  supports_adaptations_with=("Language",)),
)


def test_default_catalog_is_unchanged(service: LocalService) -> None:
    models = Api(service.base_url, V).ok("GET", "models/base")["values"]
    assert [m["displayName"] for m in models] == [s.display_name for s in DEFAULT_BASE_MODELS]
    features = models[-1]["properties"]["features"]
    assert {"Language", "Acoustic", "Pronunciation"} <= set(features["supportsAdaptationsWith"])
    assert features["supportsEndpoints"] is True


@pytest.mark.parametrize("version", VERSIONS)
def test_base_models_with_limited_capabilities(tmp_path: Path, version: str) -> None:
    with start_local_service(tmp_path, recognizer=EchoRecognizer(),
                             base_models=NEWER) as service:
        api = Api(service.base_url, version)
        models = {m["displayName"]: m for m in api.ok("GET", "models/base")["values"]}
        language_only, no_endpoints = models["en-US language only"], models["en-US no endpoints"]
        assert language_only["properties"]["features"]["supportsAdaptationsWith"] == ["Language"]
        assert no_endpoints["properties"]["features"]["supportsEndpoints"] is False
        audio = api.upload_dataset("Acoustic", acoustic_zip(TEST_SET), name="audio")
        lang = api.upload_dataset("Language", b"We love Sharjah\n", name="lang")
        refused = api.call("POST", "models", json={
            "displayName": "m", "locale": "en-US", "baseModel": api.ref(language_only),
            "datasets": [api.ref(lang), api.ref(audio)]})
        assert _error(refused) == (400, "InvalidArgument", "InvalidAdaptationMapping")
        assert "Acoustic" in refused.json()["message"]
        trained = api.wait(api.ok("POST", "models", json={
            "displayName": "m", "locale": "en-US", "baseModel": api.ref(no_endpoints),
            "datasets": [api.ref(lang)]}))
        assert trained["properties"]["features"]["supportsEndpoints"] is False
        for model in (no_endpoints, trained):
            deploy = api.call("POST", "endpoints", json={
                "displayName": "ep", "locale": "en-US", "model": api.ref(model)})
            assert _error(deploy) == (400, "InvalidArgument", "ModelNotDeployable")


def test_model_without_base_model_takes_the_newest_and_obeys_its_kinds(tmp_path: Path) -> None:
    with start_local_service(tmp_path, recognizer=EchoRecognizer(),
                             base_models=NEWER) as service:
        api = Api(service.base_url, V)
        audio = api.upload_dataset("Acoustic", acoustic_zip(TEST_SET), name="audio")
        refused = api.call("POST", "models", json={"displayName": "m", "locale": "en-US",
                                                   "datasets": [api.ref(audio)]})
        assert _error(refused)[2] == "InvalidAdaptationMapping"


# -- `speech-action serve --byos` --------------------------------------------------------

def test_serve_flag_byos_reaches_the_service(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:
    from speech_action import cli
    from speech_action.local import server

    seen: dict[str, Any] = {}
    monkeypatch.setattr(server, "serve_forever", lambda data_dir, port, **kw: seen.update(kw))
    assert cli.main(["serve", "--byos", "--data-dir", str(tmp_path)], {}) == 0
    assert seen["byos"] is True
    assert cli.main(["serve", "--data-dir", str(tmp_path)], {}) == 0
    assert seen["byos"] is False
