"""Background jobs of the local service: NotStarted -> Running -> Succeeded/Failed.

One worker thread runs jobs in order. A job whose inputs are not finished yet (a model
waiting for its datasets) goes back to the queue. Status lives only in the entity's
JSON file, so a server started on a data dir with unfinished jobs simply queues them again.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import queue
import threading
import urllib.request
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from speech_action.local import content
from speech_action.local.catalog import BASE_COLLECTION
from speech_action.local.faults import FaultPlan
from speech_action.local.recognition import Recognizer
from speech_action.local.store import Entity, Store

__all__ = ["JOB_COLLECTIONS", "TERMINAL", "JobError", "JobRunner", "is_loopback_url", "stamp"]

log = logging.getLogger(__name__)
TERMINAL = frozenset({"Succeeded", "Failed"})
JOB_COLLECTIONS = ("datasets", "models", "evaluations", "endpoints")
_REQUEUE_PAUSE_S = 0.02


class JobError(Exception):
    """A job ends `Failed`; `code` and the message go to `properties.error`."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def stamp(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def is_loopback_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def fetch_loopback(url: str, timeout_s: float = 60.0) -> bytes:
    """Download a dataset's `contentUrl` (an Azurite SAS URL in tests); loopback only."""
    if not is_loopback_url(url):
        raise JobError("InvalidDataset", "contentUrl is not on loopback; this service is offline")
    host = urlsplit(url).netloc  # never the query: it holds the SAS token
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as answer:
            data: bytes = answer.read()
            return data
    except OSError as exc:
        raise JobError(
            "InvalidDataset", f"could not download contentUrl from {host} ({type(exc).__name__})"
        ) from exc


@dataclass
class JobContext:
    store: Store
    recognizer: Callable[[], Recognizer]
    now: Callable[[], datetime]


Work = Callable[[JobContext, Entity], None]


class JobRunner:
    def __init__(
        self, context: JobContext, work: Mapping[str, Work], *, faults: FaultPlan | None,
        job_delay_s: float,
    ) -> None:
        self.context = context
        self.work = work
        self.faults = faults or FaultPlan()
        self.job_delay_s = job_delay_s
        self._queue: queue.Queue[tuple[str, str]] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="local-jobs", daemon=True)

    def start(self) -> None:
        self._resume_unfinished()
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout_s)

    def submit(self, collection: str, entity_id: str) -> None:
        self._queue.put((collection, entity_id))

    def _resume_unfinished(self) -> None:
        for collection in JOB_COLLECTIONS:
            for entity in self.context.store.list(collection):
                if entity.get("status") not in TERMINAL and not entity.get("awaitingUpload"):
                    self.submit(collection, entity["id"])

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                collection, entity_id = self._queue.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                self._run(collection, entity_id)
            except Exception:  # a bug in one job must not stop the others
                log.exception("local job %s/%s crashed", collection, entity_id)
                self._finish(collection, entity_id, JobError("InternalError", "the job crashed"))

    def _set(self, collection: str, entity_id: str, change: Callable[[Entity], None]) -> None:
        def apply(entity: Entity) -> None:
            change(entity)
            entity["lastActionDateTime"] = stamp(self.context.now())

        with contextlib.suppress(KeyError):  # deleted while running: nothing to record
            self.context.store.update(collection, entity_id, apply)

    def _run(self, collection: str, entity_id: str) -> None:
        entity = self.context.store.get(collection, entity_id)
        if entity is None or entity.get("status") in TERMINAL:
            return
        if not self._inputs_ready(entity):
            self._stop.wait(_REQUEUE_PAUSE_S)
            self.submit(collection, entity_id)
            return
        delay = self.job_delay_s + self.faults.slow_jobs_s.get(collection, 0.0)
        if entity["status"] == "NotStarted":
            self._stop.wait(delay)
            self._set(collection, entity_id, lambda e: e.update(status="Running"))
        if collection in self.faults.job_never_finishes or self._stop.wait(delay):
            return  # stays Running; a restart without the fault resumes it
        self._finish(collection, entity_id, self._execute(collection, entity))

    def _execute(self, collection: str, entity: Entity) -> JobError | None:
        if collection in self.faults.fail_jobs:
            return JobError("InternalError", self.faults.fail_jobs[collection])
        try:
            self.work[collection](self.context, entity)
        except JobError as exc:
            return exc
        return None

    def _finish(self, collection: str, entity_id: str, error: JobError | None) -> None:
        def change(entity: Entity) -> None:
            entity["status"] = "Succeeded" if error is None else "Failed"
            if error is not None:
                failure = {"code": error.code, "message": str(error)}
                entity["error"] = failure
                entity.setdefault("properties", {})["error"] = failure

        self._set(collection, entity_id, change)

    def _inputs_ready(self, entity: Entity) -> bool:
        refs: list[str] = [*entity.get("datasets", [])]
        refs += [entity[k] for k in ("model1", "model2", "dataset", "model") if entity.get(k)]
        return all(self._finished(ref) for ref in refs)

    def _finished(self, ref: str) -> bool:
        collection, _, entity_id = ref.rpartition("/")
        if collection == BASE_COLLECTION:
            return True
        entity = self.context.store.get(collection, entity_id)
        return entity is None or entity.get("status") in TERMINAL


