"""deploy: point a stable endpoint at the improved model, in place, and make it the benchmark.

Which model: the `model` input, else the candidate `choose_candidate` picks (this commit's,
else the newest from the default branch, never a pull request's). The endpoint is updated
in place and verified by GET (`modes/endpoint.py`); only then is the model recorded as the
benchmark, written against the version of the benchmark this run read. For deploy the
endpoint is the truth: when another run wrote the benchmark meanwhile, the endpoint is read
again, and the record is written only while it still serves this run's model, so the
endpoint and `benchmark.json` end up agreeing whichever deploy finishes last.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypedDict

from speech_action.client import CustomModel, Endpoint
from speech_action.errors import ConfigError
from speech_action.modes.bookkeeping import (
    endpoint_expiry,
    history,
    model_info,
    model_ref,
    percent,
    stamp,
)
from speech_action.modes.candidates import CandidateChoice, choose_candidate
from speech_action.modes.context import ModeContext, ModeOutcome
from speech_action.modes.endpoint import (
    Deployment,
    EndpointChangedError,
    deploy_model,
    serves,
)
from speech_action.modes.entities import ensure_project, entity_id, is_base_model_url
from speech_action.modes.model_choice import transcription_date
from speech_action.modes.set_results import recorded, sets_output
from speech_action.modes.test_sets import gating_set_name
from speech_action.modes.waiting import wait_for
from speech_action.records import (
    BenchmarkRecord,
    BenchmarkSnapshot,
    CandidateRecord,
    RecordConflictError,
    RunResult,
    StoredCandidate,
    TestSetScore,
    set_scores,
)
from speech_action.report import DeployedModel, EndpointChange, Mode, Report, WerChange
from speech_action.scoring import NORMALIZER_NAME

EXPIRY_WARNING = timedelta(days=30)
# A conflict means another deploy wrote the benchmark; after re-reading the endpoint, a
# few more tries settle any interleaving of two or three racing runs.
RECORD_ATTEMPTS = 3


def run(ctx: ModeContext) -> ModeOutcome:
    snapshot = ctx.store.read_benchmark()
    candidates = ctx.store.candidates(ctx.settings.locale)
    model, candidate, notes = _model_to_deploy(ctx, candidates)
    warnings = _check_deployable(ctx, model)
    project = ensure_project(ctx)
    with ctx.log.group(f"Deploy {model.display_name}"):
        deployment = deploy_model(ctx, model, project)
    endpoint = deployment.endpoint
    notes.append(_serving_note(deployment, model))
    gating_set = gating_set_name(ctx)
    # The candidate's scores on every set it was gated on (none for a model named by hand).
    gated = () if candidate is None else set_scores(candidate, gating_set)
    warnings += _record(ctx, model, endpoint, candidate, gated, snapshot)
    expiry = endpoint_expiry(endpoint, model)
    report = Report(
        mode=Mode.DEPLOY, locale=ctx.settings.locale, benchmark_model=model_info(model),
        links={"endpoint": endpoint.self_url, "model": model.self_url},
        expiries=() if expiry is None else (expiry,), history=history(ctx),
        commit=ctx.run.commit_sha, run_url=ctx.run.run_url, warnings=tuple(warnings),
        notes=tuple(notes), generated_at=ctx.now(), test_set=gating_set,
        deployment=_endpoint_change(model, endpoint, candidate, gated, snapshot, candidates,
                                    gating_set),
    )
    return ModeOutcome(outputs=_outputs(ctx, model, endpoint, candidate, gated), report=report)


def _endpoint_change(model: CustomModel, endpoint: Endpoint,
                     candidate: CandidateRecord | None, gated: Sequence[TestSetScore],
                     snapshot: BenchmarkSnapshot, candidates: Sequence[StoredCandidate],
                     gating_set: str) -> EndpointChange:
    """The deploy table: the benchmark this run read at its start, and the new model, with
    their WERs on every test set recorded for them."""
    previous = snapshot.record
    return EndpointChange(
        previous=None if previous is None else DeployedModel(
            name=previous.model.name or previous.model.id, id=previous.model.id,
            wer_percent=previous.wer_percent, test_data_hash=previous.test_data_hash,
            test_set_wers=_wers(set_scores(previous, gating_set)),
            **_trained(_newest_candidate(candidates, previous.model.id))),
        deployed=DeployedModel(
            name=model.display_name or model.id, id=model.id,
            wer_percent=None if candidate is None else candidate.wer_percent,
            test_data_hash="" if candidate is None else candidate.test_data_hash,
            test_set_wers=_wers(gated),
            **_trained(candidate)),
        benchmark_wer_percent=None if candidate is None else candidate.benchmark_wer_percent,
        endpoint_name=endpoint.display_name or endpoint.id, endpoint_id=endpoint.id,
    )


def _wers(scores: Sequence[TestSetScore]) -> dict[str, float]:
    return {score.name: score.wer_percent for score in scores}


class _Trained(TypedDict):
    trained_at: datetime | None
    trained_commit: str


def _trained(candidate: CandidateRecord | None) -> _Trained:
    """When and at which commit train-and-gate trained the model (unknown without a
    candidate record: a base model, or a model named in the model input)."""
    if candidate is None:
        return _Trained(trained_at=None, trained_commit="")
    return _Trained(trained_at=candidate.time, trained_commit=candidate.commit)


def _newest_candidate(candidates: Sequence[StoredCandidate],
                      model_id: str) -> CandidateRecord | None:
    named = [c for c in candidates if c.record.model.id == model_id]
    return max(named, key=lambda c: c.stored_at).record if named else None


def _outputs(ctx: ModeContext, model: CustomModel, endpoint: Endpoint,
             candidate: CandidateRecord | None, gated: Sequence[TestSetScore]) -> dict[str, str]:
    # The candidate's recorded floats, rounded the way train-and-gate rounded them when it
    # gated this model (report.figures), so both runs output the same strings.
    figures = {"wer": "", "benchmark-wer": "", "wer-delta": ""}
    if candidate is not None and candidate.benchmark_wer_percent is not None:
        figures = WerChange(candidate.benchmark_wer_percent, candidate.wer_percent).outputs()
    elif candidate is not None:
        figures["wer"] = percent(candidate.wer_percent)
    return {
        **figures, "improved": "false",
        "model": model.self_url, "model-id": model.id,
        "evaluation": _evaluation_url(ctx, candidate),
        "endpoint": endpoint.self_url, "endpoint-id": endpoint.id,
        "test-sets": sets_output(gated),
    }


def _evaluation_url(ctx: ModeContext, candidate: CandidateRecord | None) -> str:
    """The candidate's evaluation on this run's service: the recorded URL may name another
    host (a custom subdomain since, or the local engine on an earlier run's port)."""
    if candidate is None or not candidate.evaluation_url:
        return ""
    return ctx.service.entity_url("evaluations", entity_id(candidate.evaluation_url))


def _model_to_deploy(ctx: ModeContext, candidates: Sequence[StoredCandidate],
                     ) -> tuple[CustomModel, CandidateRecord | None, list[str]]:
    """The model, its candidate record (None when train-and-gate did not record it), and
    the reason for the choice."""
    if ctx.settings.model:
        wanted = ctx.settings.model
        candidate = _newest_candidate(candidates, entity_id(wanted))
        note = f"Deployed the model named in the model input ({wanted})."
    else:
        choice = choose_candidate(candidates, ctx.run)
        if choice.candidate is None:
            raise _no_candidate(ctx, choice)
        candidate = choice.candidate.record
        wanted = candidate.model.url
        note = (f"Chose {candidate.model.name} (WER {percent(candidate.wer_percent)} %): "
                f"{choice.reason}.")
    ctx.log.info(note)
    if is_base_model_url(wanted):
        raise ConfigError(f"model {wanted} is a base model; deploy needs a custom model "
                          "(an endpoint serves a trained model)", input_name="model")
    model = ctx.service.get_model(entity_id(wanted))
    return wait_for(ctx, model, f"model {model.display_name}"), candidate, [note]


def _no_candidate(ctx: ModeContext, choice: CandidateChoice) -> ConfigError:
    return ConfigError(
        f"no model to deploy: {choice.reason} (records in {ctx.store.location}, locale "
        f"{ctx.settings.locale}). Run train-and-gate on this commit or on the default branch "
        "first (with the same records-dir or storage-connection-string), or name the model "
        "in the model input.", input_name="model")


def _check_deployable(ctx: ModeContext, model: CustomModel) -> list[str]:
    if model.locale and model.locale != ctx.settings.locale:
        raise ConfigError(
            f"model {model.display_name} is {model.locale}, but locale is "
            f"{ctx.settings.locale}; deploy a model of the endpoint's locale or set locale",
            input_name="model")
    features = model.properties.features
    if features is not None and features.supports_endpoints is False:
        # SharedModelFeatures.supportsEndpoints (API description): "whether creation of
        # endpoints for live transcription is supported"; the service would refuse it.
        raise ConfigError(
            f"model {model.display_name} does not support endpoints "
            "(properties.features.supportsEndpoints is false): train from a base model that "
            "does (base-model `latest` picks one), or use the model for batch transcription "
            "only", input_name="model")
    expires = transcription_date(model)
    if expires is None:
        return []
    now = ctx.now()
    if expires <= now:
        raise ConfigError(
            f"model {model.display_name} can no longer transcribe (since "
            f"{expires:%Y-%m-%d}); train a new one with train-and-gate", input_name="model")
    if expires - now <= EXPIRY_WARNING:
        message = (f"model {model.display_name} stops transcribing on {expires:%Y-%m-%d}; "
                   "retrain it (a scheduled train-and-gate with base-model: latest does)")
        ctx.log.warning(message)
        return [message]
    return []


def _serving_note(deployment: Deployment, model: CustomModel) -> str:
    if deployment.changed_at is None:
        return f"The endpoint already served {model.display_name}; nothing was changed."
    return (f"The endpoint switched to {model.display_name} at "
            f"{deployment.changed_at:%Y-%m-%d %H:%M:%S} UTC. Microsoft documents that the "
            "previous model can keep answering for several minutes after a model change.")


def _record(ctx: ModeContext, model: CustomModel, endpoint: Endpoint,
            candidate: CandidateRecord | None, gated: Sequence[TestSetScore],
            snapshot: BenchmarkSnapshot) -> list[str]:
    common = stamp(ctx)
    ctx.store.write_result(RunResult(
        **common, ref=ctx.run.ref or "", event=ctx.run.event, kind="deploy",
        model=model_ref(model), endpoint_url=endpoint.self_url, normalizer=NORMALIZER_NAME,
        wer_percent=None if candidate is None else candidate.wer_percent,
        benchmark_wer_percent=None if candidate is None else candidate.benchmark_wer_percent,
        test_data_hash="" if candidate is None else candidate.test_data_hash,
        training_data_hashes={} if candidate is None else candidate.training_data_hashes,
        test_sets=recorded(ctx, gated),
    ))
    if candidate is None:
        message = (f"no WER is recorded for {model.display_name} (it was not an improved "
                   "candidate of train-and-gate), so the benchmark is unchanged; run "
                   "benchmark-test to measure it")
        ctx.log.warning(message)
        return [message]
    # The benchmark keeps the model's own WER on every set it was gated on; the gate's
    # verdict and the WER it was gated against belong to the candidate, not the benchmark.
    record = BenchmarkRecord(
        **common, kind="deploy", model=model_ref(model), wer_percent=candidate.wer_percent,
        normalizer=NORMALIZER_NAME, test_data_hash=candidate.test_data_hash,
        evaluation_url=candidate.evaluation_url,
        test_sets=recorded(ctx, [s.model_copy(update={"benchmark_wer_percent": None,
                                                      "passed": None}) for s in gated]),
    )
    _write_benchmark_while_served(ctx, record, endpoint, model, snapshot)
    ctx.log.info(f"{model.display_name} is the new benchmark "
                 f"(WER {percent(candidate.wer_percent)} %)")
    return _unmeasured_sets(ctx, model, gated)


def _unmeasured_sets(ctx: ModeContext, model: CustomModel,
                     gated: Sequence[TestSetScore]) -> list[str]:
    """The configured test sets the model was not gated on (added since its training run):
    the new benchmark has no WER for them until benchmark-test measures it."""
    measured = {score.name for score in gated}
    missing = [spec.name for spec in ctx.settings.data.test_set_specs()
               if spec.name not in measured]
    if not missing:
        return []
    message = (f"{model.display_name} was not evaluated on the test set(s) "
               f"{', '.join(missing)} (added after it was trained), so the benchmark has no "
               "WER for them; run benchmark-test to measure it")
    ctx.log.warning(message)
    return [message]


def _write_benchmark_while_served(ctx: ModeContext, record: BenchmarkRecord,
                                  endpoint: Endpoint, model: CustomModel,
                                  snapshot: BenchmarkSnapshot) -> None:
    for attempt in range(1, RECORD_ATTEMPTS + 1):
        try:
            ctx.store.write_benchmark(record, expected=snapshot)
            return
        except RecordConflictError as conflict:
            if not serves(ctx, endpoint, model):
                raise EndpointChangedError(
                    f"endpoint {endpoint.display_name} no longer serves {model.display_name}: "
                    f"another deploy changed it and recorded its model. This run recorded "
                    f"nothing. ({conflict})") from conflict
            if attempt == RECORD_ATTEMPTS:
                raise
            ctx.log.info("another run wrote the benchmark meanwhile; the endpoint still "
                         f"serves {model.display_name}, so it is recorded over it")
            snapshot = ctx.store.read_benchmark()
