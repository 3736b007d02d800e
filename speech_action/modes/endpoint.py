"""Point the stable endpoint at a model, and know when it really does.

The endpoint is updated in place (`PATCH` with `model`, API description `EndpointUpdate`)
so clients keep one URL, or created when absent. The PATCH response is not trusted: the
service may already say `Succeeded` there while it is still switching models (Microsoft
Learn, "Deploy a custom speech model": redeploying a model takes several minutes and the
previous model serves meanwhile). The change counts only when a GET shows the intended
model, `Succeeded`, and a `lastActionDateTime` no older than the PATCH. A GET that shows
another model means another run changed the endpoint meanwhile: nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from speech_action.client import (
    CustomModel,
    Endpoint,
    EndpointDefinition,
    Project,
    SpeechServiceError,
    ref,
)
from speech_action.errors import ConfigError, JobTimeoutError, ServiceError
from speech_action.modes.context import ModeContext
from speech_action.modes.entities import COMMIT, entity_id, project_ref, traceability
from speech_action.modes.waiting import wait_for

# Endpoints of one name that speech-action created this close together come from runs that
# deployed at the same time (each found none); an older one of the name is the real one.
TWIN_WINDOW = timedelta(minutes=10)


class EndpointChangedError(ServiceError):
    """Another run pointed the endpoint at another model while this run deployed."""


@dataclass(frozen=True)
class Deployment:
    endpoint: Endpoint
    """The endpoint as a GET shows it: serving the model, Succeeded."""
    changed_at: datetime | None
    """When this run changed the endpoint (its `lastActionDateTime`); None when it already
    served the model."""


def deploy_model(ctx: ModeContext, model: CustomModel, project: Project | None) -> Deployment:
    endpoint = _find_endpoint(ctx)
    if endpoint is None:
        created = _create(ctx, model, project)
        endpoint = _the_stable_endpoint(ctx, created)
        if endpoint.id == created.id:
            label = f"endpoint {created.display_name}"
            verified = verify(ctx, created, model, created.last_action_date_time, label)
            return Deployment(verified, verified.last_action_date_time)
    return _update(ctx, endpoint, model)


def _create(ctx: ModeContext, model: CustomModel, project: Project | None) -> Endpoint:
    with _logging_refusal(ctx.settings.logging_enabled):
        endpoint = ctx.service.create_endpoint(EndpointDefinition(
            display_name=ctx.settings.endpoint_name, locale=ctx.settings.locale,
            model=ref(model.self_url),
            description=f"deployed by speech-action from {ctx.run.commit_sha}",
            custom_properties=traceability(ctx), project=project_ref(project),
            properties={"loggingEnabled": ctx.settings.logging_enabled},
        ))
    ctx.log.info(f"created endpoint {endpoint.display_name} serving {model.display_name}")
    return endpoint


def _the_stable_endpoint(ctx: ModeContext, created: Endpoint) -> Endpoint:
    """Two first deploys at once each find no endpoint and each create one. Every run looks
    again after creating and agrees on the oldest endpoint of the name (`_stable`); the
    twins (speech-action's own endpoints of that name created within `TWIN_WINDOW` of this
    one) are deleted by whichever run sees them, its own included, so one name never serves
    two models and no second endpoint is billed. A run whose endpoint is deleted while it
    verifies it fails and records nothing (`EndpointChangedError`)."""
    named = ctx.service.endpoints_named(ctx.settings.endpoint_name)
    stable = _stable([created, *(e for e in named if e.id != created.id)])
    for twin in named:
        if twin.id != stable.id and _is_twin(twin, created):
            ctx.service.delete_endpoint(twin.id)
            ctx.log.info(f"deleted endpoint {twin.id}, created by a run that deployed at the "
                         f"same time as another; {stable.id} is the endpoint of this name")
    if stable.id != created.id:
        ctx.log.info(f"another run created endpoint {stable.display_name} at the same time; "
                     f"updating {stable.id} in place instead")
    return stable


def _stable(endpoints: list[Endpoint]) -> Endpoint:
    """The oldest endpoint (ties, as creation times have seconds: the smallest URL)."""
    return min(endpoints, key=lambda e: (e.created_date_time or datetime.max.replace(
        tzinfo=UTC), e.self_url))


def _is_twin(endpoint: Endpoint, created: Endpoint) -> bool:
    if COMMIT not in (endpoint.custom_properties or {}):
        return False  # not made by speech-action: never deleted
    if endpoint.created_date_time is None or created.created_date_time is None:
        return False
    return abs(endpoint.created_date_time - created.created_date_time) <= TWIN_WINDOW


def _update(ctx: ModeContext, endpoint: Endpoint, model: CustomModel) -> Deployment:
    label = f"endpoint {endpoint.display_name}"
    logging = _logging_change(endpoint, ctx.settings.logging_enabled)
    if _serves(endpoint, model) and endpoint.status != "Failed":
        # Already this model: a re-run after a timeout, or a change still under way.
        ctx.log.info(f"{label} already serves {model.display_name} ({endpoint.status})")
        if logging is not None:
            with _logging_refusal(logging):
                ctx.service.update_endpoint_logging(endpoint.id, logging)
            ctx.log.info(f"{label}: content logging turned {'on' if logging else 'off'}")
        verified = verify(ctx, endpoint, model, endpoint.last_action_date_time, label)
        changed = None if endpoint.status == "Succeeded" else verified.last_action_date_time
        return Deployment(verified, changed)
    before = endpoint.last_action_date_time
    with _logging_refusal(bool(logging)):
        patched = ctx.service.update_endpoint_model(endpoint.id, model.self_url,
                                                    content_logging_enabled=logging)
    not_before = _latest(before, patched.last_action_date_time)
    ctx.log.info(f"{label} updated in place to {model.display_name}; the previous model "
                 "serves until the change completes")
    verified = verify(ctx, endpoint, model, not_before, label)
    return Deployment(verified, verified.last_action_date_time)


def verify(ctx: ModeContext, endpoint: Endpoint, model: CustomModel,
           not_before: datetime | None, label: str) -> Endpoint:
    """GET the endpoint until it serves `model`, Succeeded, changed no earlier than
    `not_before`; within the run's time budget."""
    hint = _timeout_hint(model, not_before)
    while True:
        current = _current(ctx, endpoint, label, hint)
        if not _serves(current, model):
            raise EndpointChangedError(
                f"{label} now serves model {_model_id(current)}, not {model.display_name} "
                f"({model.id}): another run changed it after this run's change. This run "
                "recorded nothing. Check which run deployed last (the endpoint's "
                "customProperties and the records), and serialize deploy jobs with a "
                "workflow `concurrency:` group.")
        if not_before is None or (current.last_action_date_time is not None
                                  and current.last_action_date_time >= not_before):
            return current
        if ctx.deadline() <= ctx.poll_seconds:
            raise JobTimeoutError(f"{label} still reports its change before this run's "
                                  f"update. {hint}")
        ctx.sleep(ctx.poll_seconds)


