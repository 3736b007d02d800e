"""A stand-in of the runner's OIDC token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`).

GitHub Docs, "OpenID Connect" / `@actions/core` `getIDToken`: GET the request URL plus
`&audience=<aud>` with `Authorization: bearer $ACTIONS_ID_TOKEN_REQUEST_TOKEN`; the answer
is `{"value": "<JWT>"}`, the JWT signed by GitHub's issuer. Plain http on 127.0.0.1.
"""

from __future__ import annotations

import secrets
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.loopback_http import LoopbackServer
from tests.support.token_issuer import TokenIssuer

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
SUBJECT = "repo:octo-org/speech-models:ref:refs/heads/main"


class GitHubOidcStandIn:
    def __init__(self, lifetime_s: float = 300) -> None:
        self.issuer = TokenIssuer(GITHUB_ISSUER)
        self.request_token = f"runtime-{secrets.token_hex(16)}"
        self.lifetime_s = lifetime_s
        self.issued: list[str] = []
        self.refused = 0
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._handle)
        self.request_url = f"{self._server.base_url}/idtoken?api-version=2.0"

    def environment(self) -> dict[str, str]:
        return {"ACTIONS_ID_TOKEN_REQUEST_URL": self.request_url,
                "ACTIONS_ID_TOKEN_REQUEST_TOKEN": self.request_token}

    def _handle(self, method: str, target: str, headers: dict[str, str],
                body: bytes) -> tuple[int, Any]:
        query = parse_qs(urlsplit(target).query)
        if headers.get("Authorization") != f"bearer {self.request_token}":
            with self._lock:
                self.refused += 1
            return 401, {"message": "Bad credentials"}
        if method != "GET" or query.get("api-version") != ["2.0"] or "audience" not in query:
            return 400, {"message": "expected GET with api-version=2.0 and an audience"}
        token = self.issuer.issue(query["audience"][0], self.lifetime_s, sub=SUBJECT,
                                  repository="octo-org/speech-models", ref="refs/heads/main")
        with self._lock:
            self.issued.append(token)
        return 200, {"count": 1, "value": token}

    def stop(self) -> None:
        self._server.stop()
