"""Datasets: reuse identical data already on the service, else upload it.

Uploads stream the package into the block API (no temporary file), or for large data into
a blob staged in storage whose read-only SAS URL the service fetches (`contentUrl`). A
dataset left `NotStarted` by a cancelled block upload (its blocks never committed) can
never finish, so it is not reused: the run uploads the data again.
"""

from __future__ import annotations

from speech_action.blob_staging import STAGING_PREFIX, BlobStaging
from speech_action.client import Dataset, DatasetDefinition, EntityJobFailedError, Project
from speech_action.data import (
    DataSet,
    DatasetKind,
    Fingerprint,
    fingerprint,
    stream_package,
    validate,
)
from speech_action.data.packaging import estimated_package_size
from speech_action.modes.context import ModeContext
from speech_action.modes.dataset_lines import check_accepted_lines
from speech_action.modes.entities import (
    CONTENT_HASH,
    PURPOSE,
    display_name,
    project_ref,
    reusable,
    traceability,
)
from speech_action.modes.waiting import wait_for


def validate_data(ctx: ModeContext, datasets: list[DataSet]) -> None:
    """Validate before any upload (`DataValidationError` with every problem); what does not
    stop the run becomes an annotation on its file: a warning, or a notice for a file left
    out."""
    for note in validate(datasets):
        annotate = ctx.log.warning if note.level == "warning" else ctx.log.notice
        annotate(note.message, file=note.file, line=note.line)


def upload_dataset(
    ctx: ModeContext, dataset: DataSet, purpose: str, project: Project | None
) -> tuple[Dataset, str]:
    """The service dataset holding exactly this data: reused if one exists, else uploaded
    (block API, or a blob staged in storage for large data). Returns it (Succeeded) with
    its content hash."""
    measured = fingerprint(dataset)  # the hash, and the zip's CRCs and sizes for the stream
    digest = measured.content_hash
    existing = _reusable_dataset(ctx, dataset, digest)
    if existing is not None:
        ctx.log.info(f"{dataset.kind.value} dataset {dataset.root}: identical data already on "
                     f"the service ({existing.display_name}); reusing it, nothing uploaded")
        # A run cancelled while the service imported a staged blob left the blob behind.
        staged = ctx.staging.staged_name(existing.content_url) if ctx.staging else None
        return _imported(ctx, existing, dataset, staged), digest
    definition = DatasetDefinition(
        display_name=display_name(ctx, purpose, f"{dataset.kind.value} {dataset.root}"),
        locale=ctx.settings.locale,
        kind=dataset.kind.value,
        description=f"{dataset.kind.value} data from {dataset.root} at {ctx.run.commit_sha}",
        custom_properties=traceability(ctx, **{CONTENT_HASH: digest, PURPOSE: purpose}),
        project=project_ref(project),
    )
    if ctx.staging is not None and _goes_through_blob(ctx, dataset):
        created, staged = _upload_through_blob(ctx, ctx.staging, dataset, definition, measured)
        return _imported(ctx, created, dataset, staged), digest
    return _imported(ctx, _upload(ctx, dataset, definition, measured), dataset, None), digest


def _reusable_dataset(ctx: ModeContext, dataset: DataSet, digest: str) -> Dataset | None:
    """The dataset of the same kind and content that can still finish: Succeeded before
    running, newest first. One left NotStarted by a cancelled block upload is skipped."""
    locale_filter = f"locale eq '{ctx.settings.locale}'"
    same_kind = (d for d in ctx.service.list_datasets(locale_filter)
                 if d.kind == dataset.kind.value)
    matches = reusable(same_kind, CONTENT_HASH, digest)
    for candidate in matches:
        if candidate.status != "NotStarted" or ctx.service.dataset_can_finish(candidate):
            return candidate
        ctx.log.info(f"dataset {candidate.display_name} holds the same data but its upload "
                     "was never committed (a cancelled run): uploading the data again")
    return None


def _goes_through_blob(ctx: ModeContext, dataset: DataSet) -> bool:
    return estimated_package_size(dataset) >= ctx.settings.blob_upload_from_mb * 1e6


def _imported(ctx: ModeContext, dataset: Dataset, source: DataSet,
              staged: str | None) -> Dataset:
    """Wait for the service's import; then the staged blob it came from is not needed, and
    what the service accepted of the data is checked (`check_accepted_lines`).

    The blob stays when the wait is cut short (time budget, cancel): the import may still
    be reading it, and the re-run that resumes this dataset deletes it."""
    try:
        imported = wait_for(ctx, dataset, f"dataset {dataset.display_name}")
    except EntityJobFailedError:
        _remove_staged(ctx, staged)
        raise
    _remove_staged(ctx, staged)
    check_accepted_lines(imported, source, ctx.log.warning)
    return imported


def _remove_staged(ctx: ModeContext, staged: str | None) -> None:
    if staged is not None and ctx.staging is not None and ctx.staging.remove(staged):
        ctx.log.info(f"deleted the staged package {staged} from {ctx.staging.location}")


def _upload_through_blob(ctx: ModeContext, staging: BlobStaging, dataset: DataSet,
                         definition: DatasetDefinition,
                         measured: Fingerprint) -> tuple[Dataset, str]:
    """Stream the package into a blob, then create the dataset from its SAS URL."""
    audio = dataset.kind is DatasetKind.ACOUSTIC
    name = f"{STAGING_PREFIX}{measured.content_hash}{'.zip' if audio else '.txt'}"
    ctx.log.info(f"uploading {dataset.kind.value} dataset {dataset.root} to "
                 f"{staging.location} as {name}")
    staged = staging.stage(name, stream_package(dataset, measured),
                           "application/zip" if audio else "text/plain; charset=utf-8")
    for secret in (staged.url, staged.signature):  # before anything could print them
        ctx.log.register_secret(secret)
    ctx.log.info(f"uploaded {name} ({staged.size / 1e6:.1f} MB); the service fetches it by "
                 "a read-only SAS URL")
    created = ctx.service.create_dataset(definition.model_copy(update={"content_url": staged.url}))
    return created, name


def _upload(ctx: ModeContext, dataset: DataSet, definition: DatasetDefinition,
            measured: Fingerprint) -> Dataset:
    """Stream the package straight into the block upload: no temporary file, and no second
    hash (the caller computed it to look for a reusable dataset)."""
    ctx.log.info(f"uploading {dataset.kind.value} dataset {dataset.root} in blocks")
    sent = 0

    def count(done: int, _total: int | None) -> None:  # a stream's size is known at its end
        nonlocal sent
        sent = done

    created = ctx.service.create_dataset_from_chunks(definition, stream_package(dataset, measured),
                                                    on_progress=count)
    ctx.log.info(f"uploaded {dataset.kind.value} dataset {dataset.root} ({sent / 1e6:.1f} MB)")
    return created
