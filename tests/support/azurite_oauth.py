"""Azurite with OAuth: Blob over https (a test CA) that takes bearer tokens, on 127.0.0.1.

Azurite 3.37 (`--oauth basic`, which needs `--cert`/`--key`: "OAuth requires HTTPS endpoint",
Azurite README "OAuth Configuration") checks a bearer token's `nbf`/`exp`/`iat`, its issuer
(`https://sts.windows.net/...` and the other Entra prefixes) and its audience
(`https://storage.azure.com`, `https://<account>.blob.core.windows.net` or the storage app id),
but neither its signature nor any role (`BlobTokenAuthenticator.authenticateBasic`): a 403 for
a missing role cannot be had from it (tests use a canned transport for that). It serves Get
User Delegation Key (the key derived from the token's `oid`/`tid` and the window,
`ServiceHandler.getUserDelegationKey`) and checks user delegation SAS signatures
(`BlobSASAuthenticator`), so staging with a user delegation SAS runs against it as is.

Shared key keeps working on the same endpoint: `connection_string` sets things up from aside.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken, AccessTokenInfo, TokenRequestOptions

from tests.support.azurite import ACCOUNT_KEY, ACCOUNT_NAME, _stop, launch_azurite
from tests.support.certs import LoopbackCa, make_test_ca
from tests.support.token_issuer import TokenIssuer

STORAGE_AUDIENCE = "https://storage.azure.com"
TENANT_ID = "72f988bf-0000-4000-8000-00000000cafe"


@dataclass(frozen=True)
class AzuriteOAuth:
    account_url: str         # https://127.0.0.1:<port>/devstoreaccount1
    ca: LoopbackCa           # the client trusts `ca.ca_file`
    process: subprocess.Popen[bytes]

    @property
    def connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=https;AccountName={ACCOUNT_NAME};"
                f"AccountKey={ACCOUNT_KEY};BlobEndpoint={self.account_url};")


@dataclass
class IssuedTokens:
    """A stand-in TokenCredential: JWTs as Entra ID would issue them for Storage (issuer
    `https://sts.windows.net/<tenant>/`, `oid`, `tid`), signed by a per-test key. `audience`
    and `lifetime_s` can be changed to play a wrong or expired token."""

    audience: str = STORAGE_AUDIENCE
    lifetime_s: float = 3600
    object_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    issuer: TokenIssuer = field(
        default_factory=lambda: TokenIssuer(f"https://sts.windows.net/{TENANT_ID}/"))
    scopes: list[tuple[str, ...]] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)

    def get_token_info(self, *scopes: str,
                       options: TokenRequestOptions | None = None) -> AccessTokenInfo:
        self.scopes.append(scopes)
        token = self.issuer.issue(self.audience, self.lifetime_s, oid=self.object_id,
                                  tid=TENANT_ID)
        self.issued.append(token)
        return AccessTokenInfo(token, int(time.time() + self.lifetime_s))

    def get_token(self, *scopes: str, **_options: Any) -> AccessToken:
        info = self.get_token_info(*scopes)
        return AccessToken(info.token, info.expires_on)


def start_azurite_oauth(location: Path) -> AzuriteOAuth:
    ca = make_test_ca(location / "ca")
    proc, port = launch_azurite(location, "--oauth", "basic", "--cert", str(ca.cert_file),
                                "--key", str(ca.key_file))
    return AzuriteOAuth(f"https://127.0.0.1:{port}/{ACCOUNT_NAME}", ca, proc)


@pytest.fixture(scope="session")
def azurite_oauth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AzuriteOAuth]:
    """Azurite over https with `--oauth basic`, for the whole session (its own process: the
    plain-http one of `azurite` stays as it is for the connection-string tests)."""
    server = start_azurite_oauth(tmp_path_factory.mktemp("azurite-oauth"))
    try:
        yield server
    finally:
        _stop(server.process)
