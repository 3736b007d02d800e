"""The job's GitHub OIDC token: requested as GitHub documents, fresh on every call, a secret."""

from __future__ import annotations

import jwt
import pytest

from speech_action.auth import ENTRA_AUDIENCE, GitHubIdToken, IdTokenUnavailableError, SignInError
from speech_action.errors import ConfigError
from speech_action.redaction import Redactor
from tests.support.github_oidc import GitHubOidcStandIn


@pytest.mark.parametrize("missing", [["ACTIONS_ID_TOKEN_REQUEST_URL"],
                                     ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"],
                                     ["ACTIONS_ID_TOKEN_REQUEST_URL",
                                      "ACTIONS_ID_TOKEN_REQUEST_TOKEN"]])
def test_without_the_runner_variables_the_error_says_to_grant_id_token_write(
        github: GitHubOidcStandIn, missing: list[str]) -> None:
    environment = {k: v for k, v in github.environment().items() if k not in missing}
    with pytest.raises(IdTokenUnavailableError) as caught:
        GitHubIdToken(environment, register_secret=Redactor().register)
    message = str(caught.value)
    assert "`permissions: id-token: write`" in message
    assert all(name in message for name in missing)
    assert isinstance(caught.value, ConfigError)
    assert github.request_token not in message


def test_each_call_fetches_a_fresh_token_for_entra_and_registers_it_first(
        github: GitHubOidcStandIn) -> None:
    redactor = Redactor()
    fetch = GitHubIdToken(github.environment(), register_secret=redactor.register)
    assert redactor.redact(github.request_token) == "***"  # registered at once
    first, second = fetch(), fetch()
    assert first != second and github.issued == [first, second]
    claims = github.issuer.verify(first, ENTRA_AUDIENCE)
    assert claims["aud"] == "api://AzureADTokenExchange"
    assert redactor.redact(f"x {first} y {second}") == "x *** y ***"


def test_the_audience_is_url_encoded_after_the_runner_query(github: GitHubOidcStandIn) -> None:
    seen: list[str] = []

    class Recording:
        def get(self, url: str, **kwargs: object) -> object:
            seen.append(url)
            raise ConnectionError("stop here")

    fetch = GitHubIdToken(github.environment(), register_secret=Redactor().register,
                          session=Recording())  # type: ignore[arg-type]
    with pytest.raises(ConnectionError):
        fetch()
    assert seen == [f"{github.request_url}&audience=api%3A%2F%2FAzureADTokenExchange"]


def test_a_refused_request_is_a_sign_in_error_without_any_token(
        github: GitHubOidcStandIn) -> None:
    environment = {**github.environment(), "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "wrong-token-1234"}
    fetch = GitHubIdToken(environment, register_secret=Redactor().register)
    with pytest.raises(SignInError) as caught:
        fetch()
    message = str(caught.value)
    assert "HTTP 401" in message and "id-token: write" in message
    assert "wrong-token-1234" not in message and github.request_token not in message
    assert caught.value.__cause__ is None


def test_an_unreachable_service_is_a_sign_in_error(github: GitHubOidcStandIn) -> None:
    environment = {**github.environment(),
                   "ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:9/idtoken?api-version=2.0"}
    fetch = GitHubIdToken(environment, register_secret=Redactor().register, timeout_s=5)
    with pytest.raises(SignInError, match="could not be reached"):
        fetch()


def test_an_answer_without_a_value_is_a_sign_in_error(github: GitHubOidcStandIn) -> None:
    class NoValue:
        def get(self, url: str, **kwargs: object) -> object:
            import requests
            response = requests.Response()
            response.status_code, response._content = 200, b'{"count": 0}'
            return response

    fetch = GitHubIdToken(github.environment(), register_secret=Redactor().register,
                          session=NoValue())  # type: ignore[arg-type]
    with pytest.raises(SignInError, match="without a token"):
        fetch()


def test_the_token_is_a_jwt_signed_by_the_runner_issuer(github: GitHubOidcStandIn) -> None:
    token = GitHubIdToken(github.environment(), register_secret=Redactor().register)()
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
