"""Which models a run uses: the base model to train from and the benchmark to beat."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from speech_action.client import SpeechBaseModel
from speech_action.errors import ConfigError, SpeechActionError
from speech_action.modes.context import ModeContext
from speech_action.modes.entities import entity_id, is_base_model_url
from speech_action.modes.service import AnyModel
from speech_action.records import BenchmarkSnapshot


@dataclass(frozen=True)
class BenchmarkChoice:
    model: AnyModel
    source: str
    """Why this model, in words (for the log and the summary)."""
    warning: str | None = None
    """Set when the wanted model could not be used (past its transcription date)."""


def resolve_base_model(ctx: ModeContext, dataset_kinds: Collection[str] = ()) -> SpeechBaseModel:
    """The `base-model` input: an id or URL, or the `latest` base model of the locale that
    can be adapted with every kind in `dataset_kinds` and deployed. A named base model that
    cannot is a clear error before any training (the service would fail the model later)."""
    wanted = ctx.settings.base_model
    if wanted.lower() == "latest":
        return _latest_base_model(ctx, dataset_kinds)
    model = ctx.service.get_base_model(entity_id(wanted))
    lacking = model.lacks(dataset_kinds)
    if lacking:
        raise ConfigError(
            f"base-model {model.display_name} ({entity_id(wanted)}) lacks "
            f"{', '.join(lacking)}, which the training data needs; give `latest` (the "
            "newest base model that supports it) or another base model, or remove that kind "
            "of training data", input_name="base-model")
    return model


def _latest_base_model(ctx: ModeContext, dataset_kinds: Collection[str] = ()) -> SpeechBaseModel:
    model = ctx.service.latest_adaptable_base_model(ctx.settings.locale, ctx.now(),
                                                    dataset_kinds)
    needs = f" with {', '.join(sorted(dataset_kinds))}" if dataset_kinds else ""
    ctx.log.info(f"base model: {model.display_name} (newest adaptable{needs} for "
                 f"{ctx.settings.locale})")
    return model


def get_any_model(ctx: ModeContext, ref: str) -> AnyModel:
    """A model by id or URL, custom or base. A URL says which kind; it is looked up by its
    id on this run's service, so records keep working when the endpoint URL changes (a
    custom subdomain, or the local engine on a new port). A bare id is tried as a custom
    model first."""
    model_id = entity_id(ref)
    if is_base_model_url(ref):
        return ctx.service.get_base_model(model_id)
    if ref.startswith(("http://", "https://")):
        return ctx.service.get_model(model_id)
    try:
        return ctx.service.get_model(model_id)
    except SpeechActionError:
        return ctx.service.get_base_model(model_id)


def transcription_date(model: AnyModel) -> datetime | None:
    """When the model stops transcribing (`deprecationDates.transcriptionDateTime`)."""
    dates = model.properties.deprecation_dates
    return None if dates is None else dates.transcription_date_time


def resolve_benchmark_model(ctx: ModeContext, benchmark: BenchmarkSnapshot) -> BenchmarkChoice:
    """The model to beat: the `benchmark-model` input, else the model of the benchmark this
    run read, else the base model. A model past its transcription date cannot be evaluated
    (batch transcription refuses it), so the newest adaptable base model stands in for it,
    with a warning."""
    if ctx.settings.benchmark_model:
        model = get_any_model(ctx, ctx.settings.benchmark_model)
        choice = BenchmarkChoice(model, "the benchmark-model input")
    elif benchmark.record is not None:
        model = get_any_model(ctx, benchmark.record.model.url)
        choice = BenchmarkChoice(model, f"the benchmark record of {benchmark.record.commit[:7]}")
    else:
        choice = BenchmarkChoice(resolve_base_model(ctx),
                                 "no benchmark recorded yet: the base model")
    expired = transcription_date(choice.model)
    if expired is not None and expired <= ctx.now():
        choice = _instead_of_expired(ctx, choice, expired)
    ctx.log.info(f"benchmark model: {choice.model.display_name} ({choice.source})")
    return choice


def _instead_of_expired(ctx: ModeContext, expired: BenchmarkChoice,
                        since: datetime) -> BenchmarkChoice:
    replacement = _latest_base_model(ctx)
    warning = (f"the benchmark model {expired.model.display_name} ({expired.source}) can no "
               f"longer transcribe (since {since:%Y-%m-%d}), so it cannot be evaluated; "
               f"the newest adaptable base model {replacement.display_name} is the benchmark "
               "instead. Deploy a newer model or run benchmark-test to record it.")
    ctx.log.warning(warning)
    return BenchmarkChoice(replacement, "stands in for an expired benchmark model", warning)
