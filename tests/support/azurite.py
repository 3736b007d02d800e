"""Azurite, the Azure Storage emulator, as a pytest fixture: real Blob HTTP on 127.0.0.1.

Azurite is a pinned npm dev dependency (package.json); `npm ci --no-audit --no-fund`
in the repository root installs it into node_modules/. Without it the fixture fails
(a silent skip would hide that the Blob store was never tested).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from azure.storage.blob import BlobSasPermissions, generate_blob_sas

REPO_ROOT = Path(__file__).resolve().parents[2]
AZURITE_BLOB = REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"

# The emulator's documented, public development account; not a secret.
ACCOUNT_NAME = "devstoreaccount1"
ACCOUNT_KEY = (
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)
START_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Azurite:
    blob_endpoint: str
    connection_string: str
    process: subprocess.Popen[bytes]


def connection_string_for(blob_endpoint: str) -> str:
    return (
        f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};"
        f"AccountKey={ACCOUNT_KEY};BlobEndpoint={blob_endpoint};"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Poll the port until Azurite answers, it exits, or START_TIMEOUT_S passes."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            pass
        try:
            code = proc.wait(timeout=0.1)  # doubles as the pause between tries
        except subprocess.TimeoutExpired:
            continue
        raise RuntimeError(f"azurite-blob exited with {code}: {log.read_text()[-2000:]}")
    raise RuntimeError(f"azurite-blob did not listen on port {port} in {START_TIMEOUT_S} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def launch_azurite(location: Path, *options: str) -> tuple[subprocess.Popen[bytes], int]:
    """azurite-blob on a free port of 127.0.0.1, with `options` added (e.g. `--oauth`),
    once it listens: (process, port)."""
    if not AZURITE_BLOB.exists():
        pytest.fail(
            "Azurite is not installed (node_modules/.bin/azurite-blob is missing): run "
            "`scripts/setup.sh --dev`, or `npm ci --no-audit --no-fund` in the repository "
            "root (needs Node.js 20+)",
            pytrace=False,
        )
    port = free_port()
    log = location / "azurite.log"
    command = [
        str(AZURITE_BLOB), "--skipApiVersionCheck", "--disableTelemetry",
        "--blobHost", "127.0.0.1", "--blobPort", str(port),
        "--location", str(location / "data"), "--silent", *options,
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_until_listening(proc, port, log)
    except BaseException:
        _stop(proc)
        raise
    return proc, port


def start_azurite(location: Path) -> Azurite:
    proc, port = launch_azurite(location)
    endpoint = f"http://127.0.0.1:{port}/{ACCOUNT_NAME}"
    return Azurite(endpoint, connection_string_for(endpoint), proc)


# Several conftest files may expose the fixture (each import is its own fixture
# definition); they share one process, stopped when the last user is torn down.
_shared: list[Azurite] = []
_users = [0]


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """A running Azurite Blob service for the whole test session."""
    if not _shared:
        _shared.append(start_azurite(tmp_path_factory.mktemp("azurite")))
    _users[0] += 1
    try:
        yield _shared[0]
    finally:
        _users[0] -= 1
        if _users[0] == 0:
            _stop(_shared.pop().process)


def _settings(connection_string: str) -> dict[str, str]:
    pairs = (part.split("=", 1) for part in connection_string.split(";") if "=" in part)
    return {name: value for name, value in pairs}


def make_sas_url(connection_string: str, container: str, blob_name: str,
                 expiry: datetime) -> str:
    """A read-only SAS URL for one blob, e.g. a dataset `contentUrl` on Azurite."""
    settings = _settings(connection_string)
    sas = generate_blob_sas(
        account_name=settings["AccountName"],
        container_name=container,
        blob_name=blob_name,
        account_key=settings["AccountKey"],
        permission=BlobSasPermissions(read=True),
        expiry=expiry,
    )
    return f"{settings['BlobEndpoint'].rstrip('/')}/{container}/{blob_name}?{sas}"
