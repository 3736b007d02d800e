"""What a report is made of: everything the summary, the PR comment and the JSON need.

The modes fill a `Report`; the renderers (`render_summary`, `render_pr_comment`,
`to_json`) are pure functions of it. WERs here are in percent (6.5 means 6.50 %), like
the action's outputs and the records; the service's evaluation properties are fractions
and are converted once, in `speech_action.modes.scores`.
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from speech_action.report.figures import clean_percent
from speech_action.run_mode import Mode
from speech_action.scoring import (
    NORMALIZER_NAME,
    GateDecision,
    GuardDecision,
    Significance,
    Utterance,
)

__all__ = [
    "DeployedModel",
    "EndpointChange",
    "Expiry",
    "HistoryPoint",
    "Mode",
    "ModelInfo",
    "Report",
    "ServiceScore",
    "TestSetResult",
]


def _clean_optional(value: float | None) -> float | None:
    return None if value is None else clean_percent(value)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelInfo(_Frozen):
    """A Custom Speech model as the report shows it: display name and `self` URL."""

    name: str
    url: str | None = None


class ServiceScore(_Frozen):
    """One model's scores as the service computed them (evaluation properties), in percent;
    made from an evaluation by `modes.scores`, which refuses scores that cannot gate."""

    wer_percent: float = Field(ge=0)
    sentence_error_rate_percent: float | None = Field(default=None, ge=0)
    sentences: int | None = Field(default=None, ge=0)
    words: int | None = Field(default=None, ge=0)
    correct_words: int | None = Field(default=None, ge=0)
    substitutions: int | None = Field(default=None, ge=0)
    deletions: int | None = Field(default=None, ge=0)
    insertions: int | None = Field(default=None, ge=0)

    # `fraction * 100` leaves binary noise (64.08840000000001); every copy of a score
    # (records, JSON report) keeps the clean value (see `report.figures`).
    _clean = field_validator("wer_percent", "sentence_error_rate_percent")(
        _clean_optional)


class Expiry(_Frozen):
    """A date after which something stops working, e.g. a model's transcription date
    (`deprecationDates.transcriptionDateTime`) or the model an endpoint serves."""

    label: str
    date: AwareDatetime
    url: str | None = None


class HistoryPoint(_Frozen):
    """One past benchmark record's WER on one test set, for the WER history chart (records
    refuse absurd WERs; a point must at least be a finite number for the chart's axis)."""

    time: AwareDatetime
    commit: str
    wer_percent: float = Field(ge=0, allow_inf_nan=False)
    model: str = ""
    test_set: str = ""
    """The test set's name; "" in reports from before test sets (the gating set)."""

    _clean = field_validator("wer_percent")(clean_percent)


class DeployedModel(_Frozen):
    """A model in the deploy table: what it scored, on which test data, and which run
    trained it (unknown for a model speech-action did not train, e.g. a base model)."""

    name: str
    id: str = ""
    wer_percent: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    test_data_hash: str = ""
    trained_at: AwareDatetime | None = None
    trained_commit: str = ""
    test_set_wers: dict[str, float] = Field(default_factory=dict)
    """Its WER on every test set recorded for it, by set name (the gating set's too)."""

    _clean = field_validator("wer_percent")(_clean_optional)


class EndpointChange(_Frozen):
    """What deploy changed: the model the benchmark named before (None on a first deploy)
    and the one now served, on which endpoint; `benchmark_wer_percent` is the WER the new
    model was gated against, measured in the same evaluation."""

    previous: DeployedModel | None = None
    deployed: DeployedModel
    benchmark_wer_percent: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    endpoint_name: str
    endpoint_id: str

    _clean = field_validator("benchmark_wer_percent")(_clean_optional)


class TestSetResult(_Frozen):
    """A guard set's part of a report (every test set but the gating one, whose figures are
    the report's own fields): the same evaluation figures, per-utterance results and, in
    train-and-gate, the guard's decision."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    path: str = ""
    """The set's folder or zip, workspace-relative."""
    benchmark_service: ServiceScore | None = None
    candidate_service: ServiceScore | None = None
    utterances: tuple[Utterance, ...] = ()
    max_regression: str = "0"
    """As configured: WER points (`0.5`) or percent of the set's benchmark WER (`5%`)."""
    guard: GuardDecision | None = None
    """train-and-gate: whether the set stayed within its max-regression."""
    links: dict[str, str] = Field(default_factory=dict)
    """Label -> URL: the set's evaluation and dataset."""


class Report(_Frozen):
    """Everything one run reports. Optional parts are left out of the rendering when
    absent (no gate in benchmark-test, no utterances in deploy, ...)."""

    mode: Mode
    locale: str
    benchmark_model: ModelInfo
    # None in benchmark-test, where model1 and model2 are the benchmark model.
    candidate_model: ModelInfo | None = None
    benchmark_service: ServiceScore | None = None
    candidate_service: ServiceScore | None = None
    utterances: tuple[Utterance, ...] = ()
    gate: GateDecision | None = None
    significance: Significance | None = None
    links: dict[str, str] = Field(default_factory=dict)
    """Label -> URL of the service entities (evaluation, datasets, models, endpoint)."""
    expiries: tuple[Expiry, ...] = ()
    history: tuple[HistoryPoint, ...] = ()
    commit: str = ""
    run_url: str | None = None
    normalizer: str = NORMALIZER_NAME
    warnings: tuple[str, ...] = ()
    deployment: EndpointChange | None = None
    """deploy only: the previous and the new model, and the endpoint."""
    notes: tuple[str, ...] = ()
    """Decisions explained: which candidate deploy chose and why, when the endpoint changed."""
    generated_at: AwareDatetime
    """When the report was made; expiry warnings are relative to it."""
    test_set: str = ""
    """The gating test set's name (its figures are the fields above); "" in reports from
    before test sets."""
    test_set_path: str = ""
    """The gating test set's folder or zip, workspace-relative."""
    guard_sets: tuple[TestSetResult, ...] = ()
    """Every other test set of `speech.yml`'s `test-sets`, in its order."""

    @property
    def model_under_test(self) -> ModelInfo:
        return self.candidate_model or self.benchmark_model

    @property
    def service_under_test(self) -> ServiceScore | None:
        return self.candidate_service or self.benchmark_service
