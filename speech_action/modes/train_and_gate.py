"""train-and-gate: train a model from the training data and gate it against the benchmark.

All data is validated before anything is uploaded. A model already trained, or still
training, from the same base model and the same data is reused, so a re-run resumes and
never pays for a second training. One evaluation per test set scores both models on the
same data (`model1` = benchmark, `model2` = the new model), all submitted together; the
gate uses the service's WERs: the gating set must improve by `min-improvement`, and every
guard set may get worse by at most its `max-regression` (PRODUCT.md "Test sets").
"""

from __future__ import annotations

from pathlib import Path

from speech_action.client import (
    CustomModel,
    Dataset,
    ModelDefinition,
    Project,
    SpeechBaseModel,
    ref,
)
from speech_action.data import discover_training_data
from speech_action.errors import ConfigError
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
from speech_action.modes.entities import (
    TRAINING_KEY,
    display_name,
    ensure_project,
    find_reusable,
    project_ref,
    traceability,
    training_key,
)
from speech_action.modes.model_choice import (
    BenchmarkChoice,
    resolve_base_model,
    resolve_benchmark_model,
)
from speech_action.modes.service import AnyModel
from speech_action.modes.set_results import guard_results, record_scores, recorded, sets_output
from speech_action.modes.test_sets import (
    SetEvaluation,
    evaluate_test_sets,
    find_test_sets,
    upload_test_sets,
)
from speech_action.modes.waiting import wait_for
from speech_action.records import CandidateRecord, RunResult, TestSetScore
from speech_action.report import Mode, Report, WerChange, verdict
from speech_action.scoring import (
    NORMALIZER_NAME,
    GateDecision,
    GateScores,
    apply_guards,
    decide,
    guard,
)


def run(ctx: ModeContext) -> ModeOutcome:
    with ctx.log.group("Validate the test and training data"):
        found = find_test_sets(ctx)
        training_sets = discover_training_data(ctx.workspace, ctx.settings.data,
                                               ctx.settings.locale)
        validate_data(ctx, [*(test_set.data for test_set in found), *training_sets])
        if not training_sets:
            raise ConfigError(
                f"no training data found in {Path(ctx.settings.data.training).name}/: add related "
                "text (*.txt), pronunciation.txt or audio with a transcript, or point "
                "training-data at the folder", input_name="training-data")
    snapshot = ctx.store.read_benchmark()
    # Before any upload: a base model that cannot take this data is known now.
    base_model = resolve_base_model(ctx, {s.kind.value for s in training_sets})
    project = ensure_project(ctx)
    with ctx.log.group("Upload the data"):
        test_sets = upload_test_sets(ctx, found, "test-data", project)
        uploaded = [upload_dataset(ctx, s, "train-data", project) for s in training_sets]
    training_hashes = {f"{s.kind.value}:{s.root}": h for s, (_, h) in zip(training_sets, uploaded,
                                                                          strict=True)}
    with ctx.log.group("Train the custom model"):
        model = _train_or_reuse(ctx, base_model, [d for d, _ in uploaded],
                                list(training_hashes.values()), project)
    choice = resolve_benchmark_model(ctx, snapshot)
    benchmark = choice.model
    with ctx.log.group(f"Evaluate {model.display_name} against {benchmark.display_name}"):
        evaluations = evaluate_test_sets(ctx, test_sets, model1_url=benchmark.self_url,
                                         model2_url=model.self_url, project=project,
                                         purpose="train-and-gate")
    gate, scores = _gate(ctx, evaluations)
    _record(ctx, model, base_model, benchmark, evaluations[0], gate, scores, training_hashes)
    return _outcome(ctx, model, choice, evaluations, gate, scores)


def _gate(ctx: ModeContext,
          evaluations: list[SetEvaluation]) -> tuple[GateDecision, tuple[TestSetScore, ...]]:
    """The gating set against min-improvement, each guard set against its max-regression;
    and every set's scores as the records keep them."""
    gating = evaluations[0].outcome
    decision = decide(GateScores(gating.benchmark.wer_percent, gating.candidate.wer_percent),
                      ctx.settings.min_improvement,
                      require_significance=ctx.settings.require_significance,
                      significance=gating.significance)
    guards = {
        e.spec.name: guard(e.spec.name, GateScores(e.outcome.benchmark.wer_percent,
                                                   e.outcome.candidate.wer_percent),
                           e.spec.max_regression)
        for e in evaluations[1:] if e.spec.max_regression is not None
    }
    scores = record_scores(evaluations, candidate=True, gating_improved=decision.improved,
                           guards=guards)
    gate = apply_guards(decision, list(guards.values()), evaluations[0].spec.name)
    for evaluation in evaluations:
        outcome = evaluation.outcome
        ctx.log.info(f"{evaluation.spec.name}: WER {percent(outcome.benchmark.wer_percent)} % "
                     f"-> {percent(outcome.candidate.wer_percent)} %")
    ctx.log.info(f"{'improved' if gate.improved else 'not improved'}: {gate.reason}")
    return gate, scores


