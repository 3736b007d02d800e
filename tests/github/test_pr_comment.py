"""The PR comment against a local stand-in of the GitHub API (real HTTP on 127.0.0.1).

GitHub behaviour the tests rely on: REST "Get the authenticated user" (`GET /user`) names
a personal access token's user and answers an installation token (the workflow's
`GITHUB_TOKEN`, GitHub docs "Automatic token authentication") with 403 "Resource not
accessible by integration" (seen in actions/create-github-app-token#258; the reference page
does not say it); REST "List issue comments" gives each comment's `user.login` and
`user.type`; the `GITHUB_TOKEN` writes as `github-actions[bot]`, typed `Bot`.
"""

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
from tests.support.github_api import ACTIONS_BOT, running_github_api

TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
REPO = "contoso/speech-data"
REPORT_1 = "## WER report\n\n| model | WER |\n|---|---|\n| benchmark | 12.50 |\n| new | 10.00 |"
REPORT_2 = "## WER report\n\n| model | WER |\n|---|---|\n| benchmark | 12.50 |\n| new | 9.75 |"
PAT = "ghp_PersonalAccessToken0000000000000001"
FORBIDDEN_USER = {"message": "Resource not accessible by integration",
                  "documentation_url": "https://docs.github.com/rest/users/users"
                                       "#get-the-authenticated-user"}


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
        mine = github.state.add(REPO, 3, f"{COMMENT_MARKER}\nold report", user=ACTIONS_BOT)
        result = upsert_pr_comment(github.url, REPO, 3, REPORT_2, TOKEN)
        assert result.action == "updated"
        assert mine.body == f"{COMMENT_MARKER}\n{REPORT_2}"
        assert github.state.requests[0] == ("GET", "/user")
        gets = [path for method, path in github.state.requests
                if method == "GET" and path != "/user"]
        assert gets[0] == f"/repos/{REPO}/issues/3/comments?per_page=100"
        assert gets[-1].endswith("page=3")
        assert len(gets) == 3
        assert ("PATCH", f"/repos/{REPO}/issues/comments/{mine.id}") in github.state.requests


def test_another_users_comment_with_the_marker_is_left_alone_for_the_actions_token() -> None:
    """GITHUB_TOKEN: GET /user is 403 for an installation token, so ours are the
    `github-actions[bot]` comments; a reviewer's comment quoting the marker is not ours."""
    with running_github_api(TOKEN) as github:
        planted = github.state.add(REPO, 7, f"{COMMENT_MARKER}\nmerge me, the WER is fine",
                                   user="mallory")
        impostor = github.state.add(REPO, 7, f"{COMMENT_MARKER}\nnot a bot",
                                    user="evil[bot]")
        result = upsert_pr_comment(github.url, REPO, 7, REPORT_1, TOKEN)
        assert result.action == "created"
        assert planted.body.endswith("merge me, the WER is fine")
        assert impostor.body.endswith("not a bot")
        assert not any(method == "PATCH" for method, _ in github.state.requests)
        ours = [c for c in github.state.on(REPO, 7) if c.user == ACTIONS_BOT]
        assert len(ours) == 1 and ours[0].body == f"{COMMENT_MARKER}\n{REPORT_1}"
        # The next run finds that comment, its own, and edits it in place.
        again = upsert_pr_comment(github.url, REPO, 7, REPORT_2, TOKEN)
        assert again.action == "updated" and again.url == result.url
        assert ours[0].body == f"{COMMENT_MARKER}\n{REPORT_2}"
        assert planted.body.endswith("merge me, the WER is fine")


def test_a_personal_access_token_edits_only_its_users_comment() -> None:
    """A PAT: GET /user names the login; the bot's marker comment is not this token's."""
    with running_github_api(TOKEN, users={PAT: "octocat"}) as github:
        bots = github.state.add(REPO, 9, f"{COMMENT_MARKER}\nby the workflow token",
                                user=ACTIONS_BOT)
        other = github.state.add(REPO, 9, f"{COMMENT_MARKER}\nby someone", user="mallory")
        mine = github.state.add(REPO, 9, f"{COMMENT_MARKER}\nold report", user="octocat")
        result = upsert_pr_comment(github.url, REPO, 9, REPORT_2, PAT)
        assert result.action == "updated"
        assert mine.body == f"{COMMENT_MARKER}\n{REPORT_2}"
        assert bots.body.endswith("by the workflow token")
        assert other.body.endswith("by someone")
        created = upsert_pr_comment(github.url, REPO, 10, REPORT_1, PAT)
        assert created.action == "created"
        assert [c.user for c in github.state.on(REPO, 10)] == ["octocat"]


def test_a_bot_login_not_typed_bot_is_not_ours() -> None:
    session = requests.Session()
    listed = [{"id": 11, "body": f"{COMMENT_MARKER}\nx",
               "user": {"login": ACTIONS_BOT, "type": "User"}}]
    with requests_mock.Mocker(session=session) as mock:
        mock.get("http://gh.test/user", status_code=403, json=FORBIDDEN_USER)
        mock.get(f"http://gh.test/repos/{REPO}/issues/5/comments?per_page=100", json=listed)
        mock.post(f"http://gh.test/repos/{REPO}/issues/5/comments", status_code=201,
                  json={"id": 12, "html_url": "https://github.com/x/y/pull/5#issuecomment-12"})
        result = upsert_pr_comment("http://gh.test", REPO, 5, REPORT_1, TOKEN, session=session)
        assert result.action == "created"
        assert [req.method for req in mock.request_history] == ["GET", "GET", "POST"]


def test_a_user_answer_without_login_is_refused() -> None:
    session = requests.Session()
    with requests_mock.Mocker(session=session) as mock:
        mock.get("http://gh.test/user", json={"id": 3})
        with pytest.raises(GitHubError, match="without a `login`"):
            upsert_pr_comment("http://gh.test", REPO, 5, REPORT_1, PAT, session=session)
        assert len(mock.request_history) == 1


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
        mock.get("http://gh.test/user", status_code=403, json=FORBIDDEN_USER)
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
        mock.get("http://gh.test/user", status_code=403, json=FORBIDDEN_USER)
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


def test_our_comment_without_a_usable_id_is_an_error_not_a_patch_elsewhere() -> None:
    session = requests.Session()
    listed = [{"id": "../../pulls/1", "body": f"{COMMENT_MARKER}\nx",
               "user": {"login": ACTIONS_BOT, "type": "Bot"}}]
    with requests_mock.Mocker(session=session) as mock:
        mock.get("http://gh.test/user", status_code=403, json=FORBIDDEN_USER)
        mock.get(f"http://gh.test/repos/{REPO}/issues/5/comments?per_page=100", json=listed)
        with pytest.raises(GitHubError, match="a listed comment has no usable `id`"):
            upsert_pr_comment("http://gh.test", REPO, 5, REPORT_1, TOKEN, session=session)
        assert [req.method for req in mock.request_history] == ["GET", "GET"]


def test_a_token_echoed_across_the_message_cut_leaves_no_prefix() -> None:
    # GitHub's error message is ours to show, cut to 200 characters: redacted first, so a
    # token that straddles the cut leaves none of its characters behind.
    session = requests.Session()
    echoed = "x" * 190 + PAT + " and more"
    with requests_mock.Mocker(session=session) as mock:
        mock.get("http://gh.test/user", status_code=502, text=echoed)
        with pytest.raises(GitHubError) as caught:
            upsert_pr_comment("http://gh.test", REPO, 5, REPORT_1, PAT, session=session)
    message = str(caught.value)
    assert "x" * 190 in message and PAT[:8] not in message
