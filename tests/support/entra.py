"""A stand-in Microsoft Entra ID token endpoint over https on 127.0.0.1 (test CA).

It serves what azure-identity's `ClientAssertionCredential` asks for: POST
`<authority>/<tenant>/oauth2/v2.0/token` with `grant_type=client_credentials`,
`client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer`, the GitHub
token as `client_assertion`, `client_id` and `scope` (Learn, "Microsoft identity platform and
the OAuth 2.0 client credentials flow", "Third case: Access token request with a federated
credential"). The assertion is verified as Entra ID would against its federated credential:
GitHub's signature, issuer, audience `api://AzureADTokenExchange` and subject. Answers are
short-lived access tokens signed by this stand-in, with Entra's error shape otherwise
(`error`, `error_description` with an AADSTS code). Every path asked is recorded, so a test
can show no instance discovery or OpenID configuration was requested.
"""

from __future__ import annotations

import threading
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

from tests.support.certs import LoopbackCa
from tests.support.github_oidc import SUBJECT, GitHubOidcStandIn
from tests.support.loopback_http import LoopbackServer
from tests.support.token_issuer import TokenIssuer

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SPEECH_RESOURCE = "https://cognitiveservices.azure.com"
# Azure Storage's resource: Blob asks for `<it>/.default`, and Azurite's `--oauth basic`
# accepts it as the audience.
STORAGE_RESOURCE = "https://storage.azure.com"
RESOURCES = frozenset({SPEECH_RESOURCE, STORAGE_RESOURCE})
TENANT_ID = "72f988bf-0000-4000-8000-00000000beef"
CLIENT_ID = "0d5c1e2f-1111-4222-8333-444455556666"


class EntraStandIn:
    def __init__(self, ca: LoopbackCa, github: GitHubOidcStandIn, *, lifetime_s: int = 3600,
                 tenant_id: str = TENANT_ID, client_id: str = CLIENT_ID,
                 subject: str = SUBJECT) -> None:
        self.tenant_id, self.client_id, self.subject = tenant_id, client_id, subject
        self.github = github
        self.lifetime_s = lifetime_s
        self.object_id = str(uuid.uuid4())
        self.issuer = TokenIssuer(f"https://sts.windows.net/{tenant_id}/")
        self.paths: list[str] = []
        self.issued: list[str] = []
        self.assertions: list[str] = []
        self._lock = threading.Lock()
        self._server = LoopbackServer(self._handle, tls=ca.server_context())
        self.authority = self._server.base_url  # what AZURE_AUTHORITY_HOST would name

    def _handle(self, method: str, target: str, headers: dict[str, str],
                body: bytes) -> tuple[int, Any]:
        path = urlsplit(target).path
        with self._lock:
            self.paths.append(f"{method} {path}")
        if method != "POST" or path != f"/{self.tenant_id}/oauth2/v2.0/token":
            return _error(404, "invalid_request", "AADSTS90002: Tenant or path not found.")
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        refusal = self._refusal(form)
        if refusal is not None:
            return refusal
        with self._lock:
            self.assertions.append(form["client_assertion"])
        resource = form["scope"].removesuffix("/.default")  # _refusal checked it
        token = self.issuer.issue(resource, self.lifetime_s, oid=self.object_id,
                                  tid=self.tenant_id, appid=self.client_id)
        with self._lock:
            self.issued.append(token)
        return 200, {"token_type": "Bearer", "expires_in": self.lifetime_s,
                     "ext_expires_in": self.lifetime_s, "access_token": token}

    def _refusal(self, form: dict[str, str]) -> tuple[int, Any] | None:
        if (form.get("grant_type") != "client_credentials"
                or form.get("client_assertion_type") != ASSERTION_TYPE):
            return _error(400, "unsupported_grant_type", "AADSTS70003: unsupported grant.")
        if form.get("client_id") != self.client_id:
            return _error(400, "unauthorized_client", "AADSTS700016: Application with "
                          f"identifier '{form.get('client_id')}' was not found in the directory.")
        if form.get("scope") not in {f"{resource}/.default" for resource in RESOURCES}:
            return _error(400, "invalid_scope", "AADSTS70011: The provided scope is not valid.")
        try:
            claims = self.github.issuer.verify(form.get("client_assertion", ""),
                                               "api://AzureADTokenExchange")
        except jwt.PyJWTError:
            return _error(401, "invalid_client", "AADSTS700024: Client assertion is not "
                          "within its valid time range, or is not valid.")
        if claims.get("sub") != self.subject:
            return _error(400, "invalid_request", "AADSTS700213: No matching federated "
                          f"identity record found for presented assertion subject "
                          f"'{claims.get('sub')}'.")
        return None

    def stop(self) -> None:
        self._server.stop()


def _error(status: int, error: str, description: str) -> tuple[int, Any]:
    return status, {"error": error, "error_description": description, "error_codes": [
        int(description[len("AADSTS"):description.index(":")])]}
