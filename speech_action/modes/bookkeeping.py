"""Records and report parts the modes share: model references, counts, expiry, history."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from speech_action.client import Endpoint
from speech_action.modes.context import ModeContext
from speech_action.modes.model_choice import transcription_date
from speech_action.modes.service import AnyModel
from speech_action.modes.test_sets import gating_set_name, names_by_path
from speech_action.records import ModelRef, TestSetScore, WerCounts, set_scores
from speech_action.report import Expiry, HistoryPoint, ModelInfo, ServiceScore, fixed


def model_ref(model: AnyModel) -> ModelRef:
    return ModelRef(url=model.self_url, id=model.id, name=model.display_name or model.id)


def model_info(model: AnyModel) -> ModelInfo:
    return ModelInfo(name=model.display_name or model.id, url=model.self_url)


def wer_counts(score: ServiceScore) -> WerCounts | None:
    """The service's counts as a record holds them (None when the service gave none)."""
    counts = (score.substitutions, score.deletions, score.insertions, score.words)
    if any(value is None for value in counts):
        return None
    return WerCounts(
        substitutions=score.substitutions or 0,
        deletions=score.deletions or 0,
        insertions=score.insertions or 0,
        reference_words=score.words or 0,
        hits=score.correct_words,
        sentences=score.sentences,
    )


def transcription_expiry(model: AnyModel, label: str) -> Expiry | None:
    """When the model stops transcribing (and an endpoint serving it stops working)."""
    when = transcription_date(model)
    if when is None:
        return None
    return Expiry(label=label, date=when, url=model.self_url)


def endpoint_expiry(endpoint: Endpoint, model: AnyModel) -> Expiry | None:
    expiry = transcription_expiry(model, f"endpoint {endpoint.display_name} (model "
                                         f"{model.display_name})")
    return None if expiry is None else expiry.model_copy(update={"url": endpoint.self_url})


def history(ctx: ModeContext, limit: int = 20) -> tuple[HistoryPoint, ...]:
    """The chart's points, one per test set of each of the last `limit` benchmarks (a
    benchmark from before test sets counts as the gating set's); a history entry that is not
    a valid record is skipped with a warning (one bad file must not stop every later run;
    benchmark.json itself is strict)."""
    gating, configured = gating_set_name(ctx), names_by_path(ctx)
    return tuple(
        HistoryPoint(time=record.time, commit=record.commit[:7], wer_percent=score.wer_percent,
                     model=record.model.name, test_set=_name_now(score, configured))
        for record in ctx.store.history(limit, skipped=ctx.log.warning)
        for score in set_scores(record, gating)
    )


def _name_now(score: TestSetScore, configured: dict[str, str]) -> str:
    """The set's name as `speech.yml` names it now: a set renamed since (or `test-sets`
    removed again) keeps its history by its path."""
    if score.name in configured.values():
        return score.name
    return configured.get(score.path, score.name)


def percent(value: float) -> str:
    """A WER as logs and outputs show it: two decimals (`6.50`), rounded the one way the
    report rounds (`report.figures`)."""
    return fixed(value)


class Stamp(TypedDict):
    """The fields every record carries: commit, run, time, locale."""

    commit: str
    run_id: str
    run_url: str
    time: datetime
    locale: str


def stamp(ctx: ModeContext) -> Stamp:
    return Stamp(commit=ctx.run.commit_sha, run_id=ctx.run.run_id,
                 run_url=ctx.run.run_url or "", time=ctx.now(), locale=ctx.settings.locale)
