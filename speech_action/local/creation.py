"""Validating create and update bodies and turning them into stored entities.

Every refusal is a 400 in the spec's error shape that names the field and what to send.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from speech_action.local.api import ApiError, ApiRequest, bad_request, parse_ref
from speech_action.local.catalog import BASE_COLLECTION, Catalog
from speech_action.local.content import DATA_FILE
from speech_action.local.jobs import JobRunner, is_loopback_url, stamp
from speech_action.local.render import PROJECT_VERSIONS
from speech_action.local.store import Entity, Store

__all__ = ["Creator"]

Json = dict[str, Any]
_MODEL_COLLECTIONS = (BASE_COLLECTION, "models")


def _required_text(fields: Json, name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"The '{name}' field is required and must be a non-empty string.",
                          "InvalidPayload")
    return value


def _custom_properties(value: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise bad_request("'customProperties' must be an object of string values.",
                          "InvalidPayload")
    if len(value) > 10 or any(len(k) > 64 or len(v) > 256 for k, v in value.items()):
        raise bad_request("'customProperties' allows 10 entries, keys up to 64 and values up "
                          "to 256 characters.", "InvalidPayload")
    return dict(value)


def logging_refused() -> ApiError:
    # migrate-2024-11-15 (Learn), Endpoints: "Only accounts with BYOS enabled can enable
    # logging on model endpoints"; DetailedErrorCode has EndpointLoggingNotSupported.
    return bad_request(
        "Content logging cannot be enabled: since api-version 2024-11-15 only Speech "
        "resources with bring-your-own-storage (BYOS) can enable logging on endpoints. "
        "Leave loggingEnabled false, or use a BYOS-enabled resource.",
        "EndpointLoggingNotSupported")


class Creator:
    def __init__(self, store: Store, jobs: JobRunner, now: Callable[[], datetime], *,
                 catalog: Catalog, byos: bool) -> None:
        self.store = store
        self.jobs = jobs
        self.now = now
        self.catalog = catalog
        self.byos = byos

    def _existing(self, value: object, name: str, allowed: tuple[str, ...], inner: str) -> str:
        ref = parse_ref(value, name)
        collection, _, entity_id = ref.rpartition("/")
        found = (
            self.catalog.get(entity_id, self.now()) if collection == BASE_COLLECTION
            else self.store.get(collection, entity_id) if collection in allowed else None
        )
        if collection not in allowed or found is None:
            raise bad_request(f"'{name}' refers to {ref}, which does not exist here "
                              f"(expected one of: {', '.join(allowed)}).", inner)
        return ref

    def fill(self, request: ApiRequest, fields: Json, entity: Entity) -> None:
        entity["displayName"] = _required_text(fields, "displayName")
        entity["locale"] = _required_text(fields, "locale")
        self._common_optional(request, fields, entity)
        collection = entity["collection"]
        if collection != "projects":
            entity["status"] = "NotStarted"
            entity["lastActionDateTime"] = entity["createdDateTime"]
        getattr(self, f"_fill_{collection}")(request, fields, entity)

    def _common_optional(self, request: ApiRequest, fields: Json, entity: Entity) -> None:
        if fields.get("description") is not None:
            entity["description"] = str(fields["description"])
        if fields.get("customProperties") is not None:
            entity["customProperties"] = _custom_properties(fields["customProperties"])
        if fields.get("project") is not None and request.version in PROJECT_VERSIONS:
            entity["project"] = self._existing(fields["project"], "project", ("projects",),
                                               "InvalidProject")

    def _fill_projects(self, request: ApiRequest, fields: Json, entity: Entity) -> None:
        pass

    def _fill_datasets(self, request: ApiRequest, fields: Json, entity: Entity) -> None:
        kind = _required_text(fields, "kind")
        if kind not in DATA_FILE:
            raise bad_request(f"Dataset kind {kind!r} is not supported here; use one of "
                              f"{sorted(DATA_FILE)}.", "InvalidDataset")
        entity["kind"] = kind
        entity["properties"] = {}
        url = fields.get("contentUrl")
        if url is None:
            entity["awaitingUpload"] = True  # the block API brings the content
            return
        if not isinstance(url, str) or not is_loopback_url(url):
            raise bad_request(
                "'contentUrl' must be an http(s) URL on 127.0.0.1/localhost: this local "
                "service never goes to the network. Upload with the block API instead.",
                "InvalidRecordingsUri",
            )
        entity["contentUrl"] = url

    def _latest_base(self, locale: str) -> str:
        now = stamp(self.now())
        usable = [m for m in self.catalog.models(self.now())
                  if m["locale"] == locale and m["adaptationDateTime"] > now]
        if not usable:
            raise bad_request(f"No base model for locale {locale!r} supports adaptation here.",
                              "InvalidLocale")
        return f"{BASE_COLLECTION}/{usable[-1]['id']}"

    def _fill_models(self, request: ApiRequest, fields: Json, entity: Entity) -> None:
        if fields.get("baseModel") is None:
            ref = self._latest_base(entity["locale"])
        else:
            ref = self._existing(fields["baseModel"], "baseModel", (BASE_COLLECTION,),
                                 "InvalidBaseModel")
        base = self.catalog.get(ref.rpartition("/")[2], self.now())
        assert base is not None  # _existing checked it
        if base["locale"] != entity["locale"]:
            raise bad_request(f"The base model's locale {base['locale']} differs from the "
                              f"model's locale {entity['locale']}.", "InvalidLocale")
        datasets = fields.get("datasets") or []
        if not isinstance(datasets, list):
            raise bad_request("'datasets' must be a list of {\"self\": url} objects.",
                              "InvalidPayload")
        entity["baseModel"] = ref
        entity["datasets"] = [
            self._existing(d, "datasets", ("datasets",), "InvalidDataset") for d in datasets
        ]
        self._check_adaptation(base, entity["datasets"])
        entity["transcriptionDateTime"] = base["transcriptionDateTime"]
        entity["supportsEndpoints"] = base["supportsEndpoints"]

    def _check_adaptation(self, base: Json, dataset_refs: list[str]) -> None:
        """BaseModelFeatures.supportsAdaptationsWith: "Supported dataset kinds to adapt the
        model". The docs do not say what the service answers otherwise; fail-safe: refuse
        the create (400, DetailedErrorCode InvalidAdaptationMapping) rather than train a
        model that silently ignores some of its data."""
        supported = base["supportsAdaptationsWith"]
        for ref in dataset_refs:
            dataset = self.store.get("datasets", ref.rpartition("/")[2])
            if dataset is not None and dataset["kind"] not in supported:
                raise bad_request(
                    f"The base model {base['displayName']!r} does not support adaptation with "
                    f"{dataset['kind']} datasets ({ref}); it supports "
                    f"{', '.join(supported) or 'no adaptation'}. Choose a base model whose "
                    "properties.features.supportsAdaptationsWith lists that kind, or leave "
                    "the dataset out.", "InvalidAdaptationMapping")

    def _fill_evaluations(self, request: ApiRequest, fields: Json, entity: Entity) -> None:
        # customProperties (testingKind among them) are kept by _common_optional and
        # returned as sent; the client's `{"testingKind": "Evaluation"}` is what makes Speech
        # Studio show the test as an accuracy test, without it a quality inspection.
        for name in ("model1", "model2"):
            if fields.get(name) is None:
                raise bad_request(f"The '{name}' field is required.", "InvalidPayload")
            entity[name] = self._existing(fields[name], name, _MODEL_COLLECTIONS, "InvalidModel")
        if fields.get("dataset") is None:
            raise bad_request("The 'dataset' field is required.", "InvalidPayload")
        entity["dataset"] = self._existing(fields["dataset"], "dataset", ("datasets",),
                                           "InvalidDataset")
        dataset = self.store.get("datasets", entity["dataset"].rpartition("/")[2])
        if dataset is not None and dataset["kind"] != "Acoustic":
            raise bad_request(f"The test dataset {entity['dataset']} is a {dataset['kind']} "
                              "dataset; evaluations need an Acoustic dataset (audio + "
                              "transcript).", "InvalidDataset")
        entity["properties"] = {}

    def _fill_endpoints(self, request: ApiRequest, fields: Json, entity: Entity) -> None:
        if fields.get("model") is not None:
            entity["model"] = self._deployable(fields["model"])
        properties = fields.get("properties") or {}
        # Endpoint.properties is EndpointProperties: `loggingEnabled` on create.
        logging = bool(isinstance(properties, dict) and properties.get("loggingEnabled"))
        self._check_logging(request.version, logging)
        entity["loggingEnabled"] = logging

    def _check_logging(self, version: str, enabled: bool) -> None:
        # The BYOS rule came with 2024-11-15 (migrate-2024-11-15); v3.2 is left as it was.
        if enabled and not self.byos and version != "v3.2":
            raise logging_refused()

    def _deployable(self, value: object) -> str:
        ref = self._existing(value, "model", _MODEL_COLLECTIONS, "InvalidModel")
        collection, _, entity_id = ref.rpartition("/")
        model = (self.catalog.get(entity_id, self.now()) if collection == BASE_COLLECTION
                 else self.store.get(collection, entity_id))
        if model is not None and model.get("status") == "Failed":
            raise bad_request(f"The model {ref} failed and cannot be deployed.",
                              "DeployingFailedModel")
        if model is not None and model.get("supportsEndpoints") is False:
            # SharedModelFeatures.supportsEndpoints: "whether creation of endpoints for live
            # transcription is supported"; DetailedErrorCode ModelNotDeployable.
            raise bad_request(f"The model {ref} cannot be deployed: its base model does not "
                              "support endpoints (properties.features.supportsEndpoints is "
                              "false).", "ModelNotDeployable")
        return ref

    def apply_patch(self, request: ApiRequest, changes: Json, entity: Entity) -> None:
        """PATCH: only the fields the spec's `*Update` definition has; others are ignored."""
        if "displayName" in changes:
            entity["displayName"] = _required_text(changes, "displayName")
        self._common_optional(request, changes, entity)
        if entity["collection"] != "endpoints":
            return
        properties = changes.get("properties")
        # EndpointUpdate.properties is EndpointPropertiesUpdate: `contentLoggingEnabled`.
        if isinstance(properties, dict) and "contentLoggingEnabled" in properties:
            logging = bool(properties["contentLoggingEnabled"])
            self._check_logging(request.version, logging)
            entity["loggingEnabled"] = logging
        if changes.get("model") is not None:
            entity["model"] = self._deployable(changes["model"])
            entity["status"] = "Running"  # the new model is returned at once, then Succeeded
            entity["lastActionDateTime"] = stamp(self.now())
            entity.pop("error", None)
