"""Every operation of the local service, over real HTTP, for each api-version, with each
request and response validated against the official OpenAPI description."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import ObservedExchange, start_local_service
from tests.local.helpers import TEST_SET, Api, acoustic_zip
from tests.support.openapi import ContractChecker, ContractViolation, require_reference

VERSIONS = ["2025-10-15", "2024-11-15", "v3.2"]


def _drive_projects(api: Api) -> dict[str, Any]:
    project: dict[str, Any] = api.ok("POST", "projects", json={
        "displayName": "contract project", "locale": "en-US", "description": "d",
        "customProperties": {"source": "tests"}})
    api.ok("GET", _path(api, project))
    found = api.ok("GET", "projects", filter="displayName eq 'contract project'")
    assert [p["self"] for p in found["values"]] == [project["self"]]
    return project


def _path(api: Api, entity: dict[str, Any], suffix: str = "") -> str:
    path = str(entity["self"]).split("?")[0].split("/speechtotext/")[1]
    return path.removeprefix("v3.2/") + suffix


def _drive(api: Api) -> None:
    projects = api.version != "2024-11-15"
    project = _drive_projects(api) if projects else None
    linked: dict[str, Any] = {"project": api.ref(project)} if project else {}
    base = api.base_model()
    api.ok("GET", _path(api, base))
    api.ok("GET", "datasets/locales")
    test = api.upload_dataset("Acoustic", acoustic_zip(TEST_SET), name="test", block_size=1000,
                              **linked)
    api.ok("GET", _path(api, test, "/blocks"))
    lang = api.upload_dataset("Language", b"\xef\xbb\xbfWe love Sharjah\n", name="lang")
    test, lang = api.wait(test), api.wait(lang)
    api.ok("GET", "datasets", filter="kind eq 'Acoustic' and status eq 'Succeeded'", top=1)
    api.ok("PATCH", _path(api, lang), json={"description": "updated",
                                           "customProperties": {"k": "v"}})
    files = api.ok("GET", _path(api, test, "/files"))["values"]
    api.ok("GET", _path(api, test, "/files/" + files[0]["self"].split("?")[0].rsplit("/", 1)[1]))
    model = api.ok("POST", "models", json={
        "displayName": "m", "locale": "en-US", "baseModel": api.ref(base),
        "datasets": [api.ref(lang)], "customProperties": {"commit": "abc"}, **linked})
    model = api.wait(model)
    api.ok("GET", "models", filter="displayName eq 'm'")
    api.ok("GET", _path(api, model, "/files"))
    api.ok("PATCH", _path(api, model), json={"description": "better"})
    evaluation = api.ok("POST", "evaluations", json={
        "displayName": "e", "locale": "en-US", "model1": api.ref(base), "model2": api.ref(model),
        "dataset": api.ref(test), **linked})
    evaluation = api.wait(evaluation)
    api.ok("GET", "evaluations", top=5)
    api.ok("PATCH", _path(api, evaluation), json={"displayName": "e2"})
    eval_files = api.ok("GET", _path(api, evaluation, "/files"))["values"]
    api.ok("GET", _path(api, evaluation, "/files/" + eval_files[0]["self"].split("?")[0]
                        .rsplit("/", 1)[1]))
    transcription = api.get_url(evaluation["transcription1"]["self"])
    api.ok("GET", "transcriptions")
    t_files = api.ok("GET", _path(api, transcription, "/files"))["values"]
    api.ok("GET", _path(api, transcription, "/files/" + t_files[0]["self"].split("?")[0]
                        .rsplit("/", 1)[1]))
    endpoint = api.ok("POST", "endpoints", json={
        "displayName": "ep", "locale": "en-US", "model": api.ref(base),
        "properties": {"loggingEnabled": False}, **linked})
    api.wait(endpoint)
    patched = api.ok("PATCH", _path(api, endpoint), json={"model": api.ref(model)})
    assert patched["model"] == api.ref(model)
    api.wait(patched)
    api.ok("GET", "endpoints")
    if project:
        for kind in ("datasets", "models", "evaluations", "endpoints", "transcriptions"):
            api.ok("GET", _path(api, project, f"/{kind}"))
        api.ok("PATCH", _path(api, project), json={"description": "p2"})
    _drive_errors(api, model)
    assert api.call("DELETE", _path(api, transcription)).status_code == 204
    for entity in (endpoint, evaluation, model, test, lang, *([project] if project else [])):
        assert api.call("DELETE", _path(api, entity)).status_code == 204


def _drive_errors(api: Api, model: dict[str, Any]) -> None:
    missing = "models/00000000-0000-0000-0000-000000000000"
    assert api.call("GET", missing).status_code == 404
    assert api.call("POST", "datasets", json={"locale": "en-US", "kind": "Language"}
                    ).status_code == 400
    assert api.call("POST", "evaluations", json={"displayName": "x", "locale": "en-US",
                                                 "model1": api.ref(model)}).status_code == 400


def _operation(checker: ContractChecker, exchange: ObservedExchange) -> str:
    """The request's operationId; our deliberately invalid requests (answered 400) only
    have to map to an operation, valid ones must validate fully."""
    try:
        return checker.check_request(exchange.method, exchange.url, exchange.body or None,
                                     exchange.content_type)
    except ContractViolation:
        if exchange.status != 400:
            raise
        template, _ = checker._match_path(urlsplit(exchange.url).path, exchange.url)
        return str(checker._by_template[template][exchange.method.lower()].operation_id)


def _undeclared(spec: dict[str, Any], schema: dict[str, Any], doc: Any, at: str) -> list[str]:
    """Fields of `doc` that the schema does not declare: the checker allows extra fields
    (the spec does), but the local service must not invent them or mix versions."""
    while "$ref" in schema:
        schema = spec["definitions"][schema["$ref"].rsplit("/", 1)[1]]
    properties: dict[str, Any] = dict(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        while "$ref" in part:
            part = spec["definitions"][part["$ref"].rsplit("/", 1)[1]]
        properties |= part.get("properties", {})
    if isinstance(doc, list) and "items" in schema:
        return [x for i, item in enumerate(doc)
                for x in _undeclared(spec, schema["items"], item, f"{at}/{i}")]
    if not isinstance(doc, dict) or (not properties and "additionalProperties" in schema):
        return []
    found = [f"{at}/{key}" for key in doc if key not in properties]
    for key, value in doc.items():
        if key in properties:
            found += _undeclared(spec, properties[key], value, f"{at}/{key}")
    return found


@pytest.mark.parametrize("version", VERSIONS)
def test_every_operation_validates_against_the_spec(version: str, tmp_path: Path) -> None:
    require_reference()
    seen: list[ObservedExchange] = []
    with start_local_service(tmp_path, recognizer=EchoRecognizer(),
                             request_observer=seen.append) as service:
        _drive(Api(service.base_url, version))
    checker = ContractChecker(version)
    operations: Counter[str] = Counter()
    for exchange in seen:
        if "/_local/" in exchange.url:
            continue  # file downloads play the part of blob SAS URLs: not API operations
        operation = _operation(checker, exchange)
        checker.check_response(operation, exchange.status, exchange.response)
        operations[operation] += 1
        declared = checker._operations[operation].spec["responses"].get(str(exchange.status))
        if declared and declared.get("schema") and exchange.response is not None:
            extra = _undeclared(checker.spec, declared["schema"], exchange.response, operation)
            assert not extra, f"undeclared fields in {version}: {extra}"
    print(f"\n{version}: {sum(operations.values())} exchanges, {len(operations)} operations "
          f"validated: {dict(sorted(operations.items()))}")
    expected = {"Datasets_Create", "Datasets_UploadBlock", "Datasets_CommitBlocks",
                "Datasets_GetBlocks", "Models_Create", "Evaluations_Create", "Endpoints_Update",
                "Transcriptions_GetFile", "Models_ListBaseModels", "Datasets_Delete"}
    assert expected <= set(operations)
    assert len(operations) >= (38 if version != "2024-11-15" else 30)
