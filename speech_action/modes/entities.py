"""Names, keys and links of what the action creates on the service.

Reuse is by content: every entity the action creates carries a key in `customProperties`
(the content hash of a dataset, the training key of a model, the evaluation key), so a
re-run finds what an earlier run of the same change created instead of paying for it twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TypeVar

from speech_action.client import EntityRef, Project, ref
from speech_action.client.models import Entity, id_from_url
from speech_action.modes.context import ModeContext

E = TypeVar("E", bound=Entity)

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


def entity_id(url: str) -> str:
    """The id of an entity given its id or `self` URL."""
    return id_from_url(url)


def is_base_model_url(url: str) -> bool:
    return "/models/base/" in url.split("?", 1)[0]


def project_ref(project: Project | None) -> EntityRef | None:
    return None if project is None else ref(project.self_url)


def ensure_project(ctx: ModeContext) -> Project | None:
    """The configured project, found or created; None without one or where the version has
    no projects."""
    name = ctx.settings.project
    if not name:
        return None
    project = ctx.service.find_or_create_project(
        name, ctx.settings.locale, custom_properties=traceability(ctx)
    )
    if project is None:
        ctx.log.warning(
            f"api-version {ctx.settings.api_version} has no projects; "
            f"entities are not linked to project {name!r}"
        )
    return project


def _key_matches(entity: Entity, key: str, value: str) -> bool:
    properties = entity.custom_properties or {}
    return properties.get(key) == value and entity.status in REUSABLE_STATES


def reusable(entities: Iterable[E], key: str, value: str) -> list[E]:
    """The entities carrying `key=value` that are not Failed, best first: Succeeded ones
    before those still running, the newest first."""
    matches = [entity for entity in entities if _key_matches(entity, key, value)]
    oldest = datetime.min.replace(tzinfo=UTC)
    return sorted(matches, reverse=True,
                  key=lambda entity: (entity.status == "Succeeded",
                                      entity.created_date_time or oldest))


def find_reusable(entities: Iterable[E], key: str, value: str) -> E | None:
    """The best of `reusable`, or None."""
    return next(iter(reusable(entities, key, value)), None)


def training_key(base_model_url: str, dataset_hashes: Iterable[str]) -> str:
    """What makes two trainings the same: the base model and the exact data."""
    material = "\n".join([entity_id(base_model_url), *sorted(dataset_hashes)])
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def evaluation_key(model1_url: str, model2_url: str, dataset_url: str) -> str:
    material = "\n".join(entity_id(url) for url in (model1_url, model2_url, dataset_url))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
