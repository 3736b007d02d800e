"""Typed Speech to text resources (pydantic).

Service payloads are parsed tolerantly (`extra="ignore"`, everything optional that the
service may omit) so new service fields never break a run. Definitions we send are strict
(`extra="forbid"`) and serialize with the service's camelCase names, leaving out unset fields.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

from pydantic import BaseModel as PydanticModel
from pydantic import ConfigDict, Field
from pydantic.alias_generators import to_camel


class Resource(PydanticModel):
    model_config = ConfigDict(extra="ignore", alias_generator=to_camel, populate_by_name=True)


def id_from_url(url: str) -> str:
    """The last path segment of an entity URL (its id), query string ignored."""
    return urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]


class EntityRef(Resource):
    self_url: str = Field(alias="self")

    @property
    def id(self) -> str:
        return id_from_url(self.self_url)


class EntityError(Resource):
    code: str | None = None
    message: str | None = None


class Entity(Resource):
    """Fields common to datasets, models, evaluations, endpoints, projects, transcriptions."""

    self_url: str = Field(alias="self")
    display_name: str | None = None
    description: str | None = None
    locale: str | None = None
    custom_properties: dict[str, str] | None = None
    created_date_time: datetime | None = None
    last_action_date_time: datetime | None = None
    status: str | None = None
    project: EntityRef | None = None
    links: dict[str, Any] = Field(default_factory=dict)

    @property
    def id(self) -> str:
        return id_from_url(self.self_url)

    @property
    def error(self) -> EntityError | None:
        properties = getattr(self, "properties", None)
        return getattr(properties, "error", None) if properties is not None else None


class DeprecationDates(Resource):
    adaptation_date_time: datetime | None = None
    transcription_date_time: datetime | None = None


class ModelFeatures(Resource):
    supports_adaptations_with: list[str] = Field(default_factory=list)
    supports_endpoints: bool | None = None
    supports_transcriptions: bool | None = None


class BaseModelProperties(Resource):
    deprecation_dates: DeprecationDates | None = None
    features: ModelFeatures | None = None
    charge_for_adaptation: bool | None = None
    error: EntityError | None = None


class SpeechBaseModel(Entity):
    """A Microsoft base model (`/models/base/{id}`)."""

    properties: BaseModelProperties = Field(default_factory=BaseModelProperties)

    def lacks(self, dataset_kinds: Collection[str]) -> list[str]:
        """What this base model cannot do of what the action needs: adaptation with each
        of `dataset_kinds` (`BaseModelFeatures.supportsAdaptationsWith`, "Supported dataset
        kinds to adapt the model"), and endpoints (`SharedModelFeatures.supportsEndpoints`,
        "whether creation of endpoints for live transcription is supported"): the action
        exists to deploy the model it trains. An absent `supportsEndpoints` is not a "no"
        (older API versions may leave it out); the endpoint creation would say so."""
        features = self.properties.features or ModelFeatures()
        supported = set(features.supports_adaptations_with)
        lacking = [f"adaptation with {kind}" for kind in sorted(set(dataset_kinds) - supported)]
        if features.supports_endpoints is False:
            lacking.append("endpoints")
        return lacking


class CustomModelProperties(Resource):
    deprecation_dates: DeprecationDates | None = None
    features: ModelFeatures | None = None
    custom_model_weight_percent: int | None = None
    error: EntityError | None = None


class CustomModel(Entity):
    base_model: EntityRef | None = None
    datasets: list[EntityRef] = Field(default_factory=list)
    text: str | None = None  # v3.2 only
    properties: CustomModelProperties = Field(default_factory=CustomModelProperties)


class DatasetProperties(Resource):
    accepted_line_count: int | None = None
    rejected_line_count: int | None = None
    duration_milliseconds: int | None = None
    duration: str | None = None  # v3.2: ISO 8601 duration
    text_normalization_kind: str | None = None
    error: EntityError | None = None


class Dataset(Entity):
    kind: str | None = None
    content_url: str | None = None
    properties: DatasetProperties = Field(default_factory=DatasetProperties)


class TokenErrors(Resource):
    number_of_edits: int | None = None
    percentage_of_all_edits: float | None = None


class EvaluationProperties(Resource):
    word_error_rate1: float | None = None
    word_error_rate2: float | None = None
    sentence_error_rate1: float | None = None
    sentence_error_rate2: float | None = None
    sentence_count1: int | None = None
    sentence_count2: int | None = None
    word_count1: int | None = None
    word_count2: int | None = None
    correct_word_count1: int | None = None
    correct_word_count2: int | None = None
    word_substitution_count1: int | None = None
    word_substitution_count2: int | None = None
    word_deletion_count1: int | None = None
    word_deletion_count2: int | None = None
    word_insertion_count1: int | None = None
    word_insertion_count2: int | None = None
    token_error_rate1: float | None = None
    token_error_rate2: float | None = None
    error: EntityError | None = None


class Evaluation(Entity):
    model1: EntityRef | None = None
    model2: EntityRef | None = None
    dataset: EntityRef | None = None
    transcription1: EntityRef | None = None
    transcription2: EntityRef | None = None
    properties: EvaluationProperties = Field(default_factory=EvaluationProperties)


class EndpointProperties(Resource):
    logging_enabled: bool | None = None
    error: EntityError | None = None


class Endpoint(Entity):
    model: EntityRef | None = None
    properties: EndpointProperties = Field(default_factory=EndpointProperties)


class Project(Entity):
    pass


class TranscriptionProperties(Resource):
    error: EntityError | None = None


class Transcription(Entity):
    model: EntityRef | None = None
    dataset: EntityRef | None = None
    properties: TranscriptionProperties = Field(default_factory=TranscriptionProperties)


class FileProperties(Resource):
    size: int | None = None


class File(Resource):
    """A file of a dataset, evaluation, model or transcription; content via `content_url`."""

    self_url: str | None = Field(default=None, alias="self")
    name: str = ""
    kind: str | None = None
    links: dict[str, Any] = Field(default_factory=dict)
    properties: FileProperties = Field(default_factory=FileProperties)
    created_date_time: datetime | None = None

    @property
    def content_url(self) -> str | None:
        value = self.links.get("contentUrl")
        return value if isinstance(value, str) else None


class UploadedBlock(Resource):
    name: str | None = None
    size: int | None = None


class UploadedBlocks(Resource):
    committed_blocks: list[UploadedBlock] = Field(default_factory=list)
    uncommitted_blocks: list[UploadedBlock] = Field(default_factory=list)


T = TypeVar("T", bound=PydanticModel)


class Page(Resource, Generic[T]):
    values: list[T] = Field(default_factory=list)
    next_link: str | None = Field(default=None, alias="@nextLink")


class ErrorBody(Resource):
    """Both error shapes: the spec's `{code, message, innerError}` and `{"error": {...}}`."""

    code: str | None = None
    message: str | None = None
    inner_error: dict[str, Any] | None = None
    error: EntityError | None = None

    def code_and_message(self) -> tuple[str | None, str | None]:
        if self.error is not None and (self.error.code or self.error.message):
            return self.error.code, self.error.message
        detail = (self.inner_error or {}).get("code")
        code = f"{self.code}/{detail}" if self.code and detail else self.code
        return code, self.message


# ---- definitions we send (strict) -------------------------------------------------------


class Definition(PydanticModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=True)

    def to_body(self) -> dict[str, Any]:
        body: dict[str, Any] = self.model_dump(by_alias=True, exclude_none=True)
        return body


class DatasetDefinition(Definition):
    display_name: str
    locale: str
    kind: str  # Language, Acoustic, Pronunciation, AudioFiles, LanguageMarkdown
    description: str | None = None
    custom_properties: dict[str, str] | None = None
    project: EntityRef | None = None
    content_url: str | None = None


class ModelDefinition(Definition):
    display_name: str
    locale: str
    base_model: EntityRef
    datasets: list[EntityRef]
    description: str | None = None
    custom_properties: dict[str, str] | None = None
    project: EntityRef | None = None


class EndpointDefinition(Definition):
    display_name: str
    locale: str
    model: EntityRef
    description: str | None = None
    custom_properties: dict[str, str] | None = None
    project: EntityRef | None = None
    properties: dict[str, Any] | None = None  # e.g. {"loggingEnabled": true}


def ref(url: str) -> EntityRef:
    return EntityRef(self=url)
