"""An in-memory Speech to text service for unit tests of the modes (`SpeechService`).

It keeps entities as the API's JSON shapes and parses them with the client's own models,
runs jobs on a fake clock (an entity succeeds after `polls_to_finish` GETs), waits with the
client's real `Poller`, and evaluates for real: the test audio's references come from the
uploaded zip, each model's hypotheses from `recognizers` (by model id; unknown models
transcribe perfectly), and the WER properties from our scoring. Tests steer it with
`evaluation_overrides`, `endpoint_hooks` and seeded entities, and read `calls`.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from speech_action.client import (
    CustomModel,
    Dataset,
    DatasetDefinition,
    Endpoint,
    EndpointDefinition,
    Evaluation,
    ModelDefinition,
    Poller,
    ProgressEvent,
    Project,
    SpeechBaseModel,
    UtteranceTexts,
)
from speech_action.client.errors import NoAdaptableBaseModelError, SpeechServiceError
from speech_action.client.models import Entity
from speech_action.scoring import normalize, score

E = TypeVar("E", bound=Entity)
BASE = "https://fake-speech.invalid/speechtotext"
START = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass
class FakeClock:
    """Monotonic seconds; `sleep` advances it instantly."""

    seconds: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.seconds

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.seconds += seconds

    def now(self) -> datetime:
        return START + timedelta(seconds=self.seconds)


ALL_DATASET_KINDS = ("Language", "Acoustic", "Pronunciation", "LanguageMarkdown")


def base_model_json(model_id: str, *, created: datetime, transcription_until: datetime | None
                    = None, adaptable: bool = True, locale: str = "en-US",
                    kinds: Iterable[str] = ALL_DATASET_KINDS,
                    endpoints: bool = True) -> dict[str, Any]:
    dates: dict[str, str] = {}
    if transcription_until is not None:
        dates["transcriptionDateTime"] = transcription_until.isoformat()
    return {
        "self": f"{BASE}/models/base/{model_id}", "displayName": f"base {model_id}",
        "locale": locale, "createdDateTime": created.isoformat(), "status": "Succeeded",
        "properties": {"deprecationDates": dates,
                       "features": {"supportsAdaptationsWith": list(kinds) if adaptable
                                    else [], "supportsEndpoints": endpoints}},
    }


class FakeSpeech:
    endpoint = BASE

    def __init__(self, clock: FakeClock | None = None, *, polls_to_finish: int = 1) -> None:
        self.clock = clock or FakeClock()
        self.polls_to_finish = polls_to_finish
        self.entities: dict[str, dict[str, dict[str, Any]]] = {}
        self.base_models: list[dict[str, Any]] = [
            base_model_json("base-1", created=START - timedelta(days=300)),
            base_model_json("base-2", created=START - timedelta(days=30)),
        ]
        self.recognizers: dict[str, Callable[[str], str]] = {}
        self.trained_recognizer: Callable[[str], str] | None = None
        """How every custom model without an entry in `recognizers` hears (None: perfectly)."""
        self.evaluation_overrides: dict[str, Any] = {}
        self.dataset_properties: dict[str, dict[str, Any]] = {}
        """What the service says of an imported dataset of a kind (acceptedLineCount, ...)."""
        self.result_files_unavailable = ""
        """Why per-utterance results cannot be read (BYOS links without SAS); "" = they can."""
        self.result_names: dict[str, str] = {}
        """Audio names the results give instead of the test set's (names that match none)."""
        self.byos = False
        """A resource with its own storage: may enable content logging."""
        self.endpoint_hooks: list[Callable[[FakeSpeech, dict[str, Any]], None]] = []
        """Called on every GET of an endpoint, before it is answered (another run acting)."""
        self.calls: list[str] = []
        self._content: dict[str, bytes] = {}
        self._committed: dict[str, bool] = {}
        self._pending: dict[str, int] = {}
        self._ids = itertools.count(1)

    # ---- helpers for tests ------------------------------------------------------------

    def add(self, collection: str, body: dict[str, Any], *, status: str = "Succeeded",
            polls: int = 0, content: bytes | None = None) -> dict[str, Any]:
        """Store an entity as the service would hold it; it succeeds after `polls` GETs.
        `content` is a dataset's data (the package its contentUrl or blocks would give)."""
        entity_id = f"{collection}-{next(self._ids)}"
        stamp = self.clock.now().isoformat()
        entity = {"self": f"{BASE}/{collection}/{entity_id}", "createdDateTime": stamp,
                  "lastActionDateTime": stamp, "status": status, **body}
        self.entities.setdefault(collection, {})[entity_id] = entity
        if status in ("NotStarted", "Running"):
            self._pending[entity_id] = polls
        if content is not None:
            self._content[entity_id] = content
        return entity

    def created(self, collection: str) -> list[str]:
        return [call for call in self.calls if call == f"create {collection}"]

    def all(self, collection: str) -> list[dict[str, Any]]:
        return list(self.entities.get(collection, {}).values())

    # ---- SpeechService ----------------------------------------------------------------

    def entity_url(self, collection: str, ref: str) -> str:
        return f"{BASE}/{collection}/{_id(ref)}"

    def find_or_create_project(self, display_name: str, locale: str, *,
                               custom_properties: dict[str, str] | None = None
                               ) -> Project | None:
        for project in self.all("projects"):
            if project["displayName"] == display_name:
                return Project.model_validate(project)
        self.calls.append("create projects")
        return Project.model_validate(self.add("projects", {
            "displayName": display_name, "locale": locale,
            "customProperties": custom_properties or {}}))

    def list_datasets(self, filter: str | None = None) -> Iterable[Dataset]:
        return [Dataset.model_validate(d) for d in self.all("datasets")]

    def create_dataset(self, definition: DatasetDefinition) -> Dataset:
        self.calls.append("create datasets")
        body = definition.to_body()
        body["properties"] = dict(self.dataset_properties.get(definition.kind, {}))
        entity = self.add("datasets", body, status="NotStarted", polls=self.polls_to_finish)
        self._committed[_id(entity["self"])] = bool(definition.content_url)
        return Dataset.model_validate(entity)

    def create_dataset_from_chunks(self, definition: DatasetDefinition,
                                   chunks: Iterable[bytes], *,
                                   on_progress: Callable[[int, int | None], None] | None = None
                                   ) -> Dataset:
        created = self.create_dataset(definition)
        data = b"".join(chunks)
        self._content[created.id] = data
        self._committed[created.id] = True
        if on_progress is not None:
            on_progress(len(data), None)
        return created

    def dataset_can_finish(self, dataset: Dataset) -> bool:
        self.calls.append(f"blocks {dataset.id}")
        return (dataset.status != "NotStarted" or bool(dataset.content_url)
                or self._committed.get(dataset.id, False))

    def latest_adaptable_base_model(self, locale: str, now: datetime,
                                    dataset_kinds: Collection[str] = ()) -> SpeechBaseModel:
        models = [SpeechBaseModel.model_validate(m) for m in self.base_models]
        adaptable = [m for m in models if m.locale == locale and m.properties.features
                     and m.properties.features.supports_adaptations_with
                     and not m.lacks(dataset_kinds)]
        if not adaptable:
            raise NoAdaptableBaseModelError(f"no adaptable base model of {locale}",
                                            locale=locale)
        return max(adaptable, key=lambda m: m.created_date_time or START)

    def get_base_model(self, ref: str) -> SpeechBaseModel:
        for model in self.base_models:
            if _id(model["self"]) == _id(ref):
                return SpeechBaseModel.model_validate(model)
        raise SpeechServiceError(f"no base model {ref}", status=404, code="NotFound")

    def get_model(self, ref: str) -> CustomModel:
        return CustomModel.model_validate(self._get("models", ref))

    def list_models(self, filter: str | None = None) -> Iterable[CustomModel]:
        return [CustomModel.model_validate(m) for m in self.all("models")]

    def create_model(self, definition: ModelDefinition) -> CustomModel:
        self.calls.append("create models")
        return CustomModel.model_validate(self.add("models", definition.to_body(),
                                                   status="NotStarted",
                                                   polls=self.polls_to_finish))

    def list_evaluations(self, filter: str | None = None) -> Iterable[Evaluation]:
        return [Evaluation.model_validate(e) for e in self.all("evaluations")]

    def create_evaluation(self, display_name: str, model1_url: str, model2_url: str,
                          dataset_url: str, locale: str, project_url: str | None = None,
                          custom_properties: dict[str, str] | None = None,
                          description: str | None = None) -> Evaluation:
        self.calls.append("create evaluations")
        body = {"displayName": display_name, "locale": locale, "model1": {"self": model1_url},
                "model2": {"self": model2_url}, "dataset": {"self": dataset_url},
                "customProperties": custom_properties or {}}
        return Evaluation.model_validate(self.add("evaluations", body, status="NotStarted",
                                                  polls=self.polls_to_finish))

    def evaluation_utterance_texts(self, evaluation: Evaluation) -> UtteranceTexts:
        if self.result_files_unavailable:
            return UtteranceTexts.none(self.result_files_unavailable)
        references = self._references(evaluation)
        by_side = {side: {self.result_names.get(name, name): hypothesis
                          for name, hypothesis in
                          self._hypotheses(evaluation, side, references).items()}
                   for side in (1, 2)}
        return UtteranceTexts(by_side, "the evaluation's score files")

    def get_endpoint(self, ref: str) -> Endpoint:
        return Endpoint.model_validate(self._get("endpoints", ref))

    def endpoints_named(self, display_name: str) -> list[Endpoint]:
        return [Endpoint.model_validate(e) for e in self.all("endpoints")
                if e.get("displayName") == display_name]

    def delete_endpoint(self, ref: str) -> None:
        self.calls.append(f"delete endpoint {_id(ref)}")
        self.entities.get("endpoints", {}).pop(_id(ref), None)

    def create_endpoint(self, definition: EndpointDefinition) -> Endpoint:
        self.calls.append("create endpoints")
        if (definition.properties or {}).get("loggingEnabled") and not self.byos:
            raise SpeechServiceError("400 InvalidPayload: content logging needs BYOS",
                                     status=400, code="InvalidPayload")
        return Endpoint.model_validate(self.add("endpoints", definition.to_body(),
                                                status="NotStarted",
                                                polls=self.polls_to_finish))

    def update_endpoint_model(self, ref: str, model_url: str, *,
                              content_logging_enabled: bool | None = None) -> Endpoint:
        self.calls.append(f"patch endpoint {_id(model_url)}")
        if content_logging_enabled is not None:
            self.update_endpoint_logging(ref, content_logging_enabled)
        self.patch_endpoint(ref, model_url)
        return Endpoint.model_validate(self._raw("endpoints", ref))

    def update_endpoint_logging(self, ref: str, enabled: bool) -> Endpoint:
        self.calls.append(f"patch endpoint logging {enabled}")
        if enabled and not self.byos:
            # Learn, migrate-2024-11-15: only resources with their own storage can log.
            raise SpeechServiceError("400 InvalidPayload: content logging needs BYOS",
                                     status=400, code="InvalidPayload")
        entity = self._raw("endpoints", ref)
        entity.setdefault("properties", {})["loggingEnabled"] = enabled
        return Endpoint.model_validate(entity)

    def patch_endpoint(self, ref: str, model_url: str) -> None:
        """What a PATCH does (also for hooks playing another run): Running, then Succeeded."""
        entity = self._raw("endpoints", ref)
        self.clock.seconds += 1  # the service stamps the change after what it had
        entity.update(model={"self": model_url}, status="Running",
                      lastActionDateTime=self.clock.now().isoformat())
        self._pending[_id(ref)] = self.polls_to_finish

    def wait(self, entity: E, *, timeout_s: float, poll_s: float = 30.0,
             on_progress: Callable[[ProgressEvent], None] | None = None) -> E:
        model = type(entity)
        collection = entity.self_url.split("/")[-2]

        def fetch() -> tuple[E, float | None]:
            return model.model_validate(self._get(collection, entity.id)), None

        poller = Poller(entity, fetch, clock=self.clock, sleep=self.clock.sleep, poll_s=poll_s,
                        on_progress=on_progress)
        return poller.result(timeout_s)

    # ---- internals ----------------------------------------------------------------------

    def _raw(self, collection: str, ref: str) -> dict[str, Any]:
        try:
            return self.entities[collection][_id(ref)]
        except KeyError:
            raise SpeechServiceError(f"no {collection} entity {ref}", status=404,
                                     code="NotFound") from None

    def _get(self, collection: str, ref: str) -> dict[str, Any]:
        """A GET: a pending job moves one poll closer to Succeeded; an endpoint's hooks
        (another run acting) run first."""
        entity = self._raw(collection, ref)
        if collection == "endpoints":
            for hook in list(self.endpoint_hooks):
                hook(self, entity)
        entity_id = _id(ref)
        if entity_id in self._pending and self._committed.get(entity_id, True):
            if self._pending[entity_id] <= 0:
                del self._pending[entity_id]
                entity.update(status="Succeeded", lastActionDateTime=self.clock.now().isoformat())
                if collection == "evaluations":
                    entity["properties"] = self._evaluation_properties(entity)
            else:
                self._pending[entity_id] -= 1
                entity["status"] = "Running"
        return entity

    def _references(self, evaluation: Evaluation) -> dict[str, str]:
        assert evaluation.dataset is not None
        data = self._content.get(evaluation.dataset.id, b"")
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            text = package.read("trans.txt").decode("utf-8-sig")
        pairs = (line.split("\t", 1) for line in text.splitlines() if "\t" in line)
        return {name.strip(): reference.strip() for name, reference in pairs}

    def _hypotheses(self, evaluation: Evaluation | dict[str, Any], side: int,
                    references: dict[str, str]) -> dict[str, str]:
        parsed = (evaluation if isinstance(evaluation, Evaluation)
                  else Evaluation.model_validate(evaluation))
        ref = parsed.model1 if side == 1 else parsed.model2
        assert ref is not None
        trained = self.trained_recognizer if ref.id.startswith("models-") else None
        recognize = self.recognizers.get(ref.id, trained or (lambda reference: reference))
        return {name: recognize(reference) for name, reference in references.items()}

    def _evaluation_properties(self, entity: dict[str, Any]) -> dict[str, Any]:
        references = self._references(Evaluation.model_validate(entity))
        properties: dict[str, Any] = {}
        for side in (1, 2):
            hypotheses = self._hypotheses(entity, side, references)
            counts = score([normalize(references[n]) for n in references],
                           [normalize(hypotheses[n]) for n in references])
            properties.update({
                f"wordErrorRate{side}": counts.wer, f"wordCount{side}": counts.reference_words,
                f"sentenceCount{side}": counts.sentences,
                f"correctWordCount{side}": counts.hits,
                f"wordSubstitutionCount{side}": counts.substitutions,
                f"wordDeletionCount{side}": counts.deletions,
                f"wordInsertionCount{side}": counts.insertions,
            })
        properties.update(self.evaluation_overrides)
        return {key: value for key, value in properties.items() if value is not MISSING}


MISSING = object()
"""An `evaluation_overrides` value that removes the property."""


def _id(ref: str) -> str:
    return ref.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
