"""Steps the modes share: project, datasets, models, and waiting for service jobs.

Reuse is by content: every entity the action creates carries a key in `customProperties`
(the content hash of a dataset, the training key of a model, the evaluation key), so a
re-run finds what an earlier run of the same change created instead of paying for it twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TypeVar

from speech_action.client import (
    CustomModel,
    Dataset,
    DatasetDefinition,
    EntityJobFailedError,
    EntityRef,
    ProgressEvent,
    Project,
    SpeechBaseModel,
)
from speech_action.client.models import Entity
from speech_action.data import DataSet, DatasetKind, content_hash, stream_package
from speech_action.data.packaging import estimated_package_size
from speech_action.errors import JobTimeoutError, SpeechActionError
from speech_action.modes.context import ModeContext
from speech_action.records.staging import STAGING_PREFIX, BlobStaging

E = TypeVar("E", bound=Entity)
AnyModel = SpeechBaseModel | CustomModel

# Keys of `customProperties` (the service allows 10 entries of at most 256 characters).
CONTENT_HASH = "speechActionContentHash"
TRAINING_KEY = "speechActionTrainingKey"
EVALUATION_KEY = "speechActionEvaluationKey"
COMMIT = "speechActionCommit"
RUN_URL = "speechActionRunUrl"
PURPOSE = "speechActionPurpose"

REUSABLE_STATES = frozenset({"NotStarted", "Running", "Succeeded"})
_MAX_PROPERTY_LENGTH = 256


def traceability(ctx: ModeContext, **keys: str) -> dict[str, str]:
    """`customProperties` tying an entity to the commit and run that made it."""
    properties = {COMMIT: ctx.run.commit_sha, **keys}
    if ctx.run.run_url:
        properties[RUN_URL] = ctx.run.run_url
    return {name: value[:_MAX_PROPERTY_LENGTH] for name, value in properties.items()}


def display_name(ctx: ModeContext, kind: str, detail: str) -> str:
    """`<short sha> <kind> <detail>`: what a person sees in Speech Studio."""
    return f"{ctx.run.short_sha} {kind} {detail}".strip()


def is_base_model_url(url: str) -> bool:
    return "/models/base/" in url.split("?", 1)[0]


def project_ref(project: Project | None) -> EntityRef | None:
    return None if project is None else EntityRef.model_validate({"self": project.self_url})


def ensure_project(ctx: ModeContext) -> Project | None:
    """The configured project, found or created; None without one or where the version has
    no projects."""
    name = ctx.config.project
    if not name:
        return None
    project = ctx.client.find_or_create_project(
        name, ctx.config.locale, custom_properties=traceability(ctx)
    )
    if project is None:
        ctx.log.warning(
            f"api-version {ctx.config.api_version} has no projects; "
            f"entities are not linked to project {name!r}"
        )
    return project


def _key_matches(entity: Entity, key: str, value: str) -> bool:
    properties = entity.custom_properties or {}
    return properties.get(key) == value and entity.status in REUSABLE_STATES


def find_reusable(entities: Iterable[E], key: str, value: str) -> E | None:
    """The entity carrying `key=value` that is not Failed: a Succeeded one before one still
    running, the newest first."""
    matches = [entity for entity in entities if _key_matches(entity, key, value)]
    oldest = datetime.min.replace(tzinfo=UTC)
    return max(matches, default=None,
               key=lambda entity: (entity.status == "Succeeded",
                                   entity.created_date_time or oldest))


def upload_dataset(
    ctx: ModeContext, dataset: DataSet, purpose: str, project: Project | None
) -> tuple[Dataset, str]:
    """The service dataset holding exactly this data: reused if one exists, else uploaded
    (block API, or a blob staged in storage for large data). Returns it (Succeeded) with
    its content hash."""
    digest = content_hash(dataset)
    locale_filter = f"locale eq '{ctx.config.locale}'"
    existing = find_reusable(
        (d for d in ctx.client.list_datasets(locale_filter) if d.kind == dataset.kind.value),
        CONTENT_HASH, digest,
    )
    if existing is not None:
        ctx.log.info(f"{dataset.kind.value} dataset {dataset.root}: identical data already on "
                     f"the service ({existing.display_name}); reusing it, nothing uploaded")
        # A run cancelled while the service imported a staged blob left the blob behind.
        staged = ctx.staging.staged_name(existing.content_url) if ctx.staging else None
        return _imported(ctx, existing, f"dataset {existing.display_name}", staged), digest
    definition = DatasetDefinition(
        display_name=display_name(ctx, purpose, f"{dataset.kind.value} {dataset.root}"),
        locale=ctx.config.locale,
        kind=dataset.kind.value,
        description=f"{dataset.kind.value} data from {dataset.root} at {ctx.run.commit_sha}",
        custom_properties=traceability(ctx, **{CONTENT_HASH: digest, PURPOSE: purpose}),
        project=project_ref(project),
    )
    label = f"dataset {definition.display_name}"
    if ctx.staging is not None and _goes_through_blob(ctx, dataset):
        created, staged = _upload_through_blob(ctx, ctx.staging, dataset, definition, digest)
        return _imported(ctx, created, label, staged), digest
    return _imported(ctx, _upload(ctx, dataset, definition), label, None), digest


def _goes_through_blob(ctx: ModeContext, dataset: DataSet) -> bool:
    return estimated_package_size(dataset) >= ctx.config.blob_upload_from_mb * 1e6


def _imported(ctx: ModeContext, dataset: Dataset, label: str, staged: str | None) -> Dataset:
    """Wait for the service's import; then the staged blob it came from is not needed.

    The blob stays when the wait is cut short (time budget, cancel): the import may still
    be reading it, and the re-run that resumes this dataset deletes it."""
    try:
        imported = wait_for(ctx, dataset, label)
    except EntityJobFailedError:
        _remove_staged(ctx, staged)
        raise
    _remove_staged(ctx, staged)
    return imported


def _remove_staged(ctx: ModeContext, staged: str | None) -> None:
    if staged is not None and ctx.staging is not None and ctx.staging.remove(staged):
        ctx.log.info(f"deleted the staged package {staged} from {ctx.staging.location}")


def _upload_through_blob(ctx: ModeContext, staging: BlobStaging, dataset: DataSet,
                         definition: DatasetDefinition, digest: str) -> tuple[Dataset, str]:
    """Stream the package into a blob, then create the dataset from its SAS URL."""
    audio = dataset.kind is DatasetKind.ACOUSTIC
    name = f"{STAGING_PREFIX}{digest}{'.zip' if audio else '.txt'}"
    ctx.log.info(f"uploading {dataset.kind.value} dataset {dataset.root} to "
                 f"{staging.location} as {name}")
    staged = staging.stage(name, stream_package(dataset),
                           "application/zip" if audio else "text/plain; charset=utf-8")
    for secret in (staged.url, staged.signature):  # before anything could print them
        ctx.log.register_secret(secret)
    ctx.log.info(f"uploaded {name} ({staged.size / 1e6:.1f} MB); the service fetches it by "
                 "a read-only SAS URL")
    created = ctx.client.create_dataset(definition.model_copy(update={"content_url": staged.url}))
    return created, name


def _upload(ctx: ModeContext, dataset: DataSet, definition: DatasetDefinition) -> Dataset:
    """Stream the package straight into the block upload: no temporary file, and no second
    hash (the caller computed it to look for a reusable dataset)."""
    ctx.log.info(f"uploading {dataset.kind.value} dataset {dataset.root} in blocks")
    sent = 0

    def count(done: int, _total: int | None) -> None:  # a stream's size is known at its end
        nonlocal sent
        sent = done

    created = ctx.client.create_dataset_from_chunks(definition, stream_package(dataset),
                                                    on_progress=count)
    ctx.log.info(f"uploaded {dataset.kind.value} dataset {dataset.root} ({sent / 1e6:.1f} MB)")
    return created


def resolve_base_model(ctx: ModeContext) -> SpeechBaseModel:
    """The `base-model` input: an id or URL, or `latest` adaptable base model of the locale."""
    wanted = ctx.config.base_model
    if wanted.lower() == "latest":
        model = ctx.client.latest_adaptable_base_model(ctx.config.locale, ctx.now())
        ctx.log.info(f"base model: {model.display_name} (newest adaptable for "
                     f"{ctx.config.locale})")
        return model
    return ctx.client.get_base_model(wanted)


def get_any_model(ctx: ModeContext, ref: str) -> AnyModel:
    """A model by id or URL, custom or base. A URL says which kind; it is looked up by its
    id on this run's service, so records keep working when the endpoint URL changes (a
    custom subdomain, or the local engine on a new port). A bare id is tried as a custom
    model first."""
    model_id = entity_id(ref)
    if is_base_model_url(ref):
        return ctx.client.get_base_model(model_id)
    if ref.startswith(("http://", "https://")):
        return ctx.client.get_model(model_id)
    try:
        return ctx.client.get_model(model_id)
    except SpeechActionError:
        return ctx.client.get_base_model(model_id)


def resolve_benchmark_model(ctx: ModeContext) -> AnyModel:
    """The model to beat: the `benchmark-model` input, else the stored benchmark's model,
    else the base model."""
    if ctx.config.benchmark_model:
        model = get_any_model(ctx, ctx.config.benchmark_model)
        source = "the benchmark-model input"
    elif (record := ctx.store.read_benchmark()) is not None:
        model = get_any_model(ctx, record.model.url)
        source = f"the benchmark record of {record.commit[:7]}"
    else:
        model = resolve_base_model(ctx)
        source = "no benchmark recorded yet: the base model"
    ctx.log.info(f"benchmark model: {model.display_name} ({source})")
    return model


def training_key(base_model_url: str, dataset_hashes: Iterable[str]) -> str:
    """What makes two trainings the same: the base model and the exact data."""
    material = "\n".join([entity_id(base_model_url), *sorted(dataset_hashes)])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def evaluation_key(model1_url: str, model2_url: str, dataset_url: str) -> str:
    material = "\n".join(entity_id(url) for url in (model1_url, model2_url, dataset_url))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def entity_id(url: str) -> str:
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def wait_for(ctx: ModeContext, entity: E, label: str) -> E:
    """Wait until `entity` succeeded, within what is left of the run's time budget."""
    if entity.status == "Succeeded":
        return entity
    remaining = ctx.deadline()
    if remaining <= 0:
        raise JobTimeoutError(
            f"the run's timeout-minutes ({ctx.config.timeout_minutes:g}) is used up before "
            f"{label} finished (status {entity.status}); re-run the workflow to resume it"
        )
    ctx.log.info(f"waiting for {label} ({entity.status})")
    try:
        return ctx.client.wait(entity, timeout_s=remaining, poll_s=ctx.poll_seconds,
                               on_progress=lambda event: _progress(ctx, label, event))
    except JobTimeoutError as exc:
        raise JobTimeoutError(
            f"{label} did not finish within timeout-minutes ({ctx.config.timeout_minutes:g}): "
            f"{exc}. Nothing was deployed. Re-run the workflow (or raise timeout-minutes): "
            "the re-run resumes the same job instead of starting a new one."
        ) from exc


def _progress(ctx: ModeContext, label: str, event: ProgressEvent) -> None:
    minutes, seconds = divmod(int(event.elapsed_s), 60)
    ctx.log.info(f"  {label}: {event.status} ({minutes}m{seconds:02d}s)")
