"""`$GITHUB_OUTPUT` heredocs, the step summary file, and the context from the environment."""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest

from speech_action.github.context import GitHubContext, github_context_from_env
from speech_action.github.limits import STEP_SUMMARY_MAX_BYTES
from speech_action.github.workflow import (
    Workflow,
    WorkflowCommandError,
    append_output,
    append_summary,
    fit_summary,
    format_output,
)
from speech_action.redaction import Redactor
from tests.support.runner import parse_github_output

UUID = uuid.UUID("9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")
DELIMITER = f"ghadelimiter_{UUID}"


def fixed_uuid() -> uuid.UUID:
    return UUID


def workflow_for(tmp_path: Path) -> Workflow:
    context = GitHubContext(
        output_path=tmp_path / "output", summary_path=tmp_path / "summary", actions=True
    )
    return Workflow(context=context, stdout=io.StringIO(), redactor=Redactor(), new_uuid=fixed_uuid)


def test_output_heredoc_bytes(tmp_path: Path) -> None:
    path = tmp_path / "output"
    append_output(path, "my out", "out val", new_uuid=fixed_uuid)
    assert path.read_bytes() == f"my out<<{DELIMITER}\nout val\n{DELIMITER}\n".encode()


@pytest.mark.parametrize(("value", "text"), [(True, "true"), (5, "5"), (1.01, "1.01"), (2.0, "2")])
def test_output_non_string_values(value: object, text: str) -> None:
    assert (
        format_output("my out", value, DELIMITER) == f"my out<<{DELIMITER}\n{text}\n{DELIMITER}\n"
    )


def test_output_refuses_delimiter_in_value() -> None:
    with pytest.raises(WorkflowCommandError, match="value of output 'my out' contains"):
        format_output("my out", f"good stuff {DELIMITER} bad stuff", DELIMITER)


def test_output_refuses_delimiter_in_name() -> None:
    with pytest.raises(WorkflowCommandError, match=r"name .* contains the delimiter"):
        format_output(f"good stuff {DELIMITER} bad stuff", "test", DELIMITER)


def test_outputs_parse_back_with_runner_rules(tmp_path: Path) -> None:
    workflow = workflow_for(tmp_path)
    workflow.set_output("wer", "6.50")
    workflow.set_output("improved", True)
    workflow.set_output("notes", "line one\nline two\n\nline four")
    workflow.set_output("empty", "")
    text = (tmp_path / "output").read_text(encoding="utf-8")
    assert parse_github_output(text) == {
        "wer": "6.50",
        "improved": "true",
        "notes": "line one\nline two\n\nline four",
        "empty": "",
    }
    assert workflow.outputs["notes"] == "line one\nline two\n\nline four"


def test_each_output_gets_a_fresh_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "output"
    append_output(path, "a", "1")
    append_output(path, "b", "2")
    heads = [line for line in path.read_text().splitlines() if "<<" in line]
    assert len({head.split("<<")[1] for head in heads}) == 2
    assert parse_github_output(path.read_text()) == {"a": "1", "b": "2"}


def test_outputs_outside_actions_are_only_collected(tmp_path: Path) -> None:
    workflow = Workflow(stdout=io.StringIO(), redactor=Redactor())
    workflow.set_output("wer", 6.5)
    assert workflow.outputs == {"wer": "6.5"}
    assert list(tmp_path.iterdir()) == []


def test_output_values_are_redacted(tmp_path: Path) -> None:
    workflow = workflow_for(tmp_path)
    workflow.register_secret("0123456789abcdef0123456789abcdef")
    workflow.set_output("evaluation", "https://x/?key=0123456789abcdef0123456789abcdef")
    assert parse_github_output((tmp_path / "output").read_text()) == {
        "evaluation": "https://x/?key=***"
    }


def test_summary_written_once_appending(tmp_path: Path) -> None:
    (tmp_path / "summary").write_text("earlier\n", encoding="utf-8")
    workflow = workflow_for(tmp_path)
    assert workflow.write_summary("## WER\n\n| a | b |\n") is False
    assert (tmp_path / "summary").read_text(encoding="utf-8") == "earlier\n## WER\n\n| a | b |\n"
    with pytest.raises(WorkflowCommandError, match="already written"):
        workflow.write_summary("again")


def test_summary_without_path_writes_nothing() -> None:
    workflow = Workflow(stdout=io.StringIO(), redactor=Redactor())
    assert workflow.write_summary("# report") is False


def test_summary_under_limit_is_untouched() -> None:
    text = "x" * STEP_SUMMARY_MAX_BYTES
    assert fit_summary(text) == (text, False)


def test_summary_over_limit_is_truncated_at_a_line_with_a_note(tmp_path: Path) -> None:
    row = "| é | utterance |\n"  # multi-byte characters: the limit is in bytes
    text = row * (STEP_SUMMARY_MAX_BYTES // len(row.encode()) + 10)
    path = tmp_path / "summary"
    assert append_summary(path, text) is True
    data = path.read_bytes()
    assert len(data) <= STEP_SUMMARY_MAX_BYTES
    written = data.decode("utf-8")
    assert "Summary truncated" in written
    body = written.split("\n\n> **Summary truncated**")[0]
    assert body.endswith(row) and set(body.splitlines()) == {row.strip("\n")}


def test_summary_limit_counts_what_the_file_already_holds(tmp_path: Path) -> None:
    path = tmp_path / "summary"
    path.write_bytes(b"a" * (STEP_SUMMARY_MAX_BYTES - 1000))
    assert append_summary(path, "line\n" * 1000) is True
    assert path.stat().st_size <= STEP_SUMMARY_MAX_BYTES


def test_summary_with_no_room_left_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "summary"
    path.write_bytes(b"a" * STEP_SUMMARY_MAX_BYTES)
    assert append_summary(path, "# more") is True
    assert path.stat().st_size == STEP_SUMMARY_MAX_BYTES


def test_summary_is_redacted(tmp_path: Path) -> None:
    workflow = workflow_for(tmp_path)
    workflow.write_summary(
        "[results](https://a.blob.core.windows.net/c/r.json?sv=2022&sig=abc%2Bdef)"
    )
    assert (tmp_path / "summary").read_text() == (
        "[results](https://a.blob.core.windows.net/c/r.json?sv=2022&sig=***)"
    )


def test_unwritable_output_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(WorkflowCommandError, match=r"Cannot append to .*missing"):
        append_output(tmp_path / "missing" / "output", "a", "b")


def test_context_from_env() -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": "/runner/out",
        "GITHUB_STEP_SUMMARY": "/runner/summary",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_SHA": "0123456789abcdef",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": "/github/workflow/event.json",
        "GITHUB_REPOSITORY": "octo/speech",
        "GITHUB_RUN_ID": "42",
        "GITHUB_SERVER_URL": "https://github.example.com/",
        "GITHUB_API_URL": "",
    }
    context = github_context_from_env(env)
    assert context.actions is True
    assert context.output_path == Path("/runner/out")
    assert context.summary_path == Path("/runner/summary")
    assert context.event_path == Path("/github/workflow/event.json")
    assert context.short_sha == "0123456"
    assert context.run_url == "https://github.example.com/octo/speech/actions/runs/42"
    assert context.api_url == "https://api.github.com"
    assert context.head_ref is None


def test_context_outside_actions() -> None:
    context = github_context_from_env({})
    assert context == GitHubContext()
    assert context.run_url is None and context.short_sha is None
