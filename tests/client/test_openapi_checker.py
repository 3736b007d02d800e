"""The contract checker itself: good requests pass, each kind of bad request is caught."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.support.openapi import (
    REFERENCE_DIR,
    SPEC_FILES,
    ContractChecker,
    ContractViolation,
    require_reference,
)

BASE = "https://eastus.api.cognitive.microsoft.com/speechtotext"
DS_ID = "9d5f4100-5f8e-4dd6-bd83-9bbbf50d57f1"
V = "api-version=2025-10-15"
JSON = "application/json"


@pytest.fixture(scope="module")
def checker() -> ContractChecker:
    require_reference()
    return ContractChecker("2025-10-15")


def _dataset_body(**overrides: Any) -> bytes:
    body = {"displayName": "d", "locale": "en-US", "kind": "Language"}
    body.update(overrides)
    return json.dumps(body).encode()


def test_good_requests_map_to_operation_ids(checker: ContractChecker) -> None:
    cases = [
        ("GET", f"{BASE}/models/base?{V}&filter=locale%20eq%20%27en-US%27", None, None),
        ("GET", f"{BASE}/models/base/{DS_ID}?{V}", None, None),
        ("GET", f"{BASE}/models/{DS_ID}?{V}", None, None),
        ("POST", f"{BASE}/models:authorizecopy?{V}", b'{"sourceResourceId": "x"}', JSON),
        ("POST", f"{BASE}/datasets?{V}", _dataset_body(), JSON),
        ("PUT", f"{BASE}/datasets/{DS_ID}/blocks?{V}&blockid=AAA%3D", b"\x00\x01", None),
        ("POST", f"{BASE}/datasets/{DS_ID}/blocks:commit?{V}",
         b'[{"kind": "Latest", "id": "AAA="}]', JSON),
        ("GET", f"{BASE}/datasets?{V}&skip=100&top=100", None, None),
        ("DELETE", f"{BASE}/endpoints/{DS_ID}?{V}", None, None),
    ]
    got = [checker.check_request(m, u, b, c) for m, u, b, c in cases]
    assert got == [
        "Models_ListBaseModels", "Models_GetBaseModel", "Models_GetCustomModel",
        "Models_AuthorizeCopy", "Datasets_Create", "Datasets_UploadBlock",
        "Datasets_CommitBlocks", "Datasets_List", "Endpoints_Delete",
    ]
    print(f"checked requests: {checker.counts['requests']}")


@pytest.mark.parametrize(
    ("method", "url", "body", "fragment"),
    [
        ("GET", f"{BASE}/nonsense?{V}", None, "matches no path"),
        ("PUT", f"{BASE}/models/{DS_ID}?{V}", None, "method not allowed"),
        ("GET", f"{BASE}/datasets", None, "api-version"),
        ("GET", f"{BASE}/datasets?api-version=2024-11-15", None, "expected '2025-10-15'"),
        ("GET", f"{BASE}/datasets?{V}&color=red", None, "unknown query parameter 'color'"),
        ("GET", f"{BASE}/datasets?{V}&top=ten", None, "must be an integer"),
        ("PUT", f"{BASE}/datasets/{DS_ID}/blocks?{V}", b"x", "'blockid' missing"),
        ("POST", f"{BASE}/datasets?{V}", None, "required body"),
        ("POST", f"{BASE}/datasets?{V}", _dataset_body(kind="Audio"), "is not one of"),
        ("POST", f"{BASE}/datasets?{V}", b'{"locale": "en-US", "kind": "Language"}',
         "'displayName' is a required property"),
        ("POST", f"{BASE}/datasets/{DS_ID}/blocks:commit?{V}", b'{"kind": "Latest"}',
         "is not of type 'array'"),
        ("GET", f"{BASE}/v3.2/datasets?{V}", None, "path-versioned"),
        ("GET", "https://h/other/datasets?{V}", None, "does not start with"),
    ],
)
def test_bad_requests_are_caught(
    checker: ContractChecker, method: str, url: str, body: bytes | None, fragment: str
) -> None:
    with pytest.raises(ContractViolation, match=None) as info:
        checker.check_request(method, url, body, JSON if body else None)
    assert fragment in str(info.value)


def test_json_body_with_wrong_content_type(checker: ContractChecker) -> None:
    with pytest.raises(ContractViolation, match="Content-Type"):
        checker.check_request("POST", f"{BASE}/datasets?{V}", _dataset_body(), "text/plain")


def test_v32_uses_path_version_and_no_api_version() -> None:
    require_reference()
    checker = ContractChecker("v3.2")
    url = f"{BASE}/v3.2/datasets/{DS_ID}"
    assert checker.check_request("GET", url, None, None) == "Datasets_Get"
    with pytest.raises(ContractViolation, match="unknown query parameter 'api-version'"):
        checker.check_request("GET", url + "?" + V, None, None)


def test_2024_has_no_projects() -> None:
    require_reference()
    checker = ContractChecker("2024-11-15")
    with pytest.raises(ContractViolation, match="matches no path"):
        checker.check_request("GET", f"{BASE}/projects?api-version=2024-11-15", None, None)


def test_responses(checker: ContractChecker) -> None:
    checker.check_response("Datasets_CommitBlocks", 200, None)
    checker.check_response("Datasets_Get", 404, {"code": "NotFound", "message": "no"})
    with pytest.raises(ContractViolation, match="status not declared"):
        checker.check_response("Datasets_Create", 200, {})
    with pytest.raises(ContractViolation, match="does not validate"):
        checker.check_response("Datasets_Get", 200, {"displayName": 5})
    with pytest.raises(ContractViolation, match="declares no body"):
        checker.check_response("Datasets_CommitBlocks", 200, {"x": 1})


def _example_request(checker: ContractChecker, op: dict[str, Any], template: str,
                     params: dict[str, Any]) -> tuple[str, bytes | None, str | None]:
    path, body = template, None
    query: dict[str, Any] = {}
    for p in op.get("parameters", []):
        p = checker._deref(p)
        if p["name"] not in params:
            continue
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", str(params[p["name"]]))
        elif p["in"] == "query" and p["name"] == "api-version":
            # 2024-11-15 get_endpoint.json says 2024-05-15-preview (see reference README).
            query["api-version"] = checker.api_version
        elif p["in"] == "query":
            query[p["name"]] = params[p["name"]]
        elif p["in"] == "body" and p["schema"].get("format") == "binary":
            return _url(checker, path, query), b"\x00block", "application/octet-stream"
        elif p["in"] == "body":
            body = json.dumps(params[p["name"]]).encode()
    return _url(checker, path, query), body, JSON if body else None


def _url(checker: ContractChecker, path: str, query: dict[str, Any]) -> str:
    base = BASE + ("/v3.2" if checker.api_version == "v3.2" else "")
    return base + path + ("?" + urlencode(query) if query else "")


# This 2024-11-15 example omits the query parameter the same spec marks required.
_KNOWN_BAD_REQUESTS = {("2024-11-15", "get_model_manifest.json")}


@pytest.mark.parametrize("version", sorted(SPEC_FILES))
def test_every_example_request_and_response_passes(version: str) -> None:
    """The spec's own examples are good requests; known upstream disagreements are listed."""
    require_reference()
    checker = ContractChecker(version)
    # README of the reference: these 2024-11-15 transcription examples predate their schema.
    known_bad = {"create_multispeaker_diarization_transcription.json",
                 "create_uri_transcription.json", "get_transcriptions.json"}
    checked = 0
    for template, item in checker.spec["paths"].items():
        for method, op in item.items():
            for ref in op.get("x-ms-examples", {}).values():
                path = REFERENCE_DIR / "examples" / version / ref["$ref"].rsplit("/", 1)[-1]
                if not path.is_file() or op["operationId"] == "Transcriptions_Transcribe":
                    continue
                if version == "2024-11-15" and path.name in known_bad:
                    continue
                example = json.loads(path.read_text(encoding="utf-8"))
                url, body, ctype = _example_request(checker, op, template, example["parameters"])
                if (version, path.name) in _KNOWN_BAD_REQUESTS:
                    with pytest.raises(ContractViolation, match="sasLifetimeMinutes"):
                        checker.check_request(method, url, body, ctype)
                else:
                    checker.check_request(method, url, body, ctype)
                for status, response in example["responses"].items():
                    checker.check_response(op["operationId"], int(status), response.get("body"))
                checked += 1
    print(f"{version}: {checker.counts['requests']} example requests, "
          f"{checker.counts['responses']} responses checked")
    assert checked >= 4