def serves(ctx: ModeContext, endpoint: Endpoint, model: CustomModel) -> bool:
    """Whether a fresh GET shows the endpoint serving `model`, Succeeded."""
    current = _current(ctx, endpoint)
    return _serves(current, model) and current.status == "Succeeded"


def _find_endpoint(ctx: ModeContext) -> Endpoint | None:
    if ctx.settings.endpoint_id:
        return ctx.service.get_endpoint(entity_id(ctx.settings.endpoint_id))
    named = ctx.service.endpoints_named(ctx.settings.endpoint_name)
    return _stable(named) if named else None


def _current(ctx: ModeContext, endpoint: Endpoint, label: str = "",
             after_timeout: str = "") -> Endpoint:
    """A fresh GET (waited for until Succeeded when `label` is given); an endpoint deleted
    meanwhile means another run took over."""
    try:
        current = ctx.service.get_endpoint(endpoint.id)
        return wait_for(ctx, current, label, after_timeout=after_timeout) if label else current
    except SpeechServiceError as exc:
        if exc.status != 404:
            raise
        raise EndpointChangedError(
            f"endpoint {endpoint.display_name} ({endpoint.id}) was deleted while this run "
            "deployed to it: another run created an endpoint of the same name at the same "
            "time and keeps its own. This run recorded nothing; serialize deploy jobs with a "
            "workflow `concurrency:` group.") from exc


def _logging_change(endpoint: Endpoint, wanted: bool) -> bool | None:
    """The content-logging value to send when the endpoint's differs from the setting
    (an endpoint that does not say is taken as not logging), else None."""
    current = bool(endpoint.properties.logging_enabled)
    return None if current == wanted else wanted


@contextmanager
def _logging_refusal(enabling: bool) -> Iterator[None]:
    """A refused request that enabled content logging most likely met the rule of API
    2024-11-15 and later: only resources with their own storage (BYOS) can enable it
    (Learn: migrate-2024-11-15); say so, and name the input."""
    try:
        yield
    except SpeechServiceError as exc:
        if not enabling or exc.status not in (400, 403):  # 409 is a conflict, not this rule
            raise
        raise ConfigError(
            f"the service refused to enable content logging ({exc}). Since API 2024-11-15 "
            "only Speech resources with bring-your-own-storage (BYOS) can log audio and "
            "transcriptions: set logging-enabled to false, or use a BYOS resource",
            input_name="logging-enabled") from exc


def _serves(endpoint: Endpoint, model: CustomModel) -> bool:
    return endpoint.model is not None and endpoint.model.id == model.id


def _model_id(endpoint: Endpoint) -> str:
    return "(none)" if endpoint.model is None else endpoint.model.id


def _latest(*times: datetime | None) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def _timeout_hint(model: CustomModel, not_before: datetime | None) -> str:
    when = "" if not_before is None else f" (requested {not_before:%Y-%m-%d %H:%M:%S} UTC)"
    return (f"The change to {model.display_name}{when} was sent and may still complete: the "
            "endpoint can switch to it after this run ends, and the previous model serves "
            "until then. Nothing was recorded. Re-run the workflow: the re-run finds the "
            "endpoint serving (or switching to) this model, waits, and records it.")
