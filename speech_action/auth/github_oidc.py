"""GitHub's OIDC token for this job, as Microsoft Entra ID's client assertion.

A job with `permissions: id-token: write` gets `ACTIONS_ID_TOKEN_REQUEST_URL` and
`ACTIONS_ID_TOKEN_REQUEST_TOKEN`; a GET of the URL with `&audience=<aud>` and
`Authorization: bearer <request token>` answers `{"value": "<JWT>"}` (GitHub Docs, "OpenID
Connect": "Methods for requesting the OIDC token"; `@actions/core` `getIDToken`, which
URL-encodes the audience). Entra ID's workload identity federation expects the audience
`api://AzureADTokenExchange` (Learn, "Workload identity federation").

The token is short-lived (its `exp` is minutes after its `iat`), so none is kept: a fresh
one is fetched every time an access token is needed (azure-identity calls the assertion
function for every new access token, `ClientAssertionCredential`'s `func`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import quote

import requests

from speech_action.auth.errors import IdTokenUnavailableError, SignInError
from speech_action.client.errors import redact_url
from speech_action.redaction import redact

REQUEST_URL_VARIABLE = "ACTIONS_ID_TOKEN_REQUEST_URL"
REQUEST_TOKEN_VARIABLE = "ACTIONS_ID_TOKEN_REQUEST_TOKEN"
ENTRA_AUDIENCE = "api://AzureADTokenExchange"
_MISSING = (
    "GitHub's OIDC token is not available to this step ({missing} not set): add "
    "`permissions: id-token: write` to the job (or the workflow) that runs the action; keyless "
    "sign-in exchanges that token for a Microsoft Entra ID access token "
    "(GitHub Docs, \"OpenID Connect\": \"Adding permissions settings\")."
)


class GitHubIdToken:
    """A callable that returns a fresh GitHub OIDC token (a JWT) on every call.

    Both the request token and each OIDC token are handed to `register_secret` before
    anything could print them; neither ever appears in an error message.
    """

    def __init__(self, environment: Mapping[str, str], *,
                 register_secret: Callable[[str], object], audience: str = ENTRA_AUDIENCE,
                 session: requests.Session | None = None, timeout_s: float = 30) -> None:
        url = environment.get(REQUEST_URL_VARIABLE, "")
        token = environment.get(REQUEST_TOKEN_VARIABLE, "")
        missing = [name for name, value in ((REQUEST_URL_VARIABLE, url),
                                            (REQUEST_TOKEN_VARIABLE, token)) if not value]
        if missing:
            raise IdTokenUnavailableError(_MISSING.format(missing=" and ".join(missing)))
        register_secret(token)
        self._register = register_secret
        self._token = token
        self._url = f"{url}{'&' if '?' in url else '?'}audience={quote(audience, safe='')}"
        self._session = session or requests.Session()
        self._timeout_s = timeout_s

    def __call__(self) -> str:
        response = self._get()
        value = _value(response)
        if not value:
            raise SignInError(
                f"GitHub's OIDC token service ({redact_url(self._url)}) answered HTTP "
                f"{response.status_code} without a token; re-run the job, and check that it "
                "has `permissions: id-token: write`.")
        self._register(value)
        return value

    def _get(self) -> requests.Response:
        try:
            # `requests` drops Authorization itself if a redirect leaves the host.
            response = self._session.get(
                self._url, headers={"Authorization": f"bearer {self._token}",
                                    "Accept": "application/json"},
                timeout=self._timeout_s)
        except requests.RequestException as exc:
            raise SignInError(
                f"GitHub's OIDC token service ({redact_url(self._url)}) could not be reached "
                f"({type(exc).__name__}); re-run the job.") from None
        if not response.ok:
            said = redact(response.text.strip(), also=[self._token])[:200]
            raise SignInError(
                f"GitHub's OIDC token service ({redact_url(self._url)}) refused the request "
                f"with HTTP {response.status_code} ({said or response.reason}); check that the "
                "job has `permissions: id-token: write` and re-run.")
        return response


def _value(response: requests.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return ""
    value = payload.get("value") if isinstance(payload, dict) else None
    return value if isinstance(value, str) else ""
