"""Files the run leaves in the workspace (product contract, "Workspace files": readable and
removable by the runner's user while the action runs as root)."""

from __future__ import annotations

import io
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from speech_action.errors import SpeechActionError
from speech_action.github.context import GitHubContext
from speech_action.github.workflow import Workflow
from speech_action.modes import ModeOutcome, RunInfo
from speech_action.publish import (
    REPORTS_DIR,
    Published,
    SummaryBuffer,
    report_failure,
    write_workspace_file,
)
from speech_action.redaction import Redactor
from tests.support.github_api import running_github_api


@pytest.fixture
def strict_umask() -> Iterator[None]:
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_reports_are_0644_in_0755_folders(tmp_path: Path, strict_umask: None) -> None:
    report = tmp_path / REPORTS_DIR / "nested" / "deploy-abc-1.json"
    write_workspace_file(report, "{}\n")
    assert report.read_text(encoding="utf-8") == "{}\n"
    assert mode(report) == 0o644
    assert mode(report.parent) == mode(report.parent.parent) == 0o755
    assert [p.name for p in report.parent.iterdir()] == [report.name]  # no temp file left


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    folder = tmp_path / REPORTS_DIR
    folder.mkdir(mode=0o700)
    write_workspace_file(folder / "a.md", "x")
    assert mode(folder) == 0o700 and mode(folder / "a.md") == 0o644


# ---------------------------------------------------------------- hostile names and secrets

SECRET = "publish-test-speech-key-7f3e2d1c0b9a"
TOKEN = "ghs_publishTestToken0000000000000000001"


def _workflow(tmp_path: Path, redactor: Redactor,
              api_url: str = "http://127.0.0.1:1") -> Workflow:
    context = GitHubContext(actions=True, output_path=tmp_path / "output.txt",
                            summary_path=tmp_path / "summary.md",
                            event_name="pull_request", repository="contoso/speech-data",
                            api_url=api_url)
    (tmp_path / "output.txt").write_text("", encoding="utf-8")
    return Workflow(context=context, stdout=io.StringIO(), redactor=redactor)


def test_a_backtick_fence_in_an_error_cannot_close_the_failure_block(tmp_path: Path) -> None:
    """GitHub Flavored Markdown, "Fenced code blocks": a closing fence needs at least as
    many backticks as the opening one, so a longer fence keeps a name's ``` inside."""
    workflow = _workflow(tmp_path, Redactor())
    summary = SummaryBuffer(workflow)
    name = "a.wav\n```\n# Pwned\n<img src=x onerror=alert(1)>\n`````"
    report_failure(workflow, summary, SpeechActionError(f"{name}: not a WAV file"))
    summary.flush()
    text = (tmp_path / "summary.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[:3] == ["## speech-action failed", "", "``````"]
    assert lines[-1] == "``````"
    # Everything between the fences is the message, verbatim; no other fence line.
    assert "\n".join(lines[3:-1]) == f"{name}: not a WAV file"


def test_every_published_artefact_is_redacted_before_it_is_cut(tmp_path: Path) -> None:
    """A secret echoed into a transcript and a model name (a service answering for the
    model, a hostile test set) is redacted in the report object itself, before the summary
    clips long alignments and before the JSON report and the comment are written."""
    import base64

    redactor = Redactor([SECRET])
    with running_github_api(TOKEN) as github:
        texts = _publish_hostile_report(tmp_path, redactor, github.url)
        texts["comment"] = github.state.comments[0].body
    encoded = base64.b64encode(f"user:{SECRET}".encode()).decode()
    secret_prefixes = [SECRET[:16], encoded[8:24]]
    leaks = [(where, p) for where, text in texts.items() for p in secret_prefixes if p in text]
    assert not leaks
    assert json.loads(texts["json"])["warnings"] == ["service said key=***"]
    assert "***" in texts["comment"]


def _publish_hostile_report(tmp_path: Path, redactor: Redactor, api_url: str) -> dict[str, str]:
    import base64
    import html

    from speech_action.report.escape import escape_markdown
    from tests.report.builders import train_and_gate

    workflow = _workflow(tmp_path, redactor, api_url)
    summary = SummaryBuffer(workflow)
    encoded = base64.b64encode(f"user:{SECRET}".encode()).decode()
    base = train_and_gate()
    first = base.utterances[0]
    long_reference = " ".join(["word"] * 3000) + f" {SECRET}"
    report = base.model_copy(update={
        "candidate_model": base.candidate_model.model_copy(  # type: ignore[union-attr]
            update={"name": f"model {escape_markdown(SECRET)} {html.escape(SECRET)}"}),
        "utterances": (first.__class__(first.audio, long_reference, first.benchmark,
                                       f"{first.candidate} {encoded}"),
                       *base.utterances[1:]),
        "warnings": (f"service said key={SECRET}",),
    })
    published = Published(workflow, summary, tmp_path, {"pull_request": {"number": 5}})
    outcome = ModeOutcome(outputs={"model-id": SECRET}, report=report)
    run = RunInfo(commit_sha="0123456789abcdef", run_id="7")
    code = published.outcome(outcome, run, "train-and-gate", comment=True, github_token=TOKEN)
    summary.flush()
    assert code == 0
    return {
        "summary": (tmp_path / "summary.md").read_text(encoding="utf-8"),
        "outputs": (tmp_path / "output.txt").read_text(encoding="utf-8"),
        "json": (tmp_path / REPORTS_DIR / "train-and-gate-0123456-7.json").read_text("utf-8"),
        "log": workflow.stdout.getvalue(),  # type: ignore[attr-defined]
    }


def test_stderr_of_the_action_is_redacted_and_inert() -> None:
    # The runner processes workflow commands on stderr as on stdout (actions/runner,
    # ActionCommandManager): a library's warning must not become a command or show a key.
    import io

    from speech_action.cli import SafeStream
    from speech_action.redaction import DEFAULT_REDACTOR

    secret = "stderr-secret-7f3a9c2e1b"
    DEFAULT_REDACTOR.register(secret)
    target = io.StringIO()
    SafeStream(target).write(f"::stop-commands::x\nwarning {secret}\n##[error]y\n")
    shown = target.getvalue()
    assert secret not in shown
    assert not any(line.startswith("::") for line in shown.splitlines())
    assert "##[" not in shown


def test_the_verdict_line_is_a_notice_on_the_runs_page(tmp_path: Path) -> None:
    from speech_action.report import verdict
    from tests.report.builders import train_and_gate

    workflow = _workflow(tmp_path, Redactor())
    report = train_and_gate()
    published = Published(workflow, SummaryBuffer(workflow), tmp_path, {})
    outcome = ModeOutcome(outputs={"wer": "17.39"}, report=report)
    run = RunInfo(commit_sha="0123456789abcdef", run_id="7")
    assert published.outcome(outcome, run, "train-and-gate", comment=False,
                             github_token=None) == 0
    log = workflow.stdout.getvalue()  # type: ignore[attr-defined]
    notices = [line for line in log.splitlines() if line.startswith("::notice ")]
    # The toolkit's command escaping turns % into %25; the runner shows it as %.
    message = verdict(report).text().replace("%", "%25")
    assert notices == [f"::notice title=speech-action train-and-gate::{message}"]
    assert message.startswith("Improved: WER 52.17 %25 \u2192 17.39 %25 (-34.78 points")
