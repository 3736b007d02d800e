"""The service's documented rules at the edges, end to end: the action (entrypoint in a
subprocess) against the local service, which keeps the same rules (issue #14). Each test
names its source; the local engine's side of each rule is tested in tests/local."""

from __future__ import annotations

import json
from pathlib import Path

from speech_action.local.catalog import DEFAULT_BASE_MODELS, BaseModelSpec
from tests.e2e.conftest import SPEECH_KEY, MakeService, RecordingService
from tests.support.runner import ActionRun, run_action


def _run(mode: str, service: RecordingService, workspace: Path, step: Path,
         **inputs: str) -> ActionRun:
    given = {"mode": mode, "speech-endpoint": service.url, "speech-key": SPEECH_KEY,
             "poll-seconds": "0.05", **inputs}
    run = run_action(given, workspace, step)
    assert run.returncode == 0, run.all_text[-4000:]
    return run


def _paths(service: RecordingService, method: str = "GET") -> list[str]:
    return [e.url.split("?", 1)[0] for e in service.exchanges if e.method == method]


def test_evaluations_are_accuracy_tests_read_from_their_score_files(
        make_service: MakeService, workspace: Path, tmp_path: Path) -> None:
    # Learn, how-to-custom-speech-evaluate-data: customProperties.testingKind "Evaluation";
    # API description example get_evaluation_files.json: <wav>.model1_score.json files.
    service = make_service()
    _run("train-and-gate", service, workspace, tmp_path / "gate")
    [created] = [e for e in service.creates("evaluations") if e.status == 201]
    assert json.loads(created.body)["customProperties"]["testingKind"] == "Evaluation"
    listed = [value for e in service.exchanges
              if e.method == "GET" and e.url.split("?")[0].endswith("/files")
              and "/evaluations/" in e.url and isinstance(e.response, dict)
              for value in e.response["values"]]
    score_files = {f["links"]["contentUrl"].split("?")[0] for f in listed
                   if f["kind"] == "EvaluationDetails" and f["name"].endswith("_score.json")}
    test_wavs = len(list((workspace / "testing_data").glob("*.wav")))
    assert len(score_files) == 2 * test_wavs
    reads = set(_paths(service))
    assert score_files <= reads
    assert not any("/transcriptions/" in path for path in reads)


def test_byos_links_without_sas_gate_on_the_service_scores(
        make_service: MakeService, workspace: Path, tmp_path: Path) -> None:
    # API description (sasLifetimeMinutes): "For speech resources with BYOS, returned urls
    # do not contain an SAS token": the files answer 401, the scores stand.
    service = make_service(byos=True)
    run = _run("train-and-gate", service, workspace, tmp_path / "gate")
    assert run.outputs["improved"] == "true"
    assert "could not be read" in run.summary
    assert "service's WERs alone" in run.summary
    assert SPEECH_KEY not in run.all_text


def test_rejected_lines_are_a_warning_with_the_counts(
        make_service: MakeService, workspace: Path, tmp_path: Path) -> None:
    # API description DatasetProperties.rejectedLineCount; the local service rejects a line
    # that repeats a word more than three times (Learn, "Training and testing datasets":
    # such lines may be dropped), which our own validation lets through.
    with (workspace / "training_data" / "plain_text.txt").open("a", encoding="utf-8") as out:
        out.write("rent rent rent rent a car in Sharjah\n")
    service = make_service()
    run = _run("train-and-gate", service, workspace, tmp_path / "gate")
    [warning] = [line for line in run.annotations("warning") if "rejected" in line]
    assert "rejected 1 of" in warning and "Language data" in warning


def test_the_base_model_is_one_that_takes_every_kind_trained(
        make_service: MakeService, workspace: Path, tmp_path: Path) -> None:
    # API description BaseModelFeatures.supportsAdaptationsWith; the example trains Language
    # and Pronunciation, which the newest base model here cannot take.
    text_only = BaseModelSpec("2026-text", "en-US text-only model 2026", 2026,
                              supports_adaptations_with=("Language", "LanguageMarkdown"))
    service = make_service(base_models=(*DEFAULT_BASE_MODELS, text_only))
    run = _run("train-and-gate", service, workspace, tmp_path / "gate")
    [created] = [e for e in service.creates("models") if e.status == 201]
    base = json.loads(created.body)["baseModel"]["self"]
    assert DEFAULT_BASE_MODELS[1].id in base and text_only.id not in base
    assert "newest adaptable with Language, Pronunciation" in run.stdout


def test_content_logging_needs_byos_and_reaches_an_existing_endpoint(
        make_service: MakeService, workspace: Path, tmp_path: Path) -> None:
    # Learn, migrate-2024-11-15: only BYOS resources can enable logging; API description
    # EndpointPropertiesUpdate.contentLoggingEnabled for an endpoint that exists.
    plain = make_service()
    _run("train-and-gate", plain, workspace, tmp_path / "gate")
    refused = run_action({"mode": "deploy", "speech-endpoint": plain.url,
                          "speech-key": SPEECH_KEY, "poll-seconds": "0.05",
                          "logging-enabled": "true"}, workspace, tmp_path / "refused")
    assert refused.returncode == 1
    [error] = refused.annotations("error")
    assert "logging-enabled" in error and "bring-your-own-storage" in error
    plain.service.stop()

    byos = make_service(byos=True)
    _run("train-and-gate", byos, workspace, tmp_path / "gate-byos")
    _run("deploy", byos, workspace, tmp_path / "deploy")  # created without logging
    _run("deploy", byos, workspace, tmp_path / "logging", **{"logging-enabled": "true"})
    patches = [json.loads(e.body) for e in byos.exchanges if e.method == "PATCH"]
    assert {"properties": {"contentLoggingEnabled": True}} in patches