def _train_or_reuse(
    ctx: ModeContext,
    base_model: SpeechBaseModel,
    datasets: list[Dataset],
    dataset_hashes: list[str],
    project: Project | None,
) -> CustomModel:
    key = training_key(base_model.self_url, dataset_hashes)
    locale_filter = f"locale eq '{ctx.settings.locale}'"
    existing = find_reusable(ctx.service.list_models(locale_filter), TRAINING_KEY, key)
    if existing is not None:
        ctx.log.info(f"a model from the same base model and data exists "
                     f"({existing.display_name}, {existing.status}); reusing it, no new training")
        model = existing
    else:
        model = ctx.service.create_model(ModelDefinition(
            display_name=display_name(ctx, "model", f"on {base_model.display_name}"),
            locale=ctx.settings.locale,
            base_model=ref(base_model.self_url),
            datasets=[ref(d.self_url) for d in datasets],
            description=f"trained from {len(datasets)} dataset(s) at {ctx.run.commit_sha}",
            custom_properties=traceability(ctx, **{TRAINING_KEY: key}),
            project=project_ref(project),
        ))
        ctx.log.info(f"training started: {model.display_name}")
    return wait_for(ctx, model, f"model {model.display_name}")


def _record(
    ctx: ModeContext,
    model: CustomModel,
    base_model: SpeechBaseModel,
    benchmark: AnyModel,
    gating: SetEvaluation,
    gate: GateDecision,
    scores: tuple[TestSetScore, ...],
    training_hashes: dict[str, str],
) -> None:
    common = stamp(ctx)
    ref, event = ctx.run.ref or "", ctx.run.event
    outcome = gating.outcome
    ctx.store.write_result(RunResult(
        **common, ref=ref, event=event, kind="train-and-gate", model=model_ref(model),
        wer_percent=outcome.candidate.wer_percent, counts=wer_counts(outcome.candidate),
        benchmark_model=model_ref(benchmark),
        benchmark_wer_percent=outcome.benchmark.wer_percent, improved=gate.improved,
        normalizer=NORMALIZER_NAME, test_data_hash=gating.content_hash,
        training_data_hashes=training_hashes, evaluation_url=outcome.evaluation.self_url,
        test_sets=recorded(ctx, scores),
    ))
    if gate.improved:
        ctx.store.write_candidate(CandidateRecord(
            **common, ref=ref, event=event, model=model_ref(model),
            base_model=model_ref(base_model), wer_percent=outcome.candidate.wer_percent,
            benchmark_wer_percent=outcome.benchmark.wer_percent, improved=True,
            normalizer=NORMALIZER_NAME, test_data_hash=gating.content_hash,
            training_data_hashes=training_hashes, evaluation_url=outcome.evaluation.self_url,
            test_sets=recorded(ctx, scores),
        ))


def _outcome(
    ctx: ModeContext,
    model: CustomModel,
    choice: BenchmarkChoice,
    evaluations: list[SetEvaluation],
    gate: GateDecision,
    scores: tuple[TestSetScore, ...],
) -> ModeOutcome:
    benchmark = choice.model
    gating = evaluations[0]
    outcome = gating.outcome
    expiries = [e for e in (transcription_expiry(model, f"model {model.display_name}"),
                            transcription_expiry(benchmark, f"model {benchmark.display_name}"))
                if e is not None]
    report = Report(
        mode=Mode.TRAIN_AND_GATE, locale=ctx.settings.locale,
        benchmark_model=model_info(benchmark), candidate_model=model_info(model),
        benchmark_service=outcome.benchmark, candidate_service=outcome.candidate,
        utterances=outcome.utterances, gate=gate, significance=outcome.significance,
        links={"evaluation": outcome.evaluation.self_url,
               "test dataset": gating.dataset.self_url,
               "new model": model.self_url, "benchmark model": benchmark.self_url},
        expiries=tuple(expiries), history=history(ctx), commit=ctx.run.commit_sha,
        run_url=ctx.run.run_url, generated_at=ctx.now(),
        warnings=(*(w for e in evaluations for w in e.outcome.warnings),
                  *([choice.warning] if choice.warning else [])),
        test_set=gating.spec.name, test_set_path=gating.data.root,
        guard_sets=guard_results(evaluations, candidate=True,
                                 guards={g.test_set: g for g in gate.guards}),
    )
    # The same values the records keep, rounded once (report.figures): a later deploy of
    # this model reads them back and outputs the same strings.
    outputs = {
        **WerChange(outcome.benchmark.wer_percent, outcome.candidate.wer_percent).outputs(),
        "improved": "true" if gate.improved else "false", "model": model.self_url,
        "model-id": model.id, "evaluation": outcome.evaluation.self_url,
        "test-sets": sets_output(scores),
    }
    failed = None
    if ctx.settings.fail_on_no_improvement and not gate.improved:
        failed = f"the new model did not improve on the benchmark: {verdict(report).text()}"
    return ModeOutcome(outputs=outputs, report=report, failed_reason=failed)
