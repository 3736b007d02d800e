"""benchmark-test: re-test the benchmark model on the current test data.

The test data changed, so the number later models must beat changed too: the benchmark
model is evaluated against itself (`model1` = `model2`) on the new test dataset, and the
result becomes the new benchmark record whatever its WER. The benchmark is read once, at
the start, and written with the version of that read: a run that changed it meanwhile
makes this one fail with a conflict instead of being silently overwritten.
"""

from __future__ import annotations

from speech_action.data import discover_test_data
from speech_action.modes.bookkeeping import (
    history,
    model_info,
    model_ref,
    percent,
    stamp,
    transcription_expiry,
    wer_counts,
)
from speech_action.modes.context import ModeContext, ModeOutcome
from speech_action.modes.datasets import upload_dataset, validate_data
from speech_action.modes.entities import ensure_project
from speech_action.modes.evaluate import evaluate
from speech_action.modes.model_choice import resolve_benchmark_model
from speech_action.records import BenchmarkRecord, RunResult
from speech_action.report import Mode, Report, WerChange
from speech_action.scoring import NORMALIZER_NAME


def run(ctx: ModeContext) -> ModeOutcome:
    with ctx.log.group("Validate the test data"):
        test_set = discover_test_data(ctx.workspace, ctx.settings.data)
        validate_data(ctx, [test_set])
    snapshot = ctx.store.read_benchmark()
    project = ensure_project(ctx)
    with ctx.log.group("Upload the test data"):
        dataset, test_hash = upload_dataset(ctx, test_set, "test-data", project)
    choice = resolve_benchmark_model(ctx, snapshot)
    model = choice.model
    with ctx.log.group(f"Evaluate {model.display_name} on the test data"):
        outcome = evaluate(ctx, model1_url=model.self_url, model2_url=model.self_url,
                           dataset=dataset, test_set=test_set, project=project,
                           purpose="benchmark-test")
    wer = outcome.benchmark.wer_percent
    ctx.log.info(f"benchmark WER of {model.display_name}: {percent(wer)} %")

    common = stamp(ctx)
    ctx.store.write_result(RunResult(
        **common, ref=ctx.run.ref or "", event=ctx.run.event, kind="benchmark-test",
        model=model_ref(model), wer_percent=wer, counts=wer_counts(outcome.benchmark),
        benchmark_model=model_ref(model), benchmark_wer_percent=wer,
        normalizer=NORMALIZER_NAME, test_data_hash=test_hash,
        evaluation_url=outcome.evaluation.self_url,
    ))
    ctx.store.write_benchmark(BenchmarkRecord(
        **common, kind="benchmark-test", model=model_ref(model), wer_percent=wer,
        counts=wer_counts(outcome.benchmark), normalizer=NORMALIZER_NAME,
        test_data_hash=test_hash, evaluation_url=outcome.evaluation.self_url,
    ), expected=snapshot)
    expiry = transcription_expiry(model, f"model {model.display_name}")
    warnings = (*outcome.warnings, *([choice.warning] if choice.warning else []))
    report = Report(
        mode=Mode.BENCHMARK_TEST, locale=ctx.settings.locale,
        benchmark_model=model_info(model), benchmark_service=outcome.benchmark,
        utterances=outcome.utterances,
        links={"evaluation": outcome.evaluation.self_url, "test dataset": dataset.self_url,
               "model": model.self_url},
        expiries=() if expiry is None else (expiry,),
        history=history(ctx), commit=ctx.run.commit_sha, run_url=ctx.run.run_url,
        warnings=warnings, generated_at=ctx.now(),
    )
    outputs = {
        **WerChange(wer, wer).outputs(), "improved": "false", "model": model.self_url,
        "model-id": model.id, "evaluation": outcome.evaluation.self_url,
    }
    return ModeOutcome(outputs=outputs, report=report)
