"""BearerTokenProvider: valid tokens, refreshed on time, errors without tokens (fake time)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from azure.core.credentials import AccessTokenInfo
from azure.core.exceptions import ClientAuthenticationError, ServiceRequestError

from speech_action.auth import SPEECH_SCOPE, BearerTokenProvider, SignInError
from speech_action.redaction import Redactor


@dataclass
class FakeCredential:
    """Hands out the token it holds and a new one once it has expired (as azure-identity's
    cache does when its early refresh failed: the worst case for the provider)."""

    clock: list[float]
    lifetime_s: float = 3600
    issued: list[str] = field(default_factory=list)
    scopes: list[tuple[str, ...]] = field(default_factory=list)
    error: Exception | None = None
    born: float = 0.0

    @property
    def expires_on(self) -> float:
        return self.born + self.lifetime_s

    def get_token_info(self, *scopes: str) -> AccessTokenInfo:
        self.scopes.append(scopes)
        if self.error is not None:
            raise self.error
        if not self.issued or self.expires_on <= self.clock[0]:
            self.issued.append(f"token-{len(self.issued) + 1}-secret")
            self.born = self.clock[0]
        return AccessTokenInfo(self.issued[-1], int(self.expires_on))


def _provider(credential: FakeCredential, redactor: Redactor,
              now: list[float], sleeps: list[float]) -> BearerTokenProvider:
    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds
    return BearerTokenProvider(credential, register_secret=redactor.register,
                               clock=lambda: now[0], sleep=sleep, min_validity_s=10)


def test_a_held_token_is_reused_until_near_expiry_and_always_for_the_speech_scope() -> None:
    now, sleeps, redactor = [1000.0], [], Redactor()
    credential = FakeCredential(now)
    provider = _provider(credential, redactor, now, sleeps)
    assert provider() == provider() == "token-1-secret"
    assert len(credential.scopes) == 1 and credential.scopes[0] == (SPEECH_SCOPE,)
    assert redactor.redact("token-1-secret") == "***"
    now[0] += 3600 - 299  # inside azure-identity's five-minute refresh window: ask again
    provider()
    assert len(credential.scopes) == 2


def test_a_five_hour_wait_keeps_getting_valid_tokens() -> None:
    now, sleeps, redactor = [1000.0], [], Redactor()
    credential = FakeCredential(now)
    provider = _provider(credential, redactor, now, sleeps)
    for _ in range(5 * 60):  # a request every minute for five hours
        token = provider()
        assert token == credential.issued[-1]
        assert credential.expires_on - now[0] > 10  # never handed out about to expire
        now[0] += 60
    assert len(credential.issued) >= 5
    assert all(redactor.redact(token) == "***" for token in credential.issued)


def test_a_token_about_to_expire_is_waited_out_and_replaced() -> None:
    now, sleeps = [1000.0], []
    credential = FakeCredential(now)
    provider = _provider(credential, Redactor(), now, sleeps)
    provider()
    now[0] += 3600 - 4  # azure-identity's early refresh failed: 4 s left
    assert provider() == "token-2-secret"
    assert sleeps and sleeps[0] == pytest.approx(4.05)


def test_an_entra_refusal_is_a_sign_in_error_with_advice_and_no_token() -> None:
    now = [1000.0]
    credential = FakeCredential(now, error=ClientAuthenticationError(
        message="Microsoft Entra ID error '(invalid_request) AADSTS700213: No matching "
                "federated identity record found for presented assertion subject "
                "'repo:o/r:pull_request'.'"))
    provider = _provider(credential, Redactor(), now, [])
    with pytest.raises(SignInError) as caught:
        provider()
    message = str(caught.value)
    assert "AADSTS700213" in message and "federated credential" in message
    assert "repo:<owner>/<repo>:pull_request" in message
    assert caught.value.__cause__ is None


def test_an_unreachable_authority_is_a_sign_in_error() -> None:
    now = [1000.0]
    credential = FakeCredential(now, error=ServiceRequestError("SSL: CERTIFICATE_VERIFY_FAILED"))
    with pytest.raises(SignInError, match=r"could not be reached.*AZURE_AUTHORITY_HOST"):
        _provider(credential, Redactor(), now, [])()