def require_succeeded(store: Store, ref: str, role: str) -> Entity | None:
    """The referenced entity when it succeeded (None for a base model); else the job fails."""
    collection, _, entity_id = ref.rpartition("/")
    if collection == BASE_COLLECTION:
        return None
    entity = store.get(collection, entity_id)
    if entity is None:
        raise JobError("InvalidPrerequisite", f"the {role} {ref} was deleted")
    if entity.get("status") != "Succeeded":
        raise JobError("FailedPrerequisite", f"the {role} {ref} ended {entity.get('status')}")
    return entity


def read_content(store: Store, dataset: Entity) -> bytes:
    return (store.blob_dir("datasets", dataset["id"]) / "content").read_bytes()


def add_file(
    store: Store, owner: Entity, name: str, kind: str, data: bytes, now: datetime,
    **extra: Any,
) -> dict[str, Any]:
    """Store a file of an entity as a blob; returns the record for `owner["files"]`."""
    file_id = content_file_id(owner["id"], name)
    path = store.blob_dir(owner["collection"], owner["id"]) / "files" / file_id
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return {"id": file_id, "name": name, "kind": kind, "size": len(data),
            "createdDateTime": stamp(now), **extra}


def content_file_id(owner_id: str, name: str) -> str:
    return str(uuid.uuid5(uuid.UUID(owner_id), name))


def dataset_work(context: JobContext, dataset: Entity) -> None:
    store, now = context.store, context.now()
    blob = store.blob_dir("datasets", dataset["id"]) / "content"
    if dataset.get("contentUrl"):
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(fetch_loopback(dataset["contentUrl"]))
    data = blob.read_bytes()
    try:
        report = content.check_content(dataset["kind"], data)
    except content.ContentError as exc:
        raise JobError("InvalidDataset", str(exc)) from exc
    name, kind = content.DATA_FILE[dataset["kind"]]
    report_bytes = _json_bytes(report.as_json(dataset["kind"]))
    files = [
        add_file(store, dataset, "report.json", "DatasetReport", report_bytes, now),
        add_file(store, dataset, name, kind, data, now),
    ]
    properties = {
        "acceptedLineCount": report.accepted,
        "rejectedLineCount": report.rejected,
        "durationMilliseconds": report.duration_ms,
        "textNormalizationKind": "Default",
    }
    context.store.update(
        "datasets", dataset["id"], lambda e: e.update(files=files, properties=properties)
    )


def model_work(context: JobContext, model: Entity) -> None:
    store = context.store
    pieces = []
    for ref in model.get("datasets", []):
        dataset = require_succeeded(store, ref, "training dataset")
        if dataset is not None:
            pieces.append((dataset["kind"], read_content(store, dataset)))
    try:
        training = content.training_text(pieces)
    except content.ContentError as exc:
        raise JobError("InvalidDataset", f"cannot read the training data: {exc}") from exc
    model_dir = store.blob_dir("models", model["id"]) / "model"
    model_dir.mkdir(parents=True, exist_ok=True)
    try:
        context.recognizer().build_model(training, model_dir)
    except Exception as exc:  # the engine's own errors become the model's error
        raise JobError("ModelBuildFailed", f"training failed: {exc}") from exc


def endpoint_work(context: JobContext, endpoint: Entity) -> None:
    if endpoint.get("model"):
        require_succeeded(context.store, endpoint["model"], "model")


def _json_bytes(data: object) -> bytes:
    return json.dumps(data, indent=1).encode("utf-8")
