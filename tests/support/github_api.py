"""A local stand-in for the GitHub REST API's issue comments, on 127.0.0.1.

It keeps comments in memory, answers the calls the action makes (`GET /user`, list with
`Link: rel="next"` pagination, create, update), enforces the bearer token and the
headers, and can play a read-only token (fork pull requests) that gets 403 on writes.

Each token has an identity, as on GitHub: a token listed in `users` is a personal access
token of that login (`GET /user` names it, its comments are the user's); every other token
plays an installation token like the workflow's `GITHUB_TOKEN`: `GET /user` answers 403
"Resource not accessible by integration" and its comments are written by
`github-actions[bot]`, typed `Bot`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_LIST_OR_CREATE = re.compile(r"^/repos/([^/]+/[^/]+)/issues/(\d+)/comments$")
_UPDATE = re.compile(r"^/repos/([^/]+/[^/]+)/issues/comments/(\d+)$")
ACTIONS_BOT = "github-actions[bot]"


@dataclass
class Comment:
    id: int
    repository: str
    issue: int
    body: str
    user: str = ACTIONS_BOT

    @property
    def user_type(self) -> str:
        return "Bot" if self.user.endswith("[bot]") else "User"


@dataclass
class GitHubState:
    token: str
    read_only_tokens: set[str] = field(default_factory=set)
    users: dict[str, str] = field(default_factory=dict)  # personal access token -> login
    comments: list[Comment] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path?query)
    next_id: int = 1000
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, repository: str, issue: int, body: str, user: str = "someone") -> Comment:
        with self.lock:
            self.next_id += 1
            comment = Comment(self.next_id, repository, issue, body, user)
            self.comments.append(comment)
            return comment

    def login_of(self, token: str) -> str:
        """Who comments written with `token` are by."""
        return self.users.get(token, ACTIONS_BOT)

    def on(self, repository: str, issue: int) -> list[Comment]:
        return [c for c in self.comments if (c.repository, c.issue) == (repository, issue)]


@dataclass(frozen=True)
class FakeGitHub:
    url: str
    state: GitHubState


def _as_json(comment: Comment, base: str) -> dict[str, Any]:
    owner_repo = comment.repository
    return {
        "id": comment.id,
        "body": comment.body,
        "user": {"login": comment.user, "type": comment.user_type},
        "url": f"{base}/repos/{owner_repo}/issues/comments/{comment.id}",
        "html_url": f"https://github.com/{owner_repo}/pull/{comment.issue}"
                    f"#issuecomment-{comment.id}",
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def _handle(self, method: str) -> None:
        state = self.server.state
        state.requests.append((method, self.path))
        token = self._authorized()
        if token is None:
            return
        parts = urlsplit(self.path)
        if method == "GET" and parts.path == "/user":
            self._user(token)
        elif method != "GET" and token in state.read_only_tokens:
            self._reply(403, {"message": "Resource not accessible by integration"})
        elif method in ("GET", "POST") and (match := _LIST_OR_CREATE.match(parts.path)):
            issue = int(match.group(2))
            if method == "GET":
                self._list(match.group(1), issue, parse_qs(parts.query))
            else:
                self._create(match.group(1), issue, state.login_of(token))
        elif method == "PATCH" and (match := _UPDATE.match(parts.path)):
            self._update(match.group(1), int(match.group(2)))
        else:
            self._reply(404, {"message": "Not Found"})

    def _authorized(self) -> str | None:
        wanted = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        if any(self.headers.get(name) != value for name, value in wanted.items()):
            self._reply(400, {"message": "missing Accept or X-GitHub-Api-Version header"})
            return None
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        state = self.server.state
        known = {state.token, *state.read_only_tokens, *state.users}
        if not auth.startswith("Bearer ") or token not in known:
            self._reply(401, {"message": "Bad credentials"})
            return None
        return token

    def _user(self, token: str) -> None:
        """REST "Get the authenticated user": installation tokens may not call it."""
        login = self.server.state.users.get(token)
        if login is None:
            self._reply(403, {
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest/users/users"
                                     "#get-the-authenticated-user",
                "status": "403"})
        else:
            self._reply(200, {"login": login, "id": 1, "type": "User"})

    def _list(self, repository: str, issue: int, query: dict[str, list[str]]) -> None:
        per_page = min(int(query.get("per_page", ["30"])[0]), self.server.max_per_page)
        page = int(query.get("page", ["1"])[0])
        comments = self.server.state.on(repository, issue)
        chunk = comments[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(comments):
            path = urlsplit(self.path).path
            headers["Link"] = (f'<{self.server.base}{path}?per_page={per_page}&page={page + 1}>;'
                               ' rel="next"')
        self._reply(200, [_as_json(c, self.server.base) for c in chunk], headers)

    def _create(self, repository: str, issue: int, login: str) -> None:
        comment = self.server.state.add(repository, issue, self._body(), login)
        self._reply(201, _as_json(comment, self.server.base))

    def _update(self, repository: str, comment_id: int) -> None:
        for comment in self.server.state.comments:
            if comment.id == comment_id and comment.repository == repository:
                # Like GitHub for a token that may write to the repository: anyone's
                # comment can be edited, so the action must choose the comment itself.
                comment.body = self._body()
                self._reply(200, _as_json(comment, self.server.base))
                return
        self._reply(404, {"message": "Not Found"})

    def _body(self) -> str:
        length = int(self.headers.get("Content-Length", "0"))
        return str(json.loads(self.rfile.read(length))["body"])

    def _reply(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: GitHubState, max_per_page: int) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.max_per_page = max_per_page
        self.base = f"http://127.0.0.1:{self.server_address[1]}"


@contextmanager
def running_github_api(token: str, *, read_only_tokens: set[str] | None = None,
                       users: dict[str, str] | None = None,
                       max_per_page: int = 100) -> Iterator[FakeGitHub]:
    """Serve the stand-in API until the block ends; `users` maps personal access tokens to
    their logins (other tokens play installation tokens); `max_per_page` caps page sizes
    (lower it to exercise pagination with few comments)."""
    state = GitHubState(token=token, read_only_tokens=set(read_only_tokens or ()),
                        users=dict(users or {}))
    server = _Server(state, max_per_page)
    # A short poll interval so that shutdown() returns quickly at the end of each test.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield FakeGitHub(url=server.base, state=state)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
