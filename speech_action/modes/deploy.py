"""deploy: point a stable endpoint at the improved model, in place, and make it the benchmark.

The endpoint is found by id or display name and updated with `PATCH model`, so clients keep
one URL and the previous model serves until the update succeeded; it is created only when
absent. Only after the endpoint succeeded does the model become the new benchmark.
"""

from __future__ import annotations

from datetime import timedelta

from speech_action.client import CustomModel, Endpoint, EndpointDefinition, Project, ref
from speech_action.errors import ConfigError
from speech_action.modes import steps
from speech_action.modes.bookkeeping import (
    endpoint_expiry,
    history,
    model_info,
    model_ref,
    percent,
    stamp,
)
from speech_action.modes.context import ModeContext, ModeOutcome
from speech_action.records import BenchmarkRecord, CandidateRecord, RunResult
from speech_action.report import Mode, Report
from speech_action.scoring import NORMALIZER_NAME

EXPIRY_WARNING = timedelta(days=30)


def run(ctx: ModeContext) -> ModeOutcome:
    candidate = ctx.store.latest_candidate(ctx.config.locale)
    model = _model_to_deploy(ctx, candidate)
    if candidate is not None and candidate.model.id != model.id:
        candidate = None  # an explicit model input that train-and-gate did not record
    warnings = _check_deployable(ctx, model)
    project = steps.ensure_project(ctx)
    with ctx.log.group(f"Deploy {model.display_name}"):
        endpoint = _update_or_create_endpoint(ctx, model, project)
    warnings += _record(ctx, model, endpoint, candidate)
    expiry = endpoint_expiry(endpoint, model)
    report = Report(
        mode=Mode.DEPLOY, locale=ctx.config.locale, benchmark_model=model_info(model),
        links={"endpoint": endpoint.self_url, "model": model.self_url},
        expiries=() if expiry is None else (expiry,), history=history(ctx),
        commit=ctx.run.commit_sha, run_url=ctx.run.run_url, warnings=tuple(warnings),
        generated_at=ctx.now(),
    )
    wer = "" if candidate is None else percent(candidate.wer_percent)
    benchmark_wer = ("" if candidate is None or candidate.benchmark_wer_percent is None
                     else percent(candidate.benchmark_wer_percent))
    delta = ("" if not (wer and benchmark_wer)
             else percent(float(benchmark_wer) - float(wer)))
    outputs = {
        "wer": wer, "benchmark-wer": benchmark_wer, "wer-delta": delta, "improved": "false",
        "model": model.self_url, "model-id": model.id,
        "evaluation": _evaluation_url(ctx, candidate),
        "endpoint": endpoint.self_url, "endpoint-id": endpoint.id,
    }
    return ModeOutcome(outputs=outputs, report=report)


def _evaluation_url(ctx: ModeContext, candidate: CandidateRecord | None) -> str:
    """The candidate's evaluation on this run's service: the recorded URL may name another
    host (a custom subdomain since, or the local engine on an earlier run's port)."""
    if candidate is None or not candidate.evaluation_url:
        return ""
    return ctx.client.entity_url("evaluations", steps.entity_id(candidate.evaluation_url))


def _model_to_deploy(ctx: ModeContext, candidate: CandidateRecord | None) -> CustomModel:
    if ctx.config.model:
        wanted = ctx.config.model
    elif candidate is not None:
        wanted = candidate.model.url
        ctx.log.info(f"deploying the latest improved candidate {candidate.model.name} "
                     f"(WER {percent(candidate.wer_percent)} %, commit {candidate.commit[:7]})")
    else:
        raise ConfigError(
            f"no model to deploy: no improved candidate is recorded in {ctx.store.location} "
            "for this locale. Run train-and-gate first (with the same records-dir or "
            "storage-connection-string), or give the model input.", input_name="model")
    if steps.is_base_model_url(wanted):
        raise ConfigError(f"model {wanted} is a base model; deploy needs a custom model "
                          "(an endpoint serves a trained model)", input_name="model")
    model = ctx.client.get_model(steps.entity_id(wanted))
    return steps.wait_for(ctx, model, f"model {model.display_name}")


def _check_deployable(ctx: ModeContext, model: CustomModel) -> list[str]:
    if model.locale and model.locale != ctx.config.locale:
        raise ConfigError(
            f"model {model.display_name} is {model.locale}, but locale is "
            f"{ctx.config.locale}; deploy a model of the endpoint's locale or set locale",
            input_name="model")
    dates = model.properties.deprecation_dates
    expires = None if dates is None else dates.transcription_date_time
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


def _update_or_create_endpoint(
    ctx: ModeContext, model: CustomModel, project: Project | None
) -> Endpoint:
    endpoint = _find_endpoint(ctx)
    if endpoint is None:
        endpoint = ctx.client.create_endpoint(EndpointDefinition(
            display_name=ctx.config.endpoint_name, locale=ctx.config.locale,
            model=ref(model.self_url),
            description=f"deployed by speech-action from {ctx.run.commit_sha}",
            custom_properties=steps.traceability(ctx),
            project=steps.project_ref(project),
            properties={"loggingEnabled": ctx.config.logging_enabled},
        ))
        ctx.log.info(f"created endpoint {endpoint.display_name}")
    elif (endpoint.model is not None and endpoint.model.id == model.id
          and endpoint.status != "Failed"):  # a Failed one serves nothing: PATCH it again
        ctx.log.info(f"endpoint {endpoint.display_name} already serves {model.display_name}")
    else:
        endpoint = ctx.client.update_endpoint_model(endpoint, model.self_url)
        ctx.log.info(f"endpoint {endpoint.display_name} updated in place to "
                     f"{model.display_name}; the previous model serves until it succeeds")
    return steps.wait_for(ctx, endpoint, f"endpoint {endpoint.display_name}")


def _find_endpoint(ctx: ModeContext) -> Endpoint | None:
    if ctx.config.endpoint_id:
        return ctx.client.get_endpoint(steps.entity_id(ctx.config.endpoint_id))
    return ctx.client.find_endpoint_by_name(ctx.config.endpoint_name)


def _record(
    ctx: ModeContext, model: CustomModel, endpoint: Endpoint, candidate: CandidateRecord | None
) -> list[str]:
    common = {**stamp(ctx), "model": model_ref(model), "normalizer": NORMALIZER_NAME}
    ctx.store.write_result(RunResult.model_validate({
        **common, "kind": "deploy", "endpoint_url": endpoint.self_url,
        "wer_percent": None if candidate is None else candidate.wer_percent,
        "benchmark_wer_percent": None if candidate is None else candidate.benchmark_wer_percent,
        "test_data_hash": "" if candidate is None else candidate.test_data_hash,
        "training_data_hashes": {} if candidate is None else candidate.training_data_hashes,
    }))
    if candidate is None:
        message = (f"no WER is recorded for {model.display_name} (it was not an improved "
                   "candidate of train-and-gate), so the benchmark is unchanged; run "
                   "benchmark-test to measure it")
        ctx.log.warning(message)
        return [message]
    ctx.store.read_benchmark()
    ctx.store.write_benchmark(BenchmarkRecord.model_validate({
        **common, "kind": "deploy", "wer_percent": candidate.wer_percent,
        "test_data_hash": candidate.test_data_hash,
        "evaluation_url": candidate.evaluation_url,
    }))
    ctx.log.info(f"{model.display_name} is the new benchmark "
                 f"(WER {percent(candidate.wer_percent)} %)")
    return []
