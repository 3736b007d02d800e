"""The operations of the Speech to text API on top of the store (no HTTP in here).

`LocalApi.handle(request)` routes one request to an operation and returns the response,
or raises `ApiError` with the spec's error shape.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from speech_action.local import blocks, creation
from speech_action.local.api import UUID, ApiError, ApiRequest, ApiResponse, not_found
from speech_action.local.catalog import BASE_COLLECTION, Catalog
from speech_action.local.filtering import FilterError, page, parse_filter
from speech_action.local.jobs import TERMINAL, JobRunner, stamp
from speech_action.local.render import PROJECT_VERSIONS, render, render_file
from speech_action.local.store import Entity, Store

__all__ = ["LocalApi"]

Json = dict[str, Any]
Handler = Callable[[ApiRequest, dict[str, str]], ApiResponse]
_ENTITY = "(?P<collection>projects|datasets|models|evaluations|transcriptions|endpoints)"
_FILES = "(?P<collection>datasets|models|evaluations|transcriptions)"
MAX_TOP = 100
_LOCALE_KINDS = ("Language", "Acoustic", "Pronunciation", "AudioFiles", "LanguageMarkdown")


class LocalApi:
    def __init__(
        self, store: Store, jobs: JobRunner, now: Callable[[], datetime], retry_after_s: int,
        *, catalog: Catalog | None = None, byos: bool = False,
    ) -> None:
        self.store = store
        self.jobs = jobs
        self.now = now
        self.retry_after_s = retry_after_s
        self.catalog = catalog or Catalog()
        self.byos = byos
        self.creator = creation.Creator(store, jobs, now, catalog=self.catalog, byos=byos)
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = [
            (m, re.compile(p), h) for m, p, h in self._route_table()
        ]

    def _route_table(self) -> list[tuple[str, str, Handler]]:
        block = f"datasets/(?P<id>{UUID})/blocks"
        return [
            ("GET", r"(?P<collection>\w+)/locales", self.locales),
            ("GET", "models/base", self.list_base_models),
            ("GET", f"models/base/(?P<id>{UUID})", self.get_base_model),
            ("GET", f"projects/(?P<id>{UUID})/" + _ENTITY, self.list_project_entities),
            ("PUT", block, lambda r, p: blocks.upload(self.store, r, p["id"])),
            ("GET", block, lambda r, p: blocks.listing(self.store, r, p["id"])),
            ("POST", f"{block}:commit", self.commit_blocks),
            ("GET", f"{_FILES}/(?P<id>{UUID})/files", self.list_files),
            ("GET", f"{_FILES}/(?P<id>{UUID})/files/(?P<file>{UUID})", self.get_file),
            ("GET", _ENTITY, self.list_entities),
            ("POST", _ENTITY, self.create),
            ("GET", f"{_ENTITY}/(?P<id>{UUID})", self.get),
            ("PATCH", f"{_ENTITY}/(?P<id>{UUID})", self.patch),
            ("DELETE", f"{_ENTITY}/(?P<id>{UUID})", self.delete),
        ]

    def handle(self, request: ApiRequest) -> ApiResponse:
        for method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if match is None or method != request.method:
                continue
            params = match.groupdict()
            if self._hidden(request, params):
                break
            return handler(request, params)
        raise ApiError(404, "NotFound", f"No operation {request.method} /{request.path} in "
                       f"api-version {request.version} of this local service.")

    @staticmethod
    def _hidden(request: ApiRequest, params: dict[str, str]) -> bool:
        wants_projects = params.get("collection") == "projects" or request.path.startswith(
            "projects/")
        return wants_projects and request.version not in PROJECT_VERSIONS

    # -- reading ---------------------------------------------------------------------
    def _entity(self, collection: str, entity_id: str) -> Entity:
        entity = self.store.get(collection, entity_id.lower())
        if entity is None:
            singular = collection.rstrip("s")
            raise not_found(f"The {singular} {entity_id}")
        return entity

    def _one(self, request: ApiRequest, entity: Entity, status: int = 200) -> ApiResponse:
        headers = {}
        if entity.get("status") is not None and entity["status"] not in TERMINAL:
            headers["Retry-After"] = str(self.retry_after_s)
        return ApiResponse(status, render(entity, request.urls), headers=headers)

    def _page(self, request: ApiRequest, items: list[Entity], path: str,
              render_one: Callable[[Entity], Json]) -> ApiResponse:
        try:
            selected = [e for e in items if parse_filter(request.query.get("filter"))(e)]
        except FilterError as exc:
            raise ApiError(400, "InvalidArgument", f"Invalid filter: {exc}.",
                           inner="UnsupportedFilter") from exc
        skip, top = request.int_query("skip") or 0, request.int_query("top")
        if top is not None and not 1 <= top <= MAX_TOP:
            raise ApiError(400, "InvalidArgument", f"'top' must be between 1 and {MAX_TOP}.",
                           inner="UnsupportedPagination")
        values, next_skip = page(selected, skip, top)
        body: Json = {"values": [render_one(e) for e in values]}
        if next_skip is not None:
            query = {"skip": next_skip, "top": top if top is not None else len(values),
                     "filter": request.query.get("filter")}
            body["@nextLink"] = request.urls.api(path, query)
        return ApiResponse(200, body)

    def get(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        return self._one(request, self._entity(params["collection"], params["id"]))

    def list_entities(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        collection = params["collection"]
        return self._page(request, self.store.list(collection), collection,
                          lambda e: render(e, request.urls))

    def list_project_entities(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        project = self._entity("projects", params["id"])
        ref = f"projects/{project['id']}"
        items = [e for e in self.store.list(params["collection"]) if e.get("project") == ref]
        return self._page(request, items, f"{ref}/{params['collection']}",
                          lambda e: render(e, request.urls))

    def list_base_models(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        return self._page(request, self.catalog.models(self.now()), BASE_COLLECTION,
                          lambda e: render(e, request.urls))

    def get_base_model(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        model = self.catalog.get(params["id"].lower(), self.now())
        if model is None:
            raise not_found(f"The base model {params['id']}")
        return self._one(request, model)

    def _check_sas_lifetime(self, request: ApiRequest) -> None:
        """`sasLifetimeMinutes` (files operations): "can only be used for operations on
        speech resources that don't have BYOS enabled"; the docs do not say what happens
        otherwise, so (fail-safe) a BYOS service refuses it, DetailedErrorCode
        InvalidSasValidityDuration. Without BYOS it sets the token's lifetime."""
        if "sasLifetimeMinutes" not in request.query:
            return
        minutes = request.int_query("sasLifetimeMinutes")
        if self.byos:
            raise ApiError(400, "InvalidArgument", "sasLifetimeMinutes cannot be used: this "
                           "Speech resource has bring-your-own-storage (BYOS), whose file URLs "
                           "carry no SAS token; read the files with your storage credentials.",
                           inner="InvalidSasValidityDuration")
        if not minutes:
            raise ApiError(400, "InvalidArgument", "sasLifetimeMinutes must be a positive "
                           "number of minutes.", inner="InvalidSasValidityDuration")

    def list_files(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        self._check_sas_lifetime(request)
        owner = self._entity(params["collection"], params["id"])
        path = f"{owner['collection']}/{owner['id']}/files"
        return self._page(request, owner.get("files", []), path,
                          lambda f: render_file(owner, f, request.urls))

    def get_file(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        self._check_sas_lifetime(request)
        owner = self._entity(params["collection"], params["id"])
        record = next((f for f in owner.get("files", []) if f["id"] == params["file"]), None)
        if record is None:
            raise not_found(f"The file {params['file']} of {owner['collection']}/{owner['id']}")
        return ApiResponse(200, render_file(owner, record, request.urls))

    def locales(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        collection = params["collection"]
        if collection == "datasets" and request.version == "v3.2":  # v3.2: locale -> kinds
            return ApiResponse(200, {"en-US": list(_LOCALE_KINDS)})
        if collection == "datasets":
            return ApiResponse(200, {kind: ["en-US"] for kind in _LOCALE_KINDS})
        if collection not in ("models", "evaluations", "endpoints", "projects", "transcriptions"):
            raise not_found(f"The collection {collection}")
        return ApiResponse(200, ["en-US"])

    # -- writing ---------------------------------------------------------------------
    def commit_blocks(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        return blocks.commit(self.store, self.jobs, request, params["id"])

    def create(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        collection = params["collection"]
        if collection == "transcriptions":
            raise ApiError(405, "NotAllowed", "This local service creates transcriptions only "
                           "through evaluations.", inner="InvalidTranscription")
        fields = request.json_object()
        entity: Entity = {
            "collection": collection,
            "id": str(uuid.uuid4()),
            "createdDateTime": stamp(self.now()),
            "seq": time.time_ns(),
        }
        self.creator.fill(request, fields, entity)
        self.store.put(entity)
        if collection in ("datasets", "models", "evaluations", "endpoints") and not entity.get(
                "awaitingUpload"):
            self.jobs.submit(collection, entity["id"])
        response = self._one(request, entity, status=201)
        response.headers["Location"] = response.body["self"]
        return response

    def patch(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        entity = self._entity(params["collection"], params["id"])
        changes = request.json_object()
        updated = self.store.update(
            entity["collection"], entity["id"],
            lambda e: self.creator.apply_patch(request, changes, e),
        )
        if updated.get("status") == "Running" and entity.get("status") != "Running":
            self.jobs.submit(updated["collection"], updated["id"])
        return self._one(request, updated)

    def delete(self, request: ApiRequest, params: dict[str, str]) -> ApiResponse:
        collection, entity_id = params["collection"], params["id"].lower()
        entity = self.store.get(collection, entity_id)
        if entity is not None and collection == "evaluations":
            for key in ("transcription1", "transcription2"):
                if entity.get(key):
                    self.store.delete("transcriptions", entity[key].rpartition("/")[2])
        self.store.delete(collection, entity_id)  # deleting twice is fine: 204 again
        return ApiResponse(204)
