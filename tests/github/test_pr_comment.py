"""The PR comment against a local stand-in of the GitHub API (real HTTP on 127.0.0.1)."""

from __future__ import annotations

import pytest
import requests
import requests_mock

from speech_action.errors import SpeechActionError
from speech_action.github.limits import COMMENT_MAX_CHARS
from speech_action.github.pr_comment import (
    GitHubError,
    pr_number_from_event,
    upsert_pr_comment,
    with_marker,
)
from speech_action.report import COMMENT_MARKER
from tests.support.azurite import free_port
from tests.support.github_api import running_github_api

TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
REPO = "contoso/speech-data"
REPORT_1 = "## WER report\n\n| model | WER |\n|---|---|\n| benchmark | 12.50 |\n| new | 10.00 |"
REPORT_2 = "## WER report\n\n| model | WER |\n|---|---|\n| benchmark | 12.50 |\n| new | 9.75 |"


def test_two_upserts_leave_one_comment_with_the_second_body() -> None:
    with running_github_api(TOKEN) as github:
        github.state.add(REPO, 7, "LGTM, but please check the new words", user="reviewer")
        github.state.add(REPO, 8, f"{COMMENT_MARKER}\nanother pull request's report")
        first = upsert_pr_comment(github.url, REPO, 7, REPORT_1, TOKEN)
        second = upsert_pr_comment(github.url, REPO, 7, REPORT_2, TOKEN)
        ours = [c for c in github.state.on(REPO, 7) if COMMENT_MARKER in c.body]
        assert [first.action, second.action] == ["created", "updated"]
        assert len(ours) == 1
        assert ours[0].body == f"{COMMENT_MARKER}\n{REPORT_2}"
        assert second.url == first.url == (
            f"https://github.com/{REPO}/pull/7#issuecomment-{ours[0].id}"
        )
        assert first.warning is None and second.warning is None
        assert github.state.on(REPO, 8)[0].body.endswith("another pull request's report")
        assert len(github.state.on(REPO, 7)) == 2  # the reviewer's comment is untouched


def test_the_marker_comment_is_found_on_a_later_page() -> None:
    with running_github_api(TOKEN, max_per_page=2) as github:
        for n in range(5):
            github.state.add(REPO, 3, f"discussion {n}", user="reviewer")
        mine = github.state.add(REPO, 3, f"{COMMENT_MARKER}\nold report")
        result = upsert_pr_comment(github.url, REPO, 3, REPORT_2, TOKEN)
        assert result.action == "updated"
        assert mine.body == f"{COMMENT_MARKER}\n{REPORT_2}"
        gets = [path for method, path in github.state.requests if method == "GET"]
        assert gets[0] == f"/repos/{REPO}/issues/3/comments?per_page=100"
        assert gets[-1].endswith("page=3")
        assert len(gets) == 3
        assert ("PATCH", f"/repos/{REPO}/issues/comments/{mine.id}") in github.state.requests


def test_a_read_only_token_gives_a_warning_not_an_error() -> None:
    fork_token = "ghs_forkReadOnly0000000000000000000000"
    with running_github_api(TOKEN, read_only_tokens={fork_token}) as github:
        result = upsert_pr_comment(github.url, REPO, 12, REPORT_1, fork_token)
        assert result.action == "skipped"
        assert result.url is None
        assert result.warning is not None
        assert "403" in result.warning and "forks" in result.warning
        assert fork_token not in result.warning
        assert github.state.on(REPO, 12) == []


def test_a_bad_token_fails_without_showing_the_token() -> None:
    wrong = "ghp_WrongWrongWrongWrongWrongWrong0001"
    with running_github_api(TOKEN) as github, pytest.raises(GitHubError) as caught:
        upsert_pr_comment(github.url, REPO, 7, REPORT_1, wrong)
    message = str(caught.value)
    assert "401" in message and "Bad credentials" in message and "`github-token`" in message
    assert wrong not in message and TOKEN not in message
    assert isinstance(caught.value, SpeechActionError)


def test_an_unreachable_api_fails_without_showing_the_token() -> None:
    api = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with pytest.raises(GitHubError) as caught:
        upsert_pr_comment(api, REPO, 7, REPORT_1, TOKEN)
    assert f"could not reach the GitHub API at {api}" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert caught.value.__cause__ is None


def test_no_token_skips_with_a_warning() -> None:
    result = upsert_pr_comment("http://127.0.0.1:9", REPO, 7, REPORT_1, "")
    assert result.action == "skipped"
    assert result.warning is not None and "github-token" in result.warning


def test_a_server_error_names_the_pull_request_and_status() -> None:
    session = requests.Session()
    with requests_mock.Mocker(session=session) as mock:
        mock.get(f"http://gh.test/repos/{REPO}/issues/5/comments?per_page=100", json=[])
        mock.post(f"http://gh.test/repos/{REPO}/issues/5/comments", status_code=502,
                  reason="Bad Gateway", text=f"<html>upstream error {TOKEN}</html>")
        with pytest.raises(GitHubError) as caught:
            upsert_pr_comment("http://gh.test/", REPO, 5, REPORT_1, TOKEN, session=session)
    message = str(caught.value)
    expected = f"could not comment on pull request #5 of {REPO}: GitHub answered 502 Bad Gateway"
    assert message.startswith(expected)
    assert TOKEN not in message and "***" in message


def test_the_token_is_not_sent_to_a_next_link_on_another_host() -> None:
    session = requests.Session()
    with requests_mock.Mocker(session=session) as mock:
        mock.get(f"http://gh.test/repos/{REPO}/issues/5/comments?per_page=100", json=[],
                 headers={"Link": '<http://evil.test/steal?page=2>; rel="next"'})
        with pytest.raises(GitHubError, match=r"refusing to send the token to evil\.test"):
            upsert_pr_comment("http://gh.test", REPO, 5, REPORT_1, TOKEN, session=session)
        assert all(req.hostname == "gh.test" for req in mock.request_history)


def test_a_malformed_repository_is_refused() -> None:
    with pytest.raises(GitHubError, match="not of the form `owner/name`"):
        upsert_pr_comment("http://127.0.0.1:9", "just-a-name", 1, REPORT_1, TOKEN)


def test_a_huge_body_is_cut_to_githubs_limit_keeping_the_marker() -> None:
    text = with_marker("x" * (COMMENT_MAX_CHARS + 500))
    assert len(text) == COMMENT_MAX_CHARS
    assert text.startswith(COMMENT_MARKER)
    assert text.endswith("the full report is in the job summary)")
    assert with_marker(f"intro\n{COMMENT_MARKER}\nbody") == f"intro\n{COMMENT_MARKER}\nbody"


@pytest.mark.parametrize(("event", "number"), [
    ({"pull_request": {"number": 42, "head": {"ref": "x"}}}, 42),
    ({"push": {}, "ref": "refs/heads/main"}, None),
    ({"pull_request": {"number": "42"}}, None),
    ({"pull_request": None}, None),
])
def test_pr_number_comes_from_the_event_payload(event: dict[str, object],
                                                number: int | None) -> None:
    assert pr_number_from_event(event) == number
