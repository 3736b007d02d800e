"""The local service as a resource that takes Microsoft Entra ID tokens only (issue 17):
audience, expiry and (with the issuer's key) signature checked; 401/403 as the service."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from speech_action.local.bearer import TOKEN_REFUSED, BearerPolicy
from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import LocalService, start_local_service
from tests.support.token_issuer import TokenIssuer

AUDIENCE = "https://cognitiveservices.azure.com"
ISSUER = TokenIssuer("https://sts.windows.net/tenant/")
OTHER = TokenIssuer("https://sts.windows.net/tenant/")  # same name, another key


def _bearer(token: str) -> str:
    return f"Bearer {token}"


def test_a_current_token_for_the_speech_audience_passes() -> None:
    policy = BearerPolicy(verification_key=ISSUER.public_key)
    assert policy.check(_bearer(ISSUER.issue(AUDIENCE, 60))) is None
    assert policy.check(f"bearer {ISSUER.issue(AUDIENCE, 60)}") is None  # scheme: any case


@pytest.mark.parametrize("authorization", [
    None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer not-a-jwt",
    _bearer(ISSUER.issue("https://storage.azure.com", 60)),   # another audience
    _bearer(ISSUER.issue(AUDIENCE, -1)),                       # expired
    _bearer(OTHER.issue(AUDIENCE, 60)),                        # signed by someone else
    _bearer(ISSUER.issue(AUDIENCE, 60, nbf=int(time.time()) + 600)),  # not yet valid
])
def test_anything_else_is_refused_with_the_services_401(authorization: str | None) -> None:
    refusal = BearerPolicy(verification_key=ISSUER.public_key).check(authorization)
    assert refusal is not None and refusal.status == 401
    assert refusal.body() == {"error": {"code": "401", "message": TOKEN_REFUSED}}


def test_expiry_is_judged_by_the_policy_clock() -> None:
    token = ISSUER.issue(AUDIENCE, 60)
    exp = time.time() + 60
    assert BearerPolicy(clock=lambda: exp - 30).check(_bearer(token)) is None
    assert BearerPolicy(clock=lambda: exp + 1).check(_bearer(token)) is not None


def test_without_a_key_the_signature_is_not_verified_but_audience_and_expiry_are() -> None:
    policy = BearerPolicy()
    assert policy.check(_bearer(OTHER.issue(AUDIENCE, 60))) is None
    assert policy.check(_bearer(OTHER.issue("api://other", 60))) is not None
    assert policy.check(_bearer(OTHER.issue(AUDIENCE, -1))) is not None


def test_a_principal_without_a_role_gets_403_permission_denied() -> None:
    policy = BearerPolicy(verification_key=ISSUER.public_key, permitted_object_ids={"oid-1"})
    assert policy.check(_bearer(ISSUER.issue(AUDIENCE, 60, oid="oid-1"))) is None
    refusal = policy.check(_bearer(ISSUER.issue(AUDIENCE, 60, oid="oid-2")))
    assert refusal is not None and (refusal.status, refusal.code) == (403, "PermissionDenied")


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalService]:
    with start_local_service(tmp_path / "data", recognizer=EchoRecognizer(),
                             expected_key="a-key-that-is-ignored",
                             bearer=BearerPolicy(verification_key=ISSUER.public_key)) as running:
        yield running


def _get(service: LocalService, **headers: str) -> requests.Response:
    return requests.get(f"{service.base_url}/speechtotext/models/base",
                        params={"api-version": "2025-10-15"}, headers=headers, timeout=10)


def test_over_http_a_token_is_required_and_a_key_no_longer_works(service: LocalService) -> None:
    assert _get(service, Authorization=_bearer(ISSUER.issue(AUDIENCE, 60))).status_code == 200
    refused = _get(service, **{"Ocp-Apim-Subscription-Key": "a-key-that-is-ignored"})
    assert refused.status_code == 401 and refused.json()["error"]["message"] == TOKEN_REFUSED
    assert _get(service, Authorization=_bearer(ISSUER.issue(AUDIENCE, -1))).status_code == 401


def test_a_speech_token_is_no_storage_credential_for_byos_file_links(tmp_path: Path) -> None:
    policy = BearerPolicy(verification_key=ISSUER.public_key)
    with start_local_service(tmp_path / "data", recognizer=EchoRecognizer(), byos=True,
                             bearer=policy) as running:
        url = f"{running.base_url}/_local/files/datasets/x/y"
        speech = requests.get(url, headers={"Authorization": _bearer(ISSUER.issue(AUDIENCE, 60))},
                              timeout=10)
        storage = requests.get(url, headers={"Authorization": "Bearer storage-credential"},
                               timeout=10)
    assert speech.status_code == 401  # as Blob answers a request without its credential
    assert storage.status_code == 404  # past the credential check: no such file
