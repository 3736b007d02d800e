"""OpenAPI contract checker for the Speech to text REST API (test-only tool).

Checks a request (method, URL, body) or a response (status, JSON body) against the official
OpenAPI 2.0 description of one api-version, kept in `../shared/reference/` next to the repo
(or in $SPEECH_REFERENCE_DIR); `python scripts/fetch-reference.py` downloads it there from the
pinned upstream commits of tests/reference/manifest.json.
Used by the client's unit tests and by the local service's tests so both sides of the wire
are held to the same contract.

Choices (why): JSON Schema Draft 4 is what Swagger 2.0 schemas are written in; `readOnly` and
`x-ms-*` are unknown to Draft 4 and therefore ignored; `format` is not asserted (the spec uses
`uri`/`uuid`/`date-time` loosely, e.g. example `self` URLs with odd query strings).
"""

from __future__ import annotations

import collections
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import jsonschema  # type: ignore[import-untyped]  # no stubs pinned; used in 1 call

# `SPEECH_REFERENCE_DIR` points elsewhere (e.g. a folder scripts/fetch-reference.py filled);
# unset or empty, the folder beside the repository that this machine and our CI provide.
REFERENCE_DIR = Path(
    os.environ.get("SPEECH_REFERENCE_DIR")
    or Path(__file__).resolve().parents[2].parent / "shared" / "reference"
)

SPEC_FILES = {
    "2025-10-15": "speechtotext-2025-10-15.json",
    "2024-11-15": "speechtotext-2024-11-15.json",
    "v3.2": "speechtotext-v3.2.json",
}

_METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


class ContractViolation(AssertionError):
    """A request or response does not match the OpenAPI description."""


def reference_missing_reason() -> str | None:
    """Why contract tests must skip, or None when the reference specs are present."""
    missing = [name for name in SPEC_FILES.values() if not (REFERENCE_DIR / name).is_file()]
    if missing:
        return (
            f"OpenAPI reference files missing in {REFERENCE_DIR}: {', '.join(missing)}"
            " (python scripts/fetch-reference.py downloads them)"
        )
    return None


def require_reference() -> None:
    """Skip the calling test (pytest) when the shared reference folder is absent."""
    reason = reference_missing_reason()
    if reason is not None:
        import pytest

        pytest.skip(reason)


@cache
def load_spec(api_version: str) -> dict[str, Any]:
    if api_version not in SPEC_FILES:
        raise ValueError(f"unknown api-version {api_version!r}; known: {sorted(SPEC_FILES)}")
    path = REFERENCE_DIR / SPEC_FILES[api_version]
    if not path.is_file():
        raise FileNotFoundError(reference_missing_reason())
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@dataclass(frozen=True)
class _Operation:
    operation_id: str
    template: str
    method: str
    spec: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class _Template:
    template: str
    regex: re.Pattern[str]
    names: tuple[str, ...]
    specificity: tuple[int, int]


def _compile_template(template: str) -> _Template:
    parts = re.split(r"(\{[^}]+\})", template)
    names: list[str] = []
    pattern = ""
    literal_len = 0
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            names.append(part[1:-1])
            # Segments never contain "/" and, because of `/models/{id}:copy`, not ":" either.
            pattern += rf"(?P<p{len(names) - 1}>[^/:]+)"
        else:
            pattern += re.escape(part)
            literal_len += len(part)
    # Fewer parameters first, then longer literal text: `/models/base` beats `/models/{id}`.
    specificity = (len(names), -literal_len)
    return _Template(template, re.compile(pattern + r"\Z"), tuple(names), specificity)


