"""benchmark-test: re-test the benchmark model on the current test data.

The test data changed, so the number later models must beat changed too: the benchmark
model is evaluated against itself (`model1` = `model2`) on every test set, and the result
becomes the new benchmark record (one score per set) whatever its WER. The benchmark is
read once, at the start, and written with the version of that read: a run that changed it
meanwhile makes this one fail with a conflict instead of being silently overwritten.
"""

from __future__ import annotations

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
from speech_action.modes.datasets import validate_data
from speech_action.modes.entities import ensure_project
from speech_action.modes.model_choice import resolve_benchmark_model
from speech_action.modes.set_results import guard_results, record_scores, recorded, sets_output
from speech_action.modes.test_sets import evaluate_test_sets, find_test_sets, upload_test_sets
from speech_action.records import BenchmarkRecord, RunResult
from speech_action.report import Mode, Report, WerChange
from speech_action.scoring import NORMALIZER_NAME


def run(ctx: ModeContext) -> ModeOutcome:
    with ctx.log.group("Validate the test data"):
        found = find_test_sets(ctx)
        validate_data(ctx, [test_set.data for test_set in found])
    snapshot = ctx.store.read_benchmark()
    project = ensure_project(ctx)
    with ctx.log.group("Upload the test data"):
        uploaded = upload_test_sets(ctx, found, "test-data", project)
    choice = resolve_benchmark_model(ctx, snapshot)
    model = choice.model
    with ctx.log.group(f"Evaluate {model.display_name} on the test data"):
        evaluations = evaluate_test_sets(ctx, uploaded, model1_url=model.self_url,
                                         model2_url=model.self_url, project=project,
                                         purpose="benchmark-test")
    gating = evaluations[0]
    outcome = gating.outcome
    wer = outcome.benchmark.wer_percent
    for evaluation in evaluations:
        ctx.log.info(f"benchmark WER of {model.display_name} on {evaluation.spec.name}: "
                     f"{percent(evaluation.outcome.benchmark.wer_percent)} %")

    scores = record_scores(evaluations, candidate=False)
    common = stamp(ctx)
    ctx.store.write_result(RunResult(
        **common, ref=ctx.run.ref or "", event=ctx.run.event, kind="benchmark-test",
        model=model_ref(model), wer_percent=wer, counts=wer_counts(outcome.benchmark),
        benchmark_model=model_ref(model), benchmark_wer_percent=wer,
        normalizer=NORMALIZER_NAME, test_data_hash=gating.content_hash,
        evaluation_url=outcome.evaluation.self_url, test_sets=recorded(ctx, scores),
    ))
    ctx.store.write_benchmark(BenchmarkRecord(
        **common, kind="benchmark-test", model=model_ref(model), wer_percent=wer,
        counts=wer_counts(outcome.benchmark), normalizer=NORMALIZER_NAME,
        test_data_hash=gating.content_hash, evaluation_url=outcome.evaluation.self_url,
        test_sets=recorded(ctx, scores),
    ), expected=snapshot)
    expiry = transcription_expiry(model, f"model {model.display_name}")
    warnings = (*(w for e in evaluations for w in e.outcome.warnings),
                *([choice.warning] if choice.warning else []))
    report = Report(
        mode=Mode.BENCHMARK_TEST, locale=ctx.settings.locale,
        benchmark_model=model_info(model), benchmark_service=outcome.benchmark,
        utterances=outcome.utterances,
        links={"evaluation": outcome.evaluation.self_url,
               "test dataset": gating.dataset.self_url, "model": model.self_url},
        expiries=() if expiry is None else (expiry,),
        history=history(ctx), commit=ctx.run.commit_sha, run_url=ctx.run.run_url,
        warnings=warnings, generated_at=ctx.now(),
        test_set=gating.spec.name, test_set_path=gating.data.root,
        guard_sets=guard_results(evaluations, candidate=False),
    )
    outputs = {
        **WerChange(wer, wer).outputs(), "improved": "false", "model": model.self_url,
        "model-id": model.id, "evaluation": outcome.evaluation.self_url,
        "test-sets": sets_output(scores),
    }
    return ModeOutcome(outputs=outputs, report=report)
