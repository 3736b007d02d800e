"""The test sets on the service: found, uploaded, and evaluated together.

PRODUCT.md "Test sets": the first set of `speech.yml`'s `test-sets` gates, every other one
guards against regressions; without `test-sets` the one set is `testing-data`. Each set is
its own dataset (reused by content, so an unchanged set is never uploaded again) and its own
evaluation (reused by its models and dataset, so adding a set later costs only that set's
evaluation). All evaluations are submitted before the first wait, so none waits for another to be
created: the service may run them at the same time (Learn documents no order or limit for
a resource's evaluations; nothing here depends on one).
"""

from __future__ import annotations

from dataclasses import dataclass

from speech_action.client import Dataset, Project
from speech_action.data import TestDataSet, discover_test_data
from speech_action.data.layout import TestSetSpec
from speech_action.modes.context import ModeContext
from speech_action.modes.datasets import upload_dataset
from speech_action.modes.entities import display_name
from speech_action.modes.evaluate import EvaluationOutcome, finish_evaluation, submit_evaluation


@dataclass(frozen=True)
class FoundSet:
    """A configured test set and its data, found (and later validated) in the workspace."""

    spec: TestSetSpec
    data: TestDataSet


@dataclass(frozen=True)
class UploadedSet(FoundSet):
    """A test set whose dataset is on the service, with the content hash it was found by."""

    dataset: Dataset
    content_hash: str


@dataclass(frozen=True)
class SetEvaluation(UploadedSet):
    """A test set's evaluation of the benchmark (`model1`) and the model under test."""

    outcome: EvaluationOutcome


def several(ctx: ModeContext) -> bool:
    """Whether `speech.yml` lists test sets (names then appear in logs and entity names)."""
    return bool(ctx.settings.data.test_sets)


def gating_set_name(ctx: ModeContext) -> str:
    """The gating set's name: the first of `test-sets`, else the testing-data folder's.
    Records from before test sets hold this set's figures alone (`records.set_scores`)."""
    return ctx.settings.data.test_set_specs()[0].name


def names_by_path(ctx: ModeContext) -> dict[str, str]:
    """Each configured set's name by its workspace-relative path (the path records keep)."""
    root = ctx.workspace.resolve()
    names = {}
    for spec in ctx.settings.data.test_set_specs():
        path = (root / spec.path).resolve()
        if path.is_relative_to(root):
            names[path.relative_to(root).as_posix()] = spec.name
    return names


def find_test_sets(ctx: ModeContext) -> list[FoundSet]:
    """Every test set's data, the gating set first (validated by the caller)."""
    layout = ctx.settings.data
    return [FoundSet(spec, discover_test_data(ctx.workspace, layout.for_test_set(spec)))
            for spec in layout.test_set_specs()]


def upload_test_sets(ctx: ModeContext, found: list[FoundSet], purpose: str,
                     project: Project | None) -> list[UploadedSet]:
    """Each set's dataset: an identical one already on the service, else uploaded."""
    uploaded = []
    for test_set in found:
        dataset, content_hash = upload_dataset(ctx, test_set.data, purpose, project)
        uploaded.append(UploadedSet(test_set.spec, test_set.data, dataset, content_hash))
    return uploaded


def evaluate_test_sets(ctx: ModeContext, sets: list[UploadedSet], *, model1_url: str,
                       model2_url: str, project: Project | None,
                       purpose: str) -> list[SetEvaluation]:
    """One evaluation per set, all submitted before the first is waited for."""
    submitted = [
        submit_evaluation(ctx, model1_url=model1_url, model2_url=model2_url,
                          dataset=test_set.dataset, project=project,
                          name=display_name(ctx, purpose, _evaluation_label(ctx, test_set)))
        for test_set in sets
    ]
    return [
        SetEvaluation(test_set.spec, test_set.data, test_set.dataset, test_set.content_hash,
                      finish_evaluation(ctx, evaluation, test_set.data,
                                        label=test_set.spec.name if several(ctx) else ""))
        for test_set, evaluation in zip(sets, submitted, strict=True)
    ]


def _evaluation_label(ctx: ModeContext, test_set: UploadedSet) -> str:
    return f"evaluation {test_set.spec.name}" if several(ctx) else "evaluation"
