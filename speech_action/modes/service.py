"""The service boundary of the modes: the Speech to text calls they make, typed.

`SpeechClient` implements it over HTTP; `tests/support/fake_speech.py` implements it in
memory, so the decisions of the modes (reuse, gate, candidate choice, deploy verification)
are unit-tested in milliseconds and the end-to-end tests prove the wiring.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import datetime
from typing import Protocol, TypeVar

from speech_action.client import (
    CustomModel,
    Dataset,
    DatasetDefinition,
    Endpoint,
    EndpointDefinition,
    Evaluation,
    ModelDefinition,
    ProgressEvent,
    Project,
    SpeechBaseModel,
    UtteranceTexts,
)
from speech_action.client.models import Entity

E = TypeVar("E", bound=Entity)

AnyModel = SpeechBaseModel | CustomModel


class SpeechService(Protocol):
    """What the modes ask of the Speech to text API; ids or `self` URLs address entities."""

    @property
    def endpoint(self) -> str:
        """The service's base URL, for messages."""
        ...

    def entity_url(self, collection: str, ref: str) -> str: ...

    # projects
    def find_or_create_project(self, display_name: str, locale: str, *,
                               custom_properties: dict[str, str] | None = None
                               ) -> Project | None: ...

    # datasets
    def list_datasets(self, filter: str | None = None) -> Iterable[Dataset]: ...

    def create_dataset(self, definition: DatasetDefinition) -> Dataset: ...

    def create_dataset_from_chunks(self, definition: DatasetDefinition,
                                   chunks: Iterable[bytes], *,
                                   on_progress: Callable[[int, int | None], None] | None = None
                                   ) -> Dataset: ...

    def dataset_can_finish(self, dataset: Dataset) -> bool:
        """False for a dataset that will never leave NotStarted (blocks never committed)."""
        ...

    # models
    def latest_adaptable_base_model(self, locale: str, now: datetime,
                                    dataset_kinds: Collection[str] = ()) -> SpeechBaseModel: ...

    def get_base_model(self, ref: str) -> SpeechBaseModel: ...

    def get_model(self, ref: str) -> CustomModel: ...

    def list_models(self, filter: str | None = None) -> Iterable[CustomModel]: ...

    def create_model(self, definition: ModelDefinition) -> CustomModel: ...

    # evaluations
    def list_evaluations(self, filter: str | None = None) -> Iterable[Evaluation]: ...

    def create_evaluation(self, display_name: str, model1_url: str, model2_url: str,
                          dataset_url: str, locale: str, project_url: str | None = None,
                          custom_properties: dict[str, str] | None = None,
                          description: str | None = None) -> Evaluation: ...

    def evaluation_utterance_texts(self, evaluation: Evaluation) -> UtteranceTexts: ...

    # endpoints
    def get_endpoint(self, ref: str) -> Endpoint: ...

    def endpoints_named(self, display_name: str) -> list[Endpoint]: ...

    def delete_endpoint(self, ref: str) -> None: ...

    def create_endpoint(self, definition: EndpointDefinition) -> Endpoint: ...

    def update_endpoint_model(self, ref: str, model_url: str, *,
                              content_logging_enabled: bool | None = None) -> Endpoint: ...

    def update_endpoint_logging(self, ref: str, enabled: bool) -> Endpoint: ...

    # waiting
    def wait(self, entity: E, *, timeout_s: float, poll_s: float = 30.0,
             on_progress: Callable[[ProgressEvent], None] | None = None) -> E: ...
