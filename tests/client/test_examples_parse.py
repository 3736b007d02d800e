"""Every example response of the reference parses into the client's typed resources."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel as PydanticModel

from speech_action.client.models import (
    CustomModel,
    Dataset,
    Endpoint,
    Entity,
    Evaluation,
    File,
    Page,
    Project,
    SpeechBaseModel,
    Transcription,
    UploadedBlocks,
)
from tests.support.openapi import REFERENCE_DIR, SPEC_FILES, ContractChecker, require_reference

ENTITY_MODELS: dict[str, type[PydanticModel]] = {
    "Dataset": Dataset, "BaseModel": SpeechBaseModel, "CustomModel": CustomModel,
    "Evaluation": Evaluation, "Endpoint": Endpoint, "Project": Project, "File": File,
    "Transcription": Transcription, "UploadedBlocks": UploadedBlocks,
}
PAGE_MODELS: dict[str, type[Page[Any]]] = {
    "PaginatedDatasets": Page[Dataset], "PaginatedBaseModels": Page[SpeechBaseModel],
    "PaginatedCustomModels": Page[CustomModel], "PaginatedEvaluations": Page[Evaluation],
    "PaginatedEndpoints": Page[Endpoint], "PaginatedProjects": Page[Project],
    "PaginatedFiles": Page[File], "PaginatedTranscriptions": Page[Transcription],
}
# Response schemas of operations the product never calls; parsed by nothing on purpose.
NOT_USED = {"WebHook", "PaginatedWebHooks", "ModelManifest", "Operation",
            "ModelCopyAuthorization", "DatasetLocales", "TranscriptionLocales",
            "TranscribeResult"}


def _examples(version: str) -> list[tuple[str, str, int, Any]]:
    checker = ContractChecker(version)
    found = []
    for item in checker.spec["paths"].values():
        for op in item.values():
            if not isinstance(op, dict):
                continue
            for ref in op.get("x-ms-examples", {}).values():
                path = REFERENCE_DIR / "examples" / version / ref["$ref"].rsplit("/", 1)[-1]
                if not path.is_file():
                    continue
                example = json.loads(path.read_text(encoding="utf-8"))
                for status, response in example["responses"].items():
                    schema = checker.response_schema_ref(op["operationId"], int(status))
                    found.append((path.name, schema or "", int(status), response.get("body")))
    return found


def _check_entity(parsed: PydanticModel, body: dict[str, Any]) -> None:
    if isinstance(parsed, Entity):
        assert parsed.self_url == body["self"]
        assert parsed.id and "?" not in parsed.id and "/" not in parsed.id
        assert parsed.display_name == body.get("displayName")
        assert parsed.status == body.get("status")
    if isinstance(parsed, Evaluation) and "wordErrorRate1" in body.get("properties", {}):
        assert parsed.properties.word_error_rate1 == body["properties"]["wordErrorRate1"]
        assert parsed.transcription1 is not None


@pytest.mark.parametrize("version", sorted(SPEC_FILES))
def test_every_example_response_parses(version: str) -> None:
    require_reference()
    parsed = skipped = 0
    for name, schema, _status, body in _examples(version):
        if body is None or schema == "" or schema in NOT_USED or not isinstance(body, dict):
            skipped += 1  # no body (delete, blocks), a scalar list, or an unused operation
            continue
        if schema in PAGE_MODELS:
            page = PAGE_MODELS[schema].model_validate(body)
            values = page.values
            assert len(values) == len(body["values"]), name
            for item, raw in zip(values, body["values"], strict=True):
                _check_entity(item, raw)
        else:
            assert schema in ENTITY_MODELS, f"{name}: no model mapped for schema {schema}"
            _check_entity(ENTITY_MODELS[schema].model_validate(body), body)
        parsed += 1
    print(f"{version}: {parsed} example responses parsed, "
          f"{skipped} skipped (no body, scalar list or unused operation)")
    assert parsed >= 4


def test_error_body_shapes() -> None:
    from speech_action.client.models import ErrorBody

    spec_shape = {"code": "InvalidArgument", "message": "bad locale",
                  "innerError": {"code": "InvalidLocale", "message": "x"}}
    gateway = {"error": {"code": "401", "message": "Access denied due to invalid key"}}
    assert ErrorBody.model_validate(spec_shape).code_and_message() == (
        "InvalidArgument/InvalidLocale", "bad locale")
    assert ErrorBody.model_validate(gateway).code_and_message() == (
        "401", "Access denied due to invalid key")
