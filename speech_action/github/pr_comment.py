"""The pull-request comment: one WER comment per pull request, updated in place.

The comment is found by the hidden marker the report starts it with (`COMMENT_MARKER`), so
every run of the workflow edits the same comment instead of adding a new one. Anyone can
type the marker into a comment, so only a comment written by the token's own identity is
ever edited: `GET /user` names the user of a personal access token; the workflow's
`GITHUB_TOKEN` is a GitHub App installation token, for which GitHub answers that call with
403 "Resource not accessible by integration", and whose comments are written by
`github-actions[bot]` (a `Bot`). Another GitHub App's installation token gets the same 403
but writes as `<app>[bot]`, which GitHub gives no way to learn before writing: its earlier
comments are not recognised and each run creates a new one (fail safe: never edit a comment
that may be someone else's).

A pull request from a fork gets a read-only token: the API then answers 403 (or 404) to
writes, which is a warning for the run, not a failure. The token is sent only to the
configured API origin and never appears in a message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

import requests

from speech_action.errors import SpeechActionError
from speech_action.github.context import DEFAULT_API_URL
from speech_action.github.limits import COMMENT_MAX_CHARS
from speech_action.redaction import redact
from speech_action.report.markdown import COMMENT_MARKER

MAX_PAGES = 100
# Who writes the comments of the workflow's `GITHUB_TOKEN` (GitHub docs, "Automatic token
# authentication": the token is an installation access token of the GitHub Actions app).
ACTIONS_BOT_LOGIN = "github-actions[bot]"
TIMEOUT_S = 30.0
_TRUNCATION_NOTE = "\n\n… (truncated: the full report is in the job summary)"


class GitHubError(SpeechActionError):
    """The GitHub API refused or failed a request for the pull-request comment."""


@dataclass(frozen=True)
class CommentResult:
    action: Literal["created", "updated", "skipped"]
    url: str | None = None
    warning: str | None = None


def pr_number_from_event(event: Mapping[str, Any]) -> int | None:
    """The pull request's number from a parsed `GITHUB_EVENT_PATH` payload, if any."""
    pull_request = event.get("pull_request")
    if not isinstance(pull_request, Mapping):
        return None
    number = pull_request.get("number")
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def with_marker(body: str) -> str:
    """The body with the marker first, cut to GitHub's size limit."""
    text = body if COMMENT_MARKER in body else f"{COMMENT_MARKER}\n{body}"
    if len(text) <= COMMENT_MAX_CHARS:
        return text
    return text[: COMMENT_MAX_CHARS - len(_TRUNCATION_NOTE)] + _TRUNCATION_NOTE


def upsert_pr_comment(
    api_url: str,
    repository: str,
    pr_number: int,
    body: str,
    token: str,
    *,
    session: requests.Session | None = None,
) -> CommentResult:
    """Create the report comment on pull request `pr_number`, or update the existing one."""
    if not token:
        return CommentResult("skipped", warning=(
            "No `github-token`: the WER report was not commented on the pull request. "
            "Pass `github-token: ${{ github.token }}` with `pull-requests: write`."
        ))
    own_session = session is None
    api = _Api(api_url, repository, token, session or requests.Session())
    try:
        return _upsert(api, pr_number, with_marker(body), f"pull request #{pr_number} of "
                       f"{repository}")
    finally:
        if own_session:
            api.close()


def _upsert(api: _Api, pr_number: int, text: str, where: str) -> CommentResult:
    existing = api.find_comment(pr_number, api.identity(where), where)
    if isinstance(existing, CommentResult):
        return existing
    if existing is None:
        return api.write("POST", f"{api.repo_url}/issues/{pr_number}/comments", text, where)
    return api.write("PATCH", f"{api.repo_url}/issues/comments/{existing}", text, where)


def _written_by(comment: Mapping[str, Any], login: str) -> bool:
    """Whether `login` wrote `comment` (REST issue comments: `user.login`, `user.type`)."""
    user = comment.get("user")
    if not isinstance(user, Mapping) or user.get("login") != login:
        return False
    # A `[bot]` login is an app's, never a person's: it must be typed `Bot` as well.
    return not login.endswith("[bot]") or user.get("type") == "Bot"


def _comment_id(comment: Mapping[str, Any], where: str) -> int:
    number = comment.get("id")
    if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
        raise GitHubError(f"{where}: a listed comment has no usable `id` ({number!r})")
    return number


def _no_permission(where: str, status: int) -> CommentResult:
    return CommentResult("skipped", warning=(
        f"GitHub answered {status} when commenting on {where}: the token may not write "
        "to it (pull requests from forks get a read-only token). The report is in the job "
        "summary; grant `pull-requests: write` to comment."
    ))


def _parsed(answer: requests.Response) -> Any:
    """The answer's JSON; None when its body is not JSON."""
    try:
        return answer.json()
    except ValueError:
        return None


