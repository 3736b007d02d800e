"""One run of the action: settings in, an exit code out.

`cli` reads the environment and argv and hands them here as plain values; this module
wires the service client, the record store and the mode together and holds the one
handler that turns any error into a failed step. What the run shows and writes (outputs,
summary, report file, PR comment, failure annotations) is `publish`'s job.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from speech_action.auth import (
    BearerTokenProvider,
    StorageCredential,
    speech_token_provider,
    storage_credential,
)
from speech_action.blob_staging import BlobStaging, open_staging
from speech_action.client import SpeechClient
from speech_action.config import ACTION_HINTS, Config, Hints, load_config, secret_inputs
from speech_action.errors import SpeechActionError
from speech_action.github.context import GitHubContext
from speech_action.github.workflow import Workflow
from speech_action.modes import ModeContext, ModeOutcome, ModeSettings, RunInfo, run_mode
from speech_action.publish import (
    EXIT_CANCELLED,
    EXIT_FAILED,
    REPORTS_DIR,
    Published,
    SummaryBuffer,
    report_cancelled,
    report_failure,
)
from speech_action.records import open_store
from speech_action.workspace_owner import hand_over

LOCAL_STATE_DIR = ".speech-local"
# The local engine answers on loopback: checking every second costs nothing.
LOCAL_POLL_SECONDS = 1.0


class RunCancelled(BaseException):
    """SIGTERM (a cancelled workflow): a BaseException so no `except Exception` eats it."""


@dataclass(frozen=True)
class RunRequest:
    inputs: Mapping[str, str]
    workspace: Path
    context: GitHubContext
    event: Mapping[str, Any]
    hints: Hints = ACTION_HINTS
    """How messages name the settings: as the action's inputs, or as the command's flags."""
    environment: Mapping[str, str] = field(default_factory=dict)
    """The process's variables: keyless sign-in reads the runner's OIDC request variables
    and `AZURE_AUTHORITY_HOST` from them."""


def execute(request: RunRequest, workflow: Workflow) -> int:
    """Run the mode the inputs ask for; the exit code of the step."""
    for secret in secret_inputs(request.inputs):
        workflow.register_secret(secret)
    summary = SummaryBuffer(workflow)
    written = [request.workspace / LOCAL_STATE_DIR, request.workspace / REPORTS_DIR]
    try:
        config = load_config(request.inputs, workspace=request.workspace,
                             repository=request.context.repository, hints=request.hints)
        written.append(config.records_dir)
        for secret in config.secret_values():
            workflow.register_secret(secret)
        run = run_info(request.context, request.event)  # once: outside Actions its id is a time
        outcome = _run(config, request, run, workflow)
        published = Published(workflow, summary, request.workspace, request.event)
        return published.outcome(outcome, run, config.mode.value, comment=config.comment,
                                 github_token=_secret(config.github_token))
    except RunCancelled:
        report_cancelled(workflow, summary)
        return EXIT_CANCELLED
    except (SpeechActionError, OSError) as error:
        report_failure(workflow, summary, error, hints=request.hints)
        return EXIT_FAILED
    except Exception as error:  # the one handler at the edge: any bug becomes an annotation
        workflow.info(traceback.format_exc())
        report_failure(workflow, summary, error, internal=True, hints=request.hints)
        return EXIT_FAILED
    finally:
        summary.flush()
        hand_over(request.workspace, written, warn=workflow.warning)


def _run(config: Config, request: RunRequest, run: RunInfo, workflow: Workflow) -> ModeOutcome:
    started = time.monotonic()

    def time_left() -> float:
        return config.timeout_seconds - (time.monotonic() - started)

    with _service(config, request.workspace, workflow) as (endpoint, key):
        tokens = _token_provider(config, request.environment, workflow)
        client = SpeechClient(endpoint, None if tokens else key, config.api_version,
                              time_left=time_left, token_provider=tokens)
        connection_string = _secret(config.storage_connection_string)
        blob = _blob_credential(config, tokens, workflow)
        store = open_store(connection_string=connection_string,
                           container=config.storage_container, records_dir=config.records_dir,
                           account_url=config.storage_account_url if blob else None,
                           credential=blob)
        staging = _staging(connection_string, blob, config, workflow)
        ctx = ModeContext(
            settings=mode_settings(config), service=client, store=store,
            workspace=request.workspace, run=run,
            log=workflow, now=lambda: datetime.now(UTC),
            poll_seconds=LOCAL_POLL_SECONDS if config.is_local else config.poll_seconds,
            deadline=time_left, staging=staging,
        )
        workflow.info(f"speech-action {config.mode.value}: locale {config.locale}, "
                      f"api-version {config.api_version}, records in {store.location}")
        return run_mode(config.mode.value, ctx)


def mode_settings(config: Config) -> ModeSettings:
    """The part of the configuration the modes use: no secrets, no connection details."""
    return ModeSettings(
        locale=config.locale, api_version=config.api_version, data=config.data,
        project=config.project, base_model=config.base_model,
        benchmark_model=config.benchmark_model, min_improvement=config.min_improvement,
        require_significance=config.require_significance,
        fail_on_no_improvement=config.fail_on_no_improvement, model=config.model,
        endpoint_name=config.endpoint_name, endpoint_id=config.endpoint_id,
        logging_enabled=config.logging_enabled, timeout_minutes=config.timeout_minutes,
        blob_upload_from_mb=config.blob_upload_from_mb,
    )


@contextmanager
def _service(config: Config, workspace: Path, workflow: Workflow) -> Iterator[tuple[str, str]]:
    """The Speech endpoint and key: the configured resource, or the embedded local engine
    started on a free loopback port with its state in the workspace."""
    if not config.is_local:
        assert config.service_url is not None  # config guarantees region or endpoint
        yield config.service_url, _secret(config.speech_key) or ""
        return
    from speech_action.local.bearer import BearerPolicy  # heavy: only when used
    from speech_action.local.server import start_local_service

    state = workspace / LOCAL_STATE_DIR
    # With keyless sign-in the engine takes Microsoft Entra tokens only, as the resource
    # would, so the whole sign-in path is tried offline but for Entra ID itself (audience
    # and expiry are checked; a real token's signature cannot be, offline).
    bearer = BearerPolicy() if config.keyless else None
    with start_local_service(state, bearer=bearer) as service:
        workflow.info(f"local engine on {service.base_url} (state in {LOCAL_STATE_DIR}/"
                      f"{'; it takes Microsoft Entra tokens only' if bearer else ''})")
        yield service.base_url, "local"


def _token_provider(config: Config, environment: Mapping[str, str],
                    workflow: Workflow) -> BearerTokenProvider | None:
    """Keyless sign-in: Microsoft Entra tokens for Speech from the job's GitHub OIDC token,
    each registered as a secret before anything could print it."""
    if not (config.azure_client_id and config.azure_tenant_id):
        return None
    workflow.info(f"signing in to Speech keylessly as client {config.azure_client_id} of "
                  f"tenant {config.azure_tenant_id} (GitHub OIDC token, Microsoft Entra ID)")
    return speech_token_provider(config.azure_tenant_id, config.azure_client_id, environment,
                                 register_secret=workflow.register_secret)


def _blob_credential(config: Config, tokens: BearerTokenProvider | None,
                     workflow: Workflow) -> StorageCredential | None:
    """Keyless Blob (`storage-account-url`): the Speech sign-in's credential, for the
    storage scope; its tokens are registered as secrets too."""
    if tokens is None or not config.storage_account_url:
        return None
    return storage_credential(tokens, register_secret=workflow.register_secret)


def _staging(connection_string: str | None, blob: StorageCredential | None, config: Config,
             workflow: Workflow) -> BlobStaging | None:
    """Blob staging for large datasets when storage is configured and can sign a SAS: with
    the account key of a connection string, or keyless with user delegation keys."""
    if blob is not None:
        return open_staging(container=config.storage_container,
                            account_url=config.storage_account_url, credential=blob,
                            register_secret=workflow.register_secret)
    if not connection_string:
        return None
    staging = open_staging(connection_string, config.storage_container)
    if staging is None:
        workflow.info("the storage connection string has no account key to sign a SAS URL "
                      "with: datasets are uploaded with the block API")
    return staging


def _secret(value: Any) -> str | None:
    return None if value is None else str(value.get_secret_value())


def run_info(context: GitHubContext, event: Mapping[str, Any]) -> RunInfo:
    repository = event.get("repository")
    default_branch = repository.get("default_branch") if isinstance(repository, dict) else None
    return RunInfo(
        commit_sha=context.sha or "local",
        run_id=_run_id(context),
        run_url=context.run_url,
        event_name=context.event_name,
        repository=context.repository,
        ref=context.ref,
        default_branch=default_branch if isinstance(default_branch, str) else None,
    )


def _run_id(context: GitHubContext) -> str:
    if context.run_id:
        attempt = context.run_attempt or "1"
        return context.run_id if attempt == "1" else f"{context.run_id}.{attempt}"
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
