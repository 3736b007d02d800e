"""What a run shows and leaves behind: outputs, the job summary, the JSON report, the PR
comment, and for a failure its annotations and summary section.

Files written into the workspace are readable and removable by the runner's user (the
action runs as root in its container): 0644 files in 0755 folders (product contract,
"Workspace files").

Everything here leaves the process, so it is redacted first: the report itself (every
string of it, before any renderer cuts a transcript or a name to a size), then each text
made from it (summary, PR comment, JSON report) once more, for the forms escaping
produces.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from speech_action.config import ConfigError, ConfigErrors, ConfigFileError
from speech_action.config.hints import ACTION_HINTS, Hints
from speech_action.data import DataValidationError
from speech_action.github.pr_comment import GitHubError, pr_number_from_event, upsert_pr_comment
from speech_action.github.workflow import Workflow
from speech_action.modes import ModeOutcome, RunInfo
from speech_action.records.folder import write_atomically
from speech_action.report import Report, render_pr_comment, render_summary, to_json, verdict
from speech_action.report.escape import code_block

REPORTS_DIR = ".speech-reports"
EXIT_OK, EXIT_FAILED, EXIT_CANCELLED = 0, 1, 143
PULL_REQUEST_EVENTS = ("pull_request", "pull_request_target")

RESUME_HINT = ("This run recorded nothing new. Run the workflow again: it reuses the uploaded "
               "data and resumes the training or evaluation already started; a deploy whose "
               "endpoint change was already sent is verified and recorded by the re-run.")
CANCELLED_NOTE = f"## speech-action was cancelled\n\n{RESUME_HINT}\n"


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


@dataclass(frozen=True)
class Published:
    """Where one run's results go."""

    workflow: Workflow
    summary: SummaryBuffer
    workspace: Path
    event: Mapping[str, Any]

    def outcome(self, outcome: ModeOutcome, run: RunInfo, mode: str, *, comment: bool,
                github_token: str | None) -> int:
        """Outputs, report, summary and PR comment of a finished mode; the exit code."""
        report = self._redacted(outcome.report)
        report_path = self._write_report(report, run, mode)
        for name, value in outcome.outputs.items():
            self.workflow.set_output(name, value)
        self.workflow.set_output("report", report_path)
        # The verdict on the run's page, without opening the summary.
        self.workflow.notice(verdict(report).text(), title=f"speech-action {mode}")
        markdown = self.workflow.redactor.redact(render_summary(report))
        self.summary.add(markdown)
        if self.workflow.context.summary_path is None:
            local = self.workspace / REPORTS_DIR / (Path(report_path).stem + ".md")
            write_workspace_file(local, markdown)
            self.workflow.info(f"summary written to {local.relative_to(self.workspace)}")
        if comment:
            self._comment(report, github_token or "")
        if outcome.failed_reason:
            self.workflow.error(outcome.failed_reason, title="No improvement")
            return EXIT_FAILED
        return EXIT_OK

    def _redacted(self, report: Report) -> Report:
        """`report` with every secret form in any of its strings replaced by `***`."""
        dumped = report.model_dump(mode="json")
        redacted = self.workflow.redactor.redact_json(dumped)
        return report if redacted is dumped else Report.model_validate(redacted)

    def _write_report(self, report: Report, run: RunInfo, mode: str) -> str:
        path = self.workspace / REPORTS_DIR / f"{mode}-{run.short_sha}-{run.run_id}.json"
        text = json.dumps(to_json(report), indent=2) + "\n"
        write_workspace_file(path, self.workflow.redactor.redact_json_text(text))
        return str(path.relative_to(self.workspace))

    def _comment(self, report: Report, token: str) -> None:
        context = self.workflow.context
        if context.event_name not in PULL_REQUEST_EVENTS:
            return
        number = pr_number_from_event(dict(self.event))
        if number is None or not context.repository:
            return
        try:
            body = self.workflow.redactor.redact(render_pr_comment(report))
            result = upsert_pr_comment(context.api_url, context.repository, number,
                                       body, token)
        except GitHubError as error:
            # The evaluation, records and summary are done: a comment that cannot be written
            # must not fail the gate (the summary shows the same report).
            self.workflow.warning(f"the WER comment could not be written: {error}",
                                  title="PR comment")
            return
        if result.warning:
            self.workflow.warning(result.warning, title="PR comment")
        elif result.url:
            self.workflow.info(f"WER comment {result.action}: {result.url}")


def write_workspace_file(path: Path, text: str) -> None:
    """Write atomically (temp file, then `os.replace`), 0644 in 0755 folders, as the
    folder record store does."""
    write_atomically(path, text.encode("utf-8"))


def report_cancelled(workflow: Workflow, summary: SummaryBuffer) -> None:
    summary.add(CANCELLED_NOTE)
    workflow.error("The run was cancelled. " + RESUME_HINT, title="Cancelled")
    workflow.set_output("improved", "false")


def report_failure(workflow: Workflow, summary: SummaryBuffer, error: BaseException,
                   internal: bool = False, hints: Hints = ACTION_HINTS) -> None:
    """Annotations (on the file and line where there is one) and a summary section."""
    if isinstance(error, DataValidationError):
        for problem in error.problems:
            workflow.error(problem.message, title="Invalid data", file=problem.file,
                           line=problem.line)
    elif isinstance(error, ConfigErrors):
        for each in error.errors:
            _config_error(workflow, each, hints)
    elif isinstance(error, ConfigError):
        _config_error(workflow, error, hints)
    elif internal:
        workflow.error(f"unexpected error ({type(error).__name__}: {error}); this is a bug "
                       "in speech-action, please report it with the log", title="Internal error")
    else:
        workflow.error(str(error), title=type(error).__name__)
    # In a fence the message cannot close: a file name in it stays text (no heading, no
    # HTML). The summary writer redacts it before it cuts anything.
    summary.add(f"## speech-action failed\n\n{code_block(str(error))}\n")
    workflow.set_output("improved", "false")


def _config_error(workflow: Workflow, error: ConfigError, hints: Hints) -> None:
    """A setting refused in the config file is annotated on its file and line."""
    if isinstance(error, ConfigFileError):
        workflow.error(str(error), title=_input_title(error, hints), file=error.file,
                       line=error.line)
    else:
        workflow.error(str(error), title=_input_title(error, hints))


def _input_title(error: ConfigError, hints: Hints) -> str:
    """`Invalid input speech-key` in a workflow, `Invalid --speech-key` on the command line."""
    if not error.input_name:
        return "Invalid configuration"
    return f"Invalid {hints.label(error.input_name)}"
