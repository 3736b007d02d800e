"""Stored entities -> the JSON the spec of each api-version describes (pure).

Entities are stored version-neutral, with references as paths (`models/base/<id>`,
`datasets/<id>`); only here do they become URLs and version-specific fields:
v3.2 says `duration` (ISO 8601) where later versions say `durationMilliseconds`,
`supportsTranscriptions` where they say `supportsTranscriptionsSubmit`, and 2024-11-15
has no projects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from speech_action.local.blob_access import DEFAULT_SAS_MINUTES, BlobAccess
from speech_action.local.catalog import ALL_KINDS

__all__ = ["PROJECT_VERSIONS", "VERSIONS", "Urls", "iso_duration", "render"]

VERSIONS = ("2025-10-15", "2024-11-15", "v3.2")
PROJECT_VERSIONS = frozenset({"2025-10-15", "v3.2"})
JOB_STATES = ("NotStarted", "Running")
Json = dict[str, Any]


def iso_duration(milliseconds: int) -> str:
    return f"PT{milliseconds / 1000:g}S"


@dataclass(frozen=True)
class Urls:
    base_url: str
    version: str
    files: BlobAccess | None = None  # None: bare download URLs (unit tests of rendering)
    now: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    sas_minutes: int = DEFAULT_SAS_MINUTES

    def api(self, path: str, query: dict[str, Any] | None = None) -> str:
        """URL of an API path like `datasets/<id>/files`, with the version where it goes."""
        params = {k: v for k, v in (query or {}).items() if v is not None}
        if self.version == "v3.2":
            url = f"{self.base_url}/speechtotext/v3.2/{path}"
            return f"{url}?{urlencode(params)}" if params else url
        params["api-version"] = self.version
        return f"{self.base_url}/speechtotext/{path}?{urlencode(params)}"

    def ref(self, path: str) -> Json:
        return {"self": self.api(path)}

    def download(self, collection: str, entity_id: str, file_id: str) -> str:
        # Plays the part of a blob URL (with a SAS token unless BYOS), served by this
        # same server; the subscription key is not what opens it.
        path = f"/_local/files/{collection}/{entity_id}/{file_id}"
        if self.files is None:
            return f"{self.base_url}{path}"
        return self.files.url(self.base_url, path, self.now, self.sas_minutes)


def _common(entity: Json, urls: Urls) -> Json:
    out: Json = {
        "self": urls.api(f"{entity['collection']}/{entity['id']}"),
        "displayName": entity["displayName"],
        "locale": entity["locale"],
        "createdDateTime": entity["createdDateTime"],
    }
    for key in ("description", "customProperties", "lastActionDateTime", "status"):
        if entity.get(key) is not None:
            out[key] = entity[key]
    if entity.get("project") and urls.version in PROJECT_VERSIONS:
        out["project"] = urls.ref(entity["project"])
    return out


def _durations(properties: Json, urls: Urls) -> Json:
    out = dict(properties)
    if urls.version == "v3.2" and "durationMilliseconds" in out:
        out["duration"] = iso_duration(out.pop("durationMilliseconds"))
    return out


def _features(urls: Urls, *, transcribe: bool, endpoints: bool = True) -> Json:
    if urls.version == "v3.2":
        first: Json = {"supportsTranscriptions": True}
    else:
        first = {
            "supportsTranscriptionsSubmit": True,
            "supportsTranscriptionsTranscribe": transcribe,
        }
    return {
        **first,
        "supportsEndpoints": endpoints,
        "supportsTranscriptionsOnSpeechContainers": False,
        "supportedOutputFormats": ["Display", "Lexical"],
    }


def _dataset(entity: Json, urls: Urls) -> Json:
    path = f"datasets/{entity['id']}"
    out = _common(entity, urls)
    out["kind"] = entity["kind"]
    if entity.get("contentUrl"):
        out["contentUrl"] = entity["contentUrl"]
    links = {"files": urls.api(f"{path}/files")}
    if not entity.get("contentUrl"):
        links |= {
            "commitBlocks": urls.api(f"{path}/blocks:commit"),
            "listBlocks": urls.api(f"{path}/blocks"),
            "uploadBlocks": urls.api(f"{path}/blocks"),
        }
    out["links"] = links
    out["properties"] = _durations(entity.get("properties", {}), urls)
    return out


def _model(entity: Json, urls: Urls) -> Json:
    path = f"models/{entity['id']}"
    out = _common(entity, urls)
    out["baseModel"] = urls.ref(entity["baseModel"])
    out["datasets"] = [urls.ref(ref) for ref in entity.get("datasets", [])]
    out["links"] = {
        "manifest": urls.api(f"{path}/manifest"),
        "copy": urls.api(f"{path}:copy"),
        "files": urls.api(f"{path}/files"),
    }
    properties: Json = {
        "deprecationDates": {"transcriptionDateTime": entity["transcriptionDateTime"]},
        "features": _features(urls, transcribe=False,
                              endpoints=entity.get("supportsEndpoints", True)),
    }
    if entity.get("error"):
        properties["error"] = entity["error"]
    out["properties"] = properties
    return out


def _base_model(entity: Json, urls: Urls) -> Json:
    out = _common(entity, urls)
    out["links"] = {"manifest": urls.api(f"models/base/{entity['id']}/manifest")}
    features = {"supportsAdaptationsWith": list(entity.get("supportsAdaptationsWith", ALL_KINDS))}
    out["properties"] = {
        "deprecationDates": {
            "adaptationDateTime": entity["adaptationDateTime"],
            "transcriptionDateTime": entity["transcriptionDateTime"],
        },
        "features": features | _features(urls, transcribe=True,
                                         endpoints=entity.get("supportsEndpoints", True)),
        "chargeForAdaptation": False,
    }
    return out


def _evaluation(entity: Json, urls: Urls) -> Json:
    out = _common(entity, urls)
    for key in ("model1", "model2", "dataset", "transcription1", "transcription2"):
        if entity.get(key):
            out[key] = urls.ref(entity[key])
    out["links"] = {"files": urls.api(f"evaluations/{entity['id']}/files")}
    out["properties"] = dict(entity.get("properties", {}))
    return out


def _transcription(entity: Json, urls: Urls) -> Json:
    out = _common(entity, urls)
    for key in ("model", "dataset"):
        if entity.get(key):
            out[key] = urls.ref(entity[key])
    out["links"] = {"files": urls.api(f"transcriptions/{entity['id']}/files")}
    properties = _durations(entity.get("properties", {}), urls)
    hours = int(properties.pop("timeToLiveHours", 48))
    if urls.version == "v3.2":
        properties["timeToLive"] = f"PT{hours}H"
    else:
        properties["timeToLiveHours"] = hours
    out["properties"] = properties
    return out


def _endpoint(entity: Json, urls: Urls) -> Json:
    out = _common(entity, urls)
    if entity.get("model"):
        out["model"] = urls.ref(entity["model"])
    properties: Json = {"loggingEnabled": bool(entity.get("loggingEnabled", False))}
    if entity.get("error"):
        properties["error"] = entity["error"]
    out["properties"] = properties
    host = urls.base_url.replace("http://", "ws://", 1)
    socket = f"{host}/stt/speech/universal/v2?cid={entity['id']}"
    key = "webSocketInteractive" if urls.version == "v3.2" else "webSocket"
    out["links"] = {key: socket}
    return out


def _project(entity: Json, urls: Urls) -> Json:
    out = _common(entity, urls)
    path = f"projects/{entity['id']}"
    kinds = ("evaluations", "datasets", "models", "endpoints", "transcriptions")
    out["links"] = {kind: urls.api(f"{path}/{kind}") for kind in kinds}
    return out


def render_file(owner: Json, record: Json, urls: Urls) -> Json:
    """One entry of an entity's files list; `record` is what the job stored."""
    collection, entity_id = owner["collection"], owner["id"]
    properties: Json = {"size": record["size"]}
    if record.get("durationMilliseconds") is not None:
        properties["durationMilliseconds"] = record["durationMilliseconds"]
    return {
        "self": urls.api(f"{collection}/{entity_id}/files/{record['id']}"),
        "name": record["name"],
        "kind": record["kind"],
        "links": {"contentUrl": urls.download(collection, entity_id, record["id"])},
        "properties": _durations(properties, urls),
        "createdDateTime": record["createdDateTime"],
    }


_RENDERERS = {
    "datasets": _dataset,
    "models": _model,
    "models/base": _base_model,
    "evaluations": _evaluation,
    "transcriptions": _transcription,
    "endpoints": _endpoint,
    "projects": _project,
}


def render(entity: Json, urls: Urls) -> Json:
    return _RENDERERS[entity["collection"]](entity, urls)