class _Api:
    def __init__(self, api_url: str, repository: str, token: str,
                 session: requests.Session) -> None:
        if repository.count("/") != 1 or not all(repository.split("/")):
            raise GitHubError(
                f"repository {repository!r} is not of the form `owner/name` "
                "(it comes from GITHUB_REPOSITORY)"
            )
        self.base = api_url.rstrip("/") or DEFAULT_API_URL
        self.repo_url = f"{self.base}/repos/{repository}"
        self._origin = urlsplit(self.base)[:2]
        self._token = token
        self._session = session

    def close(self) -> None:
        self._session.close()

    def identity(self, where: str) -> str:
        """The login the token writes comments as (REST "Get the authenticated user")."""
        answer = self._send("GET", f"{self.base}/user", where)
        if answer.status_code == 403:
            # An installation token may not read /user ("Resource not accessible by
            # integration", seen in actions/create-github-app-token#258; the REST reference
            # does not list it); the workflow's GITHUB_TOKEN is one and writes as the Actions
            # bot. Any 403 is taken this way: at worst a new comment, never someone else's.
            return ACTIONS_BOT_LOGIN
        self._check(answer, "learn whose token comments on", where)
        login = self._json(answer, where).get("login")
        if not isinstance(login, str) or not login:
            raise GitHubError(f"{where}: GET /user answered without a `login`; cannot tell "
                              "which comments are this token's own")
        return login

    def find_comment(self, pr_number: int, login: str,
                     where: str) -> int | CommentResult | None:
        """The id of the first comment by `login` carrying the marker; a result if not
        allowed. A marker in anyone else's comment is ignored: it is not ours to edit."""
        url: str | None = f"{self.repo_url}/issues/{pr_number}/comments?per_page=100"
        for _ in range(MAX_PAGES):
            if url is None:
                return None
            answer = self._send("GET", url, where)
            if answer.status_code == 403:
                return _no_permission(where, 403)
            self._check(answer, "list the comments of", where)
            for comment in self._json_list(answer, where):
                if _written_by(comment, login) and COMMENT_MARKER in str(comment.get("body")
                                                                        or ""):
                    return _comment_id(comment, where)
            url = self._next_page(answer)
        raise GitHubError(f"{where}: more than {MAX_PAGES} pages of comments; giving up")

    def write(self, method: str, url: str, body: str, where: str) -> CommentResult:
        answer = self._send(method, url, where, json={"body": body})
        if answer.status_code in (403, 404):
            return _no_permission(where, answer.status_code)
        self._check(answer, "comment on", where)
        html_url = self._json(answer, where).get("html_url")
        action: Literal["created", "updated"] = "created" if method == "POST" else "updated"
        return CommentResult(action, url=str(html_url) if html_url else None)

    def _send(self, method: str, url: str, where: str, **kwargs: Any) -> requests.Response:
        if urlsplit(url)[:2] != self._origin:
            raise GitHubError(f"{where}: refusing to send the token to {urlsplit(url).netloc}")
        headers = {
            "Authorization": f"Bearer {self._token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        try:
            return self._session.request(method, url, headers=headers, timeout=TIMEOUT_S,
                                         **kwargs)
        except requests.RequestException as exc:
            raise GitHubError(
                f"{where}: could not reach the GitHub API at {self.base} "
                f"({type(exc).__name__}); check `GITHUB_API_URL` and the network"
            ) from None  # the exception text may quote request details

    def _check(self, answer: requests.Response, doing: str, where: str) -> None:
        if answer.ok:
            return
        detail = self._message(answer)
        hint = ("check `github-token`" if answer.status_code == 401
                else "re-run the job if GitHub is having trouble")
        raise GitHubError(
            f"could not {doing} {where}: GitHub answered {answer.status_code} "
            f"{answer.reason or ''} ({detail}); {hint}"
        )

    def _message(self, answer: requests.Response) -> str:
        """GitHub's message, redacted (the token and every registered secret, in all their
        forms) before it is cut: a cut first could keep most of an echoed token."""
        try:
            data = answer.json()
        except ValueError:
            text = answer.text
        else:
            text = str(data.get("message", "")) if isinstance(data, dict) else str(data)
        return redact(text, also=[self._token])[:200]

    def _json(self, answer: requests.Response, where: str) -> dict[str, Any]:
        data = _parsed(answer)
        if not isinstance(data, dict):
            raise GitHubError(f"{where}: the GitHub API answered with non-JSON or a non-object")
        return data

    def _json_list(self, answer: requests.Response, where: str) -> Iterator[dict[str, Any]]:
        data = _parsed(answer)
        if not isinstance(data, list):
            raise GitHubError(f"{where}: listing comments did not answer a JSON list")
        return (item for item in data if isinstance(item, dict))

    def _next_page(self, answer: requests.Response) -> str | None:
        link = answer.links.get("next", {}).get("url")
        return str(link) if link else None
