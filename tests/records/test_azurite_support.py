"""The Azurite support module itself: it fails loudly when Azurite is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import azurite as support


def test_a_missing_azurite_fails_with_the_setup_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(support, "AZURITE_BLOB", tmp_path / "node_modules/.bin/azurite-blob")
    with pytest.raises(pytest.fail.Exception, match=r"scripts/setup\.sh --dev"):
        support.start_azurite(tmp_path)


def test_the_running_emulator_has_the_documented_shape(azurite: support.Azurite) -> None:
    assert azurite.process.poll() is None
    assert azurite.blob_endpoint.startswith("http://127.0.0.1:")
    assert azurite.blob_endpoint.endswith("/devstoreaccount1")
    assert f"BlobEndpoint={azurite.blob_endpoint};" in azurite.connection_string
    assert "AccountName=devstoreaccount1;" in azurite.connection_string