class ContractChecker:
    """Validates requests and responses against one api-version's OpenAPI description."""

    def __init__(self, api_version: str) -> None:
        self.api_version = api_version
        self.spec = load_spec(api_version)
        self.base_path = "/speechtotext/v3.2" if api_version == "v3.2" else "/speechtotext"
        self.counts: collections.Counter[str] = collections.Counter()
        self._templates = sorted(
            (_compile_template(t) for t in self.spec["paths"]), key=lambda t: t.specificity
        )
        self._operations: dict[str, _Operation] = {}
        self._by_template: dict[str, dict[str, _Operation]] = {}
        for template, item in self.spec["paths"].items():
            self._by_template[template] = {}
            for method, op in item.items():
                if method not in _METHODS:
                    continue
                params = tuple(self._deref(p) for p in item.get("parameters", []))
                params += tuple(self._deref(p) for p in op.get("parameters", []))
                operation = _Operation(op["operationId"], template, method, op, params)
                self._operations[operation.operation_id] = operation
                self._by_template[template][method] = operation

    # -- requests -----------------------------------------------------------------------------

    def check_request(
        self, method: str, url: str, body: bytes | None, content_type: str | None
    ) -> str:
        """Return the operationId the request maps to; raise ContractViolation if it breaks it."""
        where = f"{method.upper()} {url}"
        parts = urlsplit(url)
        template, path_values = self._match_path(parts.path, where)
        operation = self._by_template[template].get(method.lower())
        if operation is None:
            allowed = ", ".join(m.upper() for m in self._by_template[template])
            raise ContractViolation(
                f"{where}: method not allowed on {template} (allowed: {allowed})"
            )
        self._check_path_params(operation, path_values, where)
        self._check_query(operation, parse_qsl(parts.query, keep_blank_values=True), where)
        self._check_body(operation, body, content_type, where)
        self.counts["requests"] += 1
        return operation.operation_id

    def _match_path(self, path: str, where: str) -> tuple[str, dict[str, str]]:
        if path != self.base_path and not path.startswith(self.base_path + "/"):
            raise ContractViolation(f"{where}: path does not start with {self.base_path}")
        relative = path[len(self.base_path) :]
        if self.api_version != "v3.2" and relative.startswith("/v3."):
            raise ContractViolation(f"{where}: path-versioned URL used with {self.api_version}")
        for template in self._templates:
            match = template.regex.match(relative)
            if match:
                values = {name: match.group(f"p{i}") for i, name in enumerate(template.names)}
                return template.template, values
        raise ContractViolation(
            f"{where}: {relative!r} matches no path of api-version {self.api_version}"
        )

    def _check_path_params(
        self, operation: _Operation, values: Mapping[str, str], where: str
    ) -> None:
        declared = {p["name"] for p in operation.parameters if p["in"] == "path"}
        for name in values:
            if name not in declared:
                raise ContractViolation(f"{where}: path parameter {name!r} not declared")
        for name, value in values.items():
            if not value:
                raise ContractViolation(f"{where}: path parameter {name!r} is empty")

    def _check_query(
        self, operation: _Operation, query: list[tuple[str, str]], where: str
    ) -> None:
        declared = {p["name"]: p for p in operation.parameters if p["in"] == "query"}
        seen: dict[str, str] = {}
        for name, value in query:
            if name not in declared:
                raise ContractViolation(
                    f"{where}: unknown query parameter {name!r} for {operation.operation_id}"
                    f" (declared: {sorted(declared)})"
                )
            if name in seen:
                raise ContractViolation(f"{where}: query parameter {name!r} sent twice")
            seen[name] = value
            _check_scalar(declared[name], value, f"{where}: query parameter {name!r}")
        for name, param in declared.items():
            if param.get("required") and name not in seen:
                raise ContractViolation(f"{where}: required query parameter {name!r} missing")
        if "api-version" in declared and seen.get("api-version") != self.api_version:
            raise ContractViolation(
                f"{where}: api-version is {seen.get('api-version')!r}, "
                f"expected {self.api_version!r}"
            )

    def _check_body(
        self, operation: _Operation, body: bytes | None, content_type: str | None, where: str
    ) -> None:
        body_params = [p for p in operation.parameters if p["in"] == "body"]
        if any(p["in"] == "formData" for p in operation.parameters):
            return  # multipart uploads: not validated here
        if not body_params:
            if body:
                raise ContractViolation(f"{where}: {operation.operation_id} takes no body")
            return
        param = body_params[0]
        schema = param["schema"]
        if not body:
            if param.get("required"):
                raise ContractViolation(f"{where}: required body {param['name']!r} missing")
            return
        if schema.get("type") == "string" and schema.get("format") == "binary":
            return  # octet-stream block uploads
        if not (content_type or "").lower().startswith("application/json"):
            raise ContractViolation(f"{where}: JSON body sent with Content-Type {content_type!r}")
        try:
            document = json.loads(body)
        except ValueError as exc:
            raise ContractViolation(f"{where}: body is not JSON: {exc}") from exc
        self._validate(schema, document, f"{where}: body {param['name']!r}")

    # -- responses ----------------------------------------------------------------------------

    def check_response(self, operation_id: str, status: int, body: object) -> None:
        """Validate a response body against the schema the spec declares for `status`."""
        operation = self._operations.get(operation_id)
        if operation is None:
            raise ContractViolation(f"unknown operationId {operation_id!r} in {self.api_version}")
        responses = operation.spec.get("responses", {})
        declared = responses.get(str(status))
        if declared is None and status >= 400:
            declared = responses.get("default")
        where = f"{operation_id} response {status}"
        if declared is None:
            raise ContractViolation(f"{where}: status not declared (declared: {sorted(responses)})")
        schema = self._deref(declared).get("schema")
        if schema is None:
            if body not in (None, b"", ""):
                raise ContractViolation(f"{where}: the spec declares no body, got {body!r:.200}")
        elif not (schema.get("type") == "string" and schema.get("format") == "binary"):
            self._validate(schema, body, where)
        self.counts["responses"] += 1

    def operation_ids(self) -> list[str]:
        return sorted(self._operations)

    def response_schema_ref(self, operation_id: str, status: int) -> str | None:
        """The `#/definitions/X` name of a response schema (or of its array items), if any."""
        responses = self._operations[operation_id].spec.get("responses", {})
        schema = responses.get(str(status), {}).get("schema") or {}
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
        return str(ref).rsplit("/", 1)[-1] if ref else None

    # -- helpers ------------------------------------------------------------------------------

    def _deref(self, node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if not ref:
            return node
        target: Any = self.spec
        for key in ref.lstrip("#/").split("/"):
            target = target[key]
        return dict(target)

    def _validate(self, schema: dict[str, Any], document: object, where: str) -> None:
        full = dict(schema)
        full["definitions"] = self.spec["definitions"]
        validator = jsonschema.Draft4Validator(full)
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        if errors:
            details = "; ".join(
                f"at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}"
                for e in errors[:5]
            )
            raise ContractViolation(f"{where}: does not validate ({len(errors)} errors): {details}")


def _check_scalar(param: Mapping[str, Any], value: str, where: str) -> None:
    kind = param.get("type", "string")
    if kind == "integer" and not re.fullmatch(r"-?\d+", value):
        raise ContractViolation(f"{where} must be an integer, got {value!r}")
    if kind == "boolean" and value not in ("true", "false"):
        raise ContractViolation(f"{where} must be true or false, got {value!r}")
    if "enum" in param and value not in param["enum"]:
        raise ContractViolation(f"{where} must be one of {param['enum']}, got {value!r}")


def check_history(checker: ContractChecker, history: Iterable[Any]) -> list[str]:
    """Check every request recorded by requests-mock (`m.request_history`); return opIds.

    Requests to other hosts than the Speech endpoint's path (e.g. SAS result downloads) are
    not part of the API and are skipped: only paths under the version's base path are checked.
    """
    operation_ids = []
    for request in history:
        if not urlsplit(request.url).path.startswith(checker.base_path):
            continue
        body = request.body
        if isinstance(body, str):
            body = body.encode("utf-8")
        content_type = request.headers.get("Content-Type")
        operation_ids.append(checker.check_request(request.method, request.url, body, content_type))
    return operation_ids
