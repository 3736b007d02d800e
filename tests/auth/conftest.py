"""Stand-ins of the runner's OIDC endpoint and of Entra ID (https, test CA), per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.certs import LoopbackCa, make_test_ca
from tests.support.entra import EntraStandIn
from tests.support.github_oidc import GitHubOidcStandIn


@pytest.fixture
def test_ca(tmp_path: Path) -> LoopbackCa:
    return make_test_ca(tmp_path / "ca")


@pytest.fixture
def github() -> Iterator[GitHubOidcStandIn]:
    standin = GitHubOidcStandIn()
    yield standin
    standin.stop()


@pytest.fixture
def entra(test_ca: LoopbackCa, github: GitHubOidcStandIn) -> Iterator[EntraStandIn]:
    standin = EntraStandIn(test_ca, github, lifetime_s=3600)
    yield standin
    standin.stop()
