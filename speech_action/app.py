"""One run of the action: settings in; outputs, summary, report and PR comment out.

`cli` reads the environment and argv and hands them here as plain values; this module
wires the service client, the record store and the mode together and is the one place
that turns errors into annotations, a summary section and an exit code.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import traceback
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from speech_action.client import SpeechClient
from speech_action.config import Config, ConfigError, ConfigErrors, load_config, secret_inputs
from speech_action.data import DataValidationError
from speech_action.data.layout import as_layout
from speech_action.errors import SpeechActionError
from speech_action.github.context import GitHubContext
from speech_action.github.pr_comment import GitHubError, pr_number_from_event, upsert_pr_comment
from speech_action.github.workflow import Workflow
from speech_action.modes import ModeContext, ModeOutcome, ModeSettings, RunInfo, run_mode
from speech_action.records import open_store
from speech_action.records.staging import BlobStaging, open_staging
from speech_action.report import render_pr_comment, render_summary, to_json

REPORTS_DIR = ".speech-reports"
LOCAL_STATE_DIR = ".speech-local"
# The local engine answers on loopback: checking every second costs nothing.
LOCAL_POLL_SECONDS = 1.0

EXIT_OK, EXIT_FAILED, EXIT_CANCELLED = 0, 1, 143


class RunCancelled(BaseException):
    """SIGTERM (a cancelled workflow): a BaseException so no `except Exception` eats it."""


@dataclass(frozen=True)
class RunRequest:
    inputs: Mapping[str, str]
    workspace: Path
    context: GitHubContext
    event: Mapping[str, Any]


def execute(request: RunRequest, workflow: Workflow) -> int:
    """Run the mode the inputs ask for; the exit code of the step."""
    for secret in secret_inputs(request.inputs):
        workflow.register_secret(secret)
    summary = SummaryBuffer(workflow)
    try:
        config = load_config(request.inputs, workspace=request.workspace,
                             repository=request.context.repository)
        for secret in config.secret_values():
            workflow.register_secret(secret)
        for warning in config.warnings:
            workflow.warning(warning)
        outcome = _run(config, request, workflow)
        return _publish(config, request, workflow, summary, outcome)
    except RunCancelled:
        summary.add(CANCELLED_NOTE)
        workflow.error("The run was cancelled. " + RESUME_HINT, title="Cancelled")
        workflow.set_output("improved", "false")
        return EXIT_CANCELLED
    except (SpeechActionError, OSError) as error:
        _report_failure(workflow, summary, error)
        workflow.set_output("improved", "false")
        return EXIT_FAILED
    except Exception as error:  # the one handler at the edge: any bug becomes an annotation
        workflow.info(traceback.format_exc())
        _report_failure(workflow, summary, error, internal=True)
        workflow.set_output("improved", "false")
        return EXIT_FAILED
    finally:
        summary.flush()


def _run(config: Config, request: RunRequest, workflow: Workflow) -> ModeOutcome:
    started = time.monotonic()

    def time_left() -> float:
        return config.timeout_seconds - (time.monotonic() - started)

    with _service(config, request.workspace, workflow) as (endpoint, key):
        client = SpeechClient(endpoint, key, config.api_version, time_left=time_left)
        connection_string = _secret(config.storage_connection_string)
        store = open_store(connection_string=connection_string,
                           container=config.storage_container, records_dir=config.records_dir)
        staging = _staging(connection_string, config, workflow)
        ctx = ModeContext(
            settings=mode_settings(config), service=client, store=store,
            workspace=request.workspace, run=run_info(request.context, request.event),
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
        locale=config.locale, api_version=config.api_version, data=as_layout(config.data),
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
    from speech_action.local.server import start_local_service  # heavy: only when used

    state = workspace / LOCAL_STATE_DIR
    with start_local_service(state) as service:
        workflow.info(f"local engine on {service.base_url} (state in {LOCAL_STATE_DIR}/)")
        yield service.base_url, "local"


def _staging(connection_string: str | None, config: Config,
             workflow: Workflow) -> BlobStaging | None:
    """Blob staging for large datasets when storage is configured and can sign a SAS."""
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


def _publish(
    config: Config, request: RunRequest, workflow: Workflow, summary: SummaryBuffer,
    outcome: ModeOutcome,
) -> int:
    report_path = _write_report(request, config, outcome)
    for name, value in outcome.outputs.items():
        workflow.set_output(name, value)
    workflow.set_output("report", report_path)
    markdown = render_summary(outcome.report)
    summary.add(markdown)
    if workflow.context.summary_path is None:
        local_summary = request.workspace / REPORTS_DIR / (Path(report_path).stem + ".md")
        _atomic_write(local_summary, markdown)
        workflow.info(f"summary written to {local_summary.relative_to(request.workspace)}")
    _comment(config, request, workflow, outcome)
    if outcome.failed_reason:
        workflow.error(outcome.failed_reason, title="No improvement")
        return EXIT_FAILED
    return EXIT_OK


def _write_report(request: RunRequest, config: Config, outcome: ModeOutcome) -> str:
    run = run_info(request.context, request.event)
    name = f"{config.mode.value}-{run.short_sha}-{run.run_id}.json"
    path = request.workspace / REPORTS_DIR / name
    _atomic_write(path, json.dumps(to_json(outcome.report), indent=2) + "\n")
    return str(path.relative_to(request.workspace))


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _comment(config: Config, request: RunRequest, workflow: Workflow,
             outcome: ModeOutcome) -> None:
    if request.context.event_name not in ("pull_request", "pull_request_target"):
        return
    number = pr_number_from_event(dict(request.event))
    if not config.comment or number is None or not request.context.repository:
        return
    try:
        result = upsert_pr_comment(
            request.context.api_url, request.context.repository, number,
            render_pr_comment(outcome.report), _secret(config.github_token) or "",
        )
    except GitHubError as error:
        # The evaluation, records and summary are done: a comment that cannot be written
        # must not fail the gate (the summary shows the same report).
        workflow.warning(f"the WER comment could not be written: {error}", title="PR comment")
        return
    if result.warning:
        workflow.warning(result.warning, title="PR comment")
    elif result.url:
        workflow.info(f"WER comment {result.action}: {result.url}")


RESUME_HINT = ("Nothing was deployed by this run. Run the workflow again: it reuses the "
               "uploaded data and resumes the training or evaluation already started.")
CANCELLED_NOTE = f"## speech-action was cancelled\n\n{RESUME_HINT}\n"


def _report_failure(workflow: Workflow, summary: SummaryBuffer, error: BaseException,
                    internal: bool = False) -> None:
    if isinstance(error, DataValidationError):
        for problem in error.problems:
            workflow.error(problem.message, title="Invalid data", file=problem.file,
                           line=problem.line)
    elif isinstance(error, ConfigErrors):
        for each in error.errors:
            workflow.error(str(each), title=_input_title(each))
    elif isinstance(error, ConfigError):
        workflow.error(str(error), title=_input_title(error))
    elif internal:
        workflow.error(f"unexpected error ({type(error).__name__}: {error}); this is a bug "
                       "in speech-action, please report it with the log", title="Internal error")
    else:
        workflow.error(str(error), title=type(error).__name__)
    summary.add(f"## speech-action failed\n\n```\n{error}\n```\n")


def _input_title(error: ConfigError) -> str:
    return f"Invalid input {error.input_name}" if error.input_name else "Invalid configuration"


class SummaryBuffer:
    """The job summary is written once; sections collect here until `flush`."""

    def __init__(self, workflow: Workflow) -> None:
        self._workflow = workflow
        self._sections: list[str] = []

    def add(self, markdown: str) -> None:
        self._sections.append(markdown)

    def flush(self) -> None:
        if self._sections and not self._workflow.summary_written:
            self._workflow.write_summary("\n".join(self._sections))

