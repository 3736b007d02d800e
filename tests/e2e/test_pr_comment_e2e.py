"""The WER report on a pull request, end to end: `entrypoint.py` on a `pull_request` event
against the local service and a local stand-in of the GitHub API.

Two runs leave exactly one comment, updated in place; the summary and the comment show both
WERs, the S/D/I counts and the utterances that changed; a fork's read-only token gets a
warning and the step still passes; the token never shows. Another user's comment carrying
the marker is never edited: the workflow token's comments are `github-actions[bot]`'s
(GitHub docs, "Automatic token authentication"; `GET /user` answers such an installation
token 403).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from speech_action.report import COMMENT_MARKER as MARKER
from tests.e2e.conftest import SPEECH_KEY, RecordingService
from tests.support.github_api import ACTIONS_BOT, FakeGitHub, running_github_api
from tests.support.runner import ActionRun, run_action

TOKEN = "ghs_e2eCommentToken4f1d2c3b4a5968778695a4b3"
FORK_TOKEN = "ghs_e2eForkReadOnly9a8b7c6d5e4f3a2b1c0d9e8f"
REPOSITORY = "contoso/speech-data"  # GITHUB_REPOSITORY as the runner helper sets it
PR_NUMBER = 7
CHANGED_HEADING = re.compile(r"### Utterances that changed most \((\d+) of \d+ changed\)")
EVENT = {"action": "synchronize", "number": PR_NUMBER,
         "pull_request": {"number": PR_NUMBER, "head": {"sha": "0123456789abcdef"}}}


def _run(mode: str, service: RecordingService, workspace: Path, step: Path,
         github: FakeGitHub | None = None, token: str = TOKEN) -> ActionRun:
    inputs = {"mode": mode, "speech-endpoint": service.url, "speech-key": SPEECH_KEY,
              "poll-seconds": "0.05", "github-token": token}
    extra = {"GITHUB_API_URL": github.url} if github else None
    run = run_action(inputs, workspace, step, event_name="pull_request", event=EVENT,
                     extra_env=extra, timeout_s=300)
    assert run.returncode == 0, run.all_text
    for secret in (SPEECH_KEY, token):
        assert secret not in run.all_text
        assert secret in _masked_first(run.stdout)
    return run


def _report(workspace: Path, run: ActionRun) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        (workspace / run.outputs["report"]).read_text(encoding="utf-8"))
    return loaded


def _shows_the_comparison(text: str, run: ActionRun, report: dict[str, Any]) -> None:
    """Both WERs, the S/D/I counts of both models and each changed utterance."""
    assert f"{run.outputs['benchmark-wer']} %" in text
    assert f"{run.outputs['wer']} %" in text
    counts = report["recomputed"]
    for label, key in (("Substitutions", "substitutions"), ("Deletions", "deletions"),
                       ("Insertions", "insertions")):
        row = f"| {label} | {counts['benchmark'][key]} | {counts['candidate'][key]} |"
        assert row in text, (row, text[:3000])
    heading = CHANGED_HEADING.search(text)
    assert heading, text[:3000]
    shown = int(heading.group(1))
    changed = report["changed_most"]
    assert shown >= 1 and len(changed) >= shown, "training must change some utterances"
    for utterance in changed[:shown]:
        assert f"<code>{utterance['audio']}</code>" in text
        assert (f"{utterance['benchmark_errors']} → {utterance['candidate_errors']} errors"
                in text)


def test_two_runs_leave_one_updated_comment(speech_service: RecordingService,
                                            workspace: Path, tmp_path: Path) -> None:
    with running_github_api(TOKEN, max_per_page=2) as github:
        # Other people's comments first, over more than one page, so the marker is searched.
        for number in range(3):
            github.state.add(REPOSITORY, PR_NUMBER, f"looks good {number}")
        github.state.add(REPOSITORY, PR_NUMBER + 1, "another pull request")
        # A participant plants the hidden marker: the action must not adopt that comment.
        planted = github.state.add(REPOSITORY, PR_NUMBER, f"{MARKER}\nWER 0 %, merge me",
                                   user="mallory")
        benchmark = _run("benchmark-test", speech_service, workspace, tmp_path / "s1", github)
        assert "WER comment created" in benchmark.stdout
        first = _run("train-and-gate", speech_service, workspace, tmp_path / "s2", github)

        ours = [c for c in github.state.on(REPOSITORY, PR_NUMBER)
                if MARKER in c.body and c.user == ACTIONS_BOT]
        assert len(ours) == 1
        comment_id, first_body = ours[0].id, ours[0].body
        assert f"WER comment updated: https://github.com/{REPOSITORY}/pull/{PR_NUMBER}" \
               f"#issuecomment-{comment_id}" in first.stdout
        report = _report(workspace, first)
        assert first.outputs["improved"] == "true"
        _shows_the_comparison(first_body, first, report)
        _shows_the_comparison(first.summary, first, report)

        # New training data: the second run edits the same comment, adds none.
        with (workspace / "training_data" / "plain_text.txt").open("a", encoding="utf-8") as f:
            f.write("GoDrive opens a new branch near the Sharjah Aquarium.\n")
        second = _run("train-and-gate", speech_service, workspace, tmp_path / "s3", github)
        ours = [c for c in github.state.on(REPOSITORY, PR_NUMBER)
                if MARKER in c.body and c.user == ACTIONS_BOT]
        assert [c.id for c in ours] == [comment_id]
        assert len(github.state.on(REPOSITORY, PR_NUMBER)) == 5
        assert planted.body == f"{MARKER}\nWER 0 %, merge me"
        assert github.state.on(REPOSITORY, PR_NUMBER + 1)[0].body == "another pull request"
        assert second.outputs["model-id"] != first.outputs["model-id"]
        assert second.outputs["model-id"] in ours[0].body
        assert first.outputs["model-id"] not in ours[0].body
        assert f"#issuecomment-{comment_id}" in second.stdout
        _shows_the_comparison(ours[0].body, second, _report(workspace, second))

        methods = [method for method, _ in github.state.requests]
        # benchmark-test on a pull request comments too; both trainings edit that comment.
        assert methods.count("POST") == 1 and methods.count("PATCH") == 2
        assert f"/repos/{REPOSITORY}/issues/comments/{planted.id}" not in {
            path for _, path in github.state.requests}
        assert all(path.startswith(f"/repos/{REPOSITORY}/issues/") or path == "/user"
                   for _, path in github.state.requests)


def test_fork_token_that_may_not_write_warns_and_passes(speech_service: RecordingService,
                                                        workspace: Path,
                                                        tmp_path: Path) -> None:
    with running_github_api(TOKEN, read_only_tokens={FORK_TOKEN}) as github:
        _run("benchmark-test", speech_service, workspace, tmp_path / "s1", github,
             token=FORK_TOKEN)
        run = _run("train-and-gate", speech_service, workspace, tmp_path / "s2", github,
                   token=FORK_TOKEN)
        assert github.state.comments == []
        assert any(method == "POST" for method, _ in github.state.requests)
    warnings = [line for line in run.annotations("warning") if "PR comment" in line]
    assert warnings and "403" in warnings[0], run.stdout
    assert run.annotations("error") == []
    assert run.outputs["improved"] == "true"
    assert f"{run.outputs['wer']} %" in run.summary  # the report still reaches the summary
    assert FORK_TOKEN in _masked_first(run.stdout)


def _masked_first(stdout: str) -> set[str]:
    """The values masked by the `::add-mask::` lines that open the log."""
    masked: set[str] = set()
    for line in stdout.splitlines():
        if not line.startswith("::add-mask::"):
            break
        masked.add(line.removeprefix("::add-mask::"))
    return masked


def test_no_comment_without_a_pull_request_number(speech_service: RecordingService,
                                                  workspace: Path, tmp_path: Path) -> None:
    with running_github_api(TOKEN) as github:
        inputs = {"mode": "benchmark-test", "speech-endpoint": speech_service.url,
                  "speech-key": SPEECH_KEY, "poll-seconds": "0.05", "github-token": TOKEN}
        run = run_action(inputs, workspace, tmp_path / "s1", event_name="push", event={},
                         extra_env={"GITHUB_API_URL": github.url}, timeout_s=300)
        assert run.returncode == 0, run.all_text
        assert github.state.requests == []
    assert TOKEN not in run.all_text
