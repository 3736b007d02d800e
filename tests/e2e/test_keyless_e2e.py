"""Keyless, end to end (issue #17): the action (entrypoint in a subprocess, as the runner
runs it) signs in with the job's GitHub OIDC token, exchanged by azure-identity at a
stand-in of Microsoft Entra ID over https (a test CA, reached through
`AZURE_AUTHORITY_HOST`), and runs all three modes against the local service, which takes
only bearer tokens and checks their audience, expiry and signature. Access tokens live
fifteen seconds, so they expire within each run and are renewed (the action renews one with
less than ten seconds left). Records go to Blob keylessly too: Azurite over https with
`--oauth basic`, which checks the Storage tokens' issuer, audience and expiry. No token
appears in any artefact the runs leave."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.storage.blob import BlobServiceClient

from speech_action.local.bearer import BearerPolicy
from tests.e2e.conftest import RecordingService
from tests.support.azurite_oauth import AzuriteOAuth
from tests.support.entra import CLIENT_ID, TENANT_ID
from tests.support.keyless import KeylessStandIns
from tests.support.runner import ActionRun, run_action

LIFETIME_S = 15
JOB_DELAY_S = 1.0


class Keyless(KeylessStandIns):
    """The stand-ins, and the local service taking only tokens Entra issued."""

    def __init__(self, tmp_path: Path) -> None:
        super().__init__(tmp_path, lifetime_s=LIFETIME_S)
        self.service = RecordingService(
            tmp_path / "service", job_delay_s=JOB_DELAY_S,
            bearer=BearerPolicy(verification_key=self.entra.issuer.public_key))

    def environment(self, *more_cas: Path) -> dict[str, str]:
        """Also the job's `env:` (azure-identity's names), and trust in the test CAs for
        https to Entra ID and Azurite (requests reads REQUESTS_CA_BUNDLE; azure-core's
        transport is requests)."""
        bundle = self.ca_file.parent / "bundle.pem"
        bundle.write_bytes(b"".join(path.read_bytes() for path in (self.ca_file, *more_cas)))
        return {**super().environment(), "AZURE_CLIENT_ID": CLIENT_ID,
                "AZURE_TENANT_ID": TENANT_ID, "REQUESTS_CA_BUNDLE": str(bundle)}

    def stop(self) -> None:
        self.service.service.stop()
        super().stop()


@pytest.fixture
def keyless(tmp_path: Path) -> Iterator[Keyless]:
    setup = Keyless(tmp_path)
    yield setup
    setup.stop()
    assert not setup.service.violations, "\n".join(setup.service.violations[:10])


def _artefacts(workspace: Path, runs: list[ActionRun]) -> str:
    texts = [run.all_text + run.summary + run.output_file_text for run in runs]
    texts += [path.read_text(encoding="utf-8", errors="replace")
              for path in workspace.rglob("*") if path.is_file()
              and path.suffix in (".json", ".md", ".txt")]
    return "\n".join(texts)


def test_three_modes_keylessly_with_tokens_that_expire(
        keyless: Keyless, workspace: Path, tmp_path: Path, azurite_oauth: AzuriteOAuth) -> None:
    container = f"keyless-{tmp_path.name[-12:].lower().replace('_', '-')}".strip("-")
    records = {"storage-account-url": azurite_oauth.account_url,
               "storage-container": container}
    runs = []
    for mode in ("benchmark-test", "train-and-gate", "deploy"):
        given = {"mode": mode, "speech-endpoint": keyless.service.url, "poll-seconds": "0.2",
                 **records}
        run = run_action(given, workspace, tmp_path / mode,
                         extra_env=keyless.environment(azurite_oauth.ca.ca_file))
        assert run.returncode == 0, run.all_text[-4000:]
        runs.append(run)
    assert runs[1].outputs["improved"] == "true"
    assert runs[2].outputs["endpoint-id"]
    statuses = [exchange.status for exchange in keyless.service.exchanges]
    assert 401 not in statuses and 403 not in statuses  # every request carried a valid token
    keys = [e for e in keyless.service.exchanges if "Ocp-Apim-Subscription-Key" in e.headers]
    assert keys == []
    assert len(keyless.entra.issued) > len(runs)  # tokens expired and were renewed in runs
    # The records are in Blob (read here with the emulator's key, from aside), not on disk.
    blobs = BlobServiceClient.from_connection_string(
        azurite_oauth.connection_string, connection_verify=str(azurite_oauth.ca.ca_file))
    names = [b.name for b in blobs.get_container_client(container).list_blobs()]
    assert "benchmark.json" in names and any(n.startswith("candidates/") for n in names)
    assert not (workspace / ".speech-records").exists()
    artefacts = _artefacts(workspace, runs)
    leaked = [token for token in keyless.tokens() if token in artefacts]
    assert not leaked, f"{len(leaked)} token(s) in logs, summaries, outputs or records"


def test_the_embedded_engine_takes_only_entra_tokens_when_signed_in_keylessly(
        keyless: Keyless, workspace: Path, tmp_path: Path) -> None:
    # `speech-endpoint: local` with keyless sign-in: the whole path but Entra ID itself runs
    # offline; the engine refuses anything but a current token for the Speech audience.
    run = run_action({"mode": "benchmark-test", "speech-endpoint": "local"}, workspace,
                     tmp_path / "local", extra_env=keyless.environment(), timeout_s=600)
    assert run.returncode == 0, run.all_text[-4000:]
    assert "takes Microsoft Entra tokens only" in run.all_text
    assert keyless.entra.issued
    leaked = [token for token in keyless.tokens() if token in _artefacts(workspace, [run])]
    assert not leaked
