"""Access tokens for the Speech client: valid when handed out, fresh before they expire.

azure-identity caches the access token and asks Entra ID for a new one when the cached one
is within five minutes of expiry (`DEFAULT_REFRESH_OFFSET`), at most once every 30 s
(`DEFAULT_TOKEN_REFRESH_RETRY_DELAY`), and always once it has expired. So a five-hour
training wait keeps working: each request asks this provider, the provider asks the
credential whenever its own copy is that close to expiry, and the credential fetches a new
token (with a fresh GitHub token as its assertion) on time.

One gap remains: between a failed early refresh and expiry, azure-identity keeps returning
the old token, which could expire while a request is on its way. A token with less than
`min_validity_s` left is therefore not handed out: the provider waits until it has expired,
when azure-identity must fetch a new one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import AzureError, ClientAuthenticationError

from speech_action.auth.credential import SPEECH_SCOPE
from speech_action.auth.errors import SignInError, sign_in_advice
from speech_action.redaction import redact

# azure-identity's own refresh offset (azure/identity/_constants.py, DEFAULT_REFRESH_OFFSET).
REFRESH_OFFSET_S = 300.0


class TokenCredential(Protocol):
    """What the provider needs of an azure-identity credential."""

    def get_token_info(self, *scopes: str) -> AccessTokenInfo: ...


class BearerTokenProvider:
    """`provider()` -> an access token for `scope`, registered as a secret before returned."""

    def __init__(self, credential: TokenCredential, *, register_secret: Callable[[str], object],
                 scope: str = SPEECH_SCOPE, who: str = "the Entra ID app",
                 min_validity_s: float = 10.0, clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._credential = credential
        self._register = register_secret
        self._scope = scope
        self._who = who
        self._min_validity_s = min_validity_s
        self._clock = clock  # epoch seconds: `expires_on` is one
        self._sleep = sleep
        self._held: AccessTokenInfo | None = None
        self._lock = threading.Lock()

    @property
    def credential(self) -> TokenCredential:
        """The sign-in behind the tokens (azure-identity's credential): Blob takes the same one
        for its own scope (`speech_action.auth.storage_credential`)."""
        return self._credential

    @property
    def who(self) -> str:
        """Who signs in, as error messages name it."""
        return self._who

    def __call__(self) -> str:
        with self._lock:
            held = self._held
            if held is None or held.expires_on - self._clock() <= REFRESH_OFFSET_S:
                held = self._held = self._fetch()
            return held.token

    def _fetch(self) -> AccessTokenInfo:
        info = self._ask()
        left = info.expires_on - self._clock()
        if left < self._min_validity_s:
            # Past its expiry azure-identity must ask Entra ID; a token that is short-lived
            # from the start (shorter than the margin) is used as it is after that one try.
            self._sleep(max(0.0, left) + 0.05)
            info = self._ask()
        return info

    def _ask(self) -> AccessTokenInfo:
        """The credential's token, registered as a secret whether or not it is handed out."""
        return fetch_token_info(lambda: self._credential.get_token_info(self._scope),
                                scope=self._scope, who=self._who,
                                register_secret=self._register)


def fetch_token_info(ask: Callable[[], AccessTokenInfo], *, scope: str, who: str,
                     register_secret: Callable[[str], object]) -> AccessTokenInfo:
    """`ask()`'s token, registered as a secret; a refusal or an unreachable Entra ID becomes a
    `SignInError` that says what to fix and holds no token."""
    try:
        info = ask()
    except ClientAuthenticationError as exc:
        said = redact(str(exc.message or exc))[:500]
        raise SignInError(
            f"Microsoft Entra ID sign-in of {who} for {scope} failed: {said}. "
            f"What to do: {sign_in_advice(said)}.") from None
    except AzureError as exc:  # no answer: DNS, TLS, connection (azure-core retried)
        raise SignInError(
            f"Microsoft Entra ID could not be reached to sign in {who} "
            f"({type(exc).__name__}); check AZURE_AUTHORITY_HOST and the runner's network, "
            "then re-run.") from None
    register_secret(info.token)
    return info
