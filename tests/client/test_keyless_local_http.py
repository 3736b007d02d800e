"""Keyless end to end at the client level, over real HTTP on loopback (issue 17).

The runner's OIDC endpoint (http), Entra ID (https, a test CA, reached through the authority
host) and the local service requiring bearer tokens whose audience, expiry and signature it
checks. Access tokens live two seconds, so they expire between requests and during the
waits; every request must still carry a valid one. No token may appear in a log record or
an exception's text.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from speech_action.auth import BearerTokenProvider, speech_token_provider
from speech_action.client import (
    AuthenticationError,
    DatasetDefinition,
    ModelDefinition,
    SpeechClient,
    ref,
)
from speech_action.local.bearer import BearerPolicy
from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import ObservedExchange, start_local_service
from speech_action.redaction import Redactor
from tests.support.entra import CLIENT_ID, TENANT_ID
from tests.support.keyless import KeylessStandIns

LIFETIME_S = 2
JOB_DELAY_S = 1.5  # each job outlasts an access token at least once while it is waited for


class Keyless(KeylessStandIns):
    """The stand-ins, a client signed in through them, and what it sent."""

    def __init__(self, tmp_path: Path) -> None:
        super().__init__(tmp_path, lifetime_s=LIFETIME_S)
        self.exchanges: list[ObservedExchange] = []
        self.redactor = Redactor()

    def provider(self) -> BearerTokenProvider:
        return speech_token_provider(TENANT_ID, CLIENT_ID, self.environment(),
                                     register_secret=self.redactor.register,
                                     ca_bundle=str(self.ca_file), min_validity_s=1)

    def client(self, base_url: str) -> SpeechClient:
        return SpeechClient(base_url, None, token_provider=self.provider(), request_timeout_s=30)


@pytest.fixture
def keyless(tmp_path: Path) -> Iterator[Keyless]:
    setup = Keyless(tmp_path)
    yield setup
    setup.stop()


def _no_token_in(text: str, keyless: Keyless) -> None:
    leaked = [token for token in keyless.tokens() if token in text]
    assert not leaked, f"{len(leaked)} token(s) in the text"


def test_a_keyless_client_works_through_expiring_tokens(
        keyless: Keyless, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    policy = BearerPolicy(verification_key=keyless.entra.issuer.public_key)
    text = tmp_path / "related.txt"
    text.write_text("we flew to sharjah\nthe meeting is in dubai\n", encoding="utf-8")
    with start_local_service(tmp_path / "data", recognizer=EchoRecognizer(), bearer=policy,
                             job_delay_s=JOB_DELAY_S,
                             request_observer=keyless.exchanges.append) as service:
        client = keyless.client(service.base_url)
        base = client.latest_adaptable_base_model("en-US", datetime.now(UTC))
        project = client.find_or_create_project("keyless", "en-US")
        assert project is not None
        dataset = client.create_dataset_from_file(
            DatasetDefinition(display_name="text", locale="en-US", kind="Language",
                              project=ref(project.self_url)), text)
        dataset = client.wait(dataset, timeout_s=30, poll_s=0.2)
        model = client.wait(client.create_model(ModelDefinition(
            display_name="adapted", locale="en-US", base_model=ref(base.self_url),
            datasets=[ref(dataset.self_url)], project=ref(project.self_url))),
            timeout_s=30, poll_s=0.2)
        assert model.status == "Succeeded"
    statuses = [e.status for e in keyless.exchanges]
    assert 401 not in statuses and 403 not in statuses
    assert len(keyless.entra.issued) >= 2  # tokens expired and were replaced on the way
    assert len(keyless.github.issued) == len(keyless.entra.issued)  # a fresh assertion each
    _no_token_in(caplog.text, keyless)
    for token in keyless.tokens():
        assert keyless.redactor.redact(token) == "***"


def test_a_principal_without_a_role_gets_an_error_naming_it_and_no_token(
        keyless: Keyless, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    policy = BearerPolicy(verification_key=keyless.entra.issuer.public_key,
                          permitted_object_ids=frozenset())
    with start_local_service(tmp_path / "data", recognizer=EchoRecognizer(),
                             bearer=policy) as service:
        client = keyless.client(service.base_url)
        with pytest.raises(AuthenticationError) as caught:
            client.find_or_create_project("keyless", "en-US")
    message = str(caught.value)
    assert "Cognitive Services Speech Contributor" in message and "127.0.0.1" in message
    _no_token_in(message + repr(caught.value) + caplog.text, keyless)


def test_a_token_past_its_expiry_is_refused_by_the_local_service(
        keyless: Keyless, tmp_path: Path) -> None:
    """The service side of the bargain: an expired token gets 401 (so the test above proves
    refreshing, not a lenient service)."""
    policy = BearerPolicy(verification_key=keyless.entra.issuer.public_key)
    with start_local_service(tmp_path / "data", recognizer=EchoRecognizer(),
                             bearer=policy) as service:
        token = keyless.provider()()  # one real token, then let it expire
        time.sleep(LIFETIME_S + 1.1)
        stale = SpeechClient(service.base_url, None, token_provider=lambda: token)
        with pytest.raises(AuthenticationError, match="HTTP 401") as caught:
            stale.get_base_model("whatever")
    _no_token_in(str(caught.value), keyless)
