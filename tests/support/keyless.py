"""The two stand-ins keyless sign-in talks to, started together: the runner's OIDC endpoint
and Microsoft Entra ID over https with a test CA (tests/support/github_oidc.py, entra.py)."""

from __future__ import annotations

from pathlib import Path

from tests.support.certs import make_test_ca
from tests.support.entra import EntraStandIn
from tests.support.github_oidc import GitHubOidcStandIn


class KeylessStandIns:
    def __init__(self, tmp_path: Path, *, lifetime_s: float) -> None:
        """`lifetime_s`: how long Entra ID's access tokens live."""
        self.github = GitHubOidcStandIn()
        self.entra = EntraStandIn(make_test_ca(tmp_path / "ca"), self.github,
                                  lifetime_s=lifetime_s)
        self.ca_file = tmp_path / "ca" / "ca.pem"

    def environment(self) -> dict[str, str]:
        """The runner's OIDC request variables and the authority host pointing at Entra."""
        return {**self.github.environment(), "AZURE_AUTHORITY_HOST": self.entra.authority}

    def tokens(self) -> list[str]:
        """Every credential the stand-ins handed out: none may appear in any output."""
        return [*self.entra.issued, *self.github.issued, self.github.request_token]

    def stop(self) -> None:
        self.github.stop()
        self.entra.stop()
