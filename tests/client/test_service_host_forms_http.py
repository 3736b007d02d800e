"""Host forms over real HTTP: two loopback servers play two hosts (issue 14, item 7).

Over TLS they play a resource's custom subdomain (configured) and its regional host, which
the spec's example `@nextLink` names (get_datasets.json, 2025-10-15; Learn, "Custom subdomain
names for Azure AI services": the two "can be used interchangeably"). Name resolution is
pointed at the servers (urllib3's `create_connection`), and the session trusts a certificate
made for both names, so `requests` runs exactly as against Azure: SNI, certificate check and
headers on the wire. The regional server must never be asked.

In plain http they play the local engine and another loopback host: for a loopback endpoint
nothing is rebuilt (as before), and the other host gets its request without the key.
"""

from __future__ import annotations

import datetime
import json
import ssl
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
import urllib3.util.connection
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from speech_action.client import RetryPolicy, SpeechClient
from speech_action.client.transport import KEY_HEADER
from tests.client.conftest import KEY

CUSTOM_HOST = "contoso-speech.cognitiveservices.azure.com"
REGIONAL_HOST = "westus.api.cognitive.microsoft.com"
PAGE_TWO = "/speechtotext/datasets?skip=2&top=2&api-version=2025-10-15"


class Host:
    """One loopback server: records (path, keyed) and answers `pages[path]` or an empty page."""

    def __init__(self, pages: dict[str, Any], tls: ssl.SSLContext | None = None) -> None:
        self.received: list[tuple[str, bool]] = []
        host = self

        class Handler(BaseHTTPRequestHandler):
            timeout = 5

            def do_GET(self) -> None:
                keyed = self.headers.get(KEY_HEADER) == KEY
                host.received.append((self.path, keyed))
                body = json.dumps(pages.get(self.path, {"values": []})).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _certificate(folder: Path, names: list[str]) -> tuple[Path, Path]:
    """A self-signed certificate for `names` (its own CA): (certificate, key) files."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def hosts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Host, Host, Path]]:
    """(custom subdomain, regional host, certificate): both names resolve to their server."""
    cert_file, key_file = _certificate(tmp_path, [CUSTOM_HOST, REGIONAL_HOST])
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert_file, key_file)
    first = {"values": [], "@nextLink": f"https://{REGIONAL_HOST}{PAGE_TWO}"}
    custom = Host({"/speechtotext/datasets?api-version=2025-10-15": first}, tls)
    regional = Host({}, tls)
    ports = {CUSTOM_HOST: custom.port, REGIONAL_HOST: regional.port}
    connect: Callable[..., Any] = urllib3.util.connection.create_connection

    def resolve(address: tuple[str, int], *args: Any, **kwargs: Any) -> Any:
        host, port = address
        assert host in ports and port == 443, f"no connection to {host}:{port} expected"
        return connect(("127.0.0.1", ports[host]), *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", resolve)
    yield custom, regional, cert_file
    custom.stop()
    regional.stop()


def test_a_regional_next_link_goes_to_the_configured_subdomain_with_the_key(
        hosts: tuple[Host, Host, Path]) -> None:
    custom, regional, cert_file = hosts
    session = requests.Session()
    session.trust_env = False  # else a CA bundle or proxy from the environment overrides these
    session.verify = str(cert_file)
    client = SpeechClient(f"https://{CUSTOM_HOST}", KEY, session=session,
                          retry=RetryPolicy(max_attempts=1), sleep=lambda _: None)
    assert list(client.list_datasets()) == []
    assert custom.received == [("/speechtotext/datasets?api-version=2025-10-15", True),
                               (PAGE_TWO, True)]
    assert regional.received == []


def test_a_loopback_endpoint_sends_a_link_to_another_host_there_without_the_key() -> None:
    other = Host({})
    local = Host({"/speechtotext/datasets?api-version=2025-10-15": {
        "values": [], "@nextLink": f"http://localhost:{other.port}{PAGE_TWO}"}})
    try:
        session = requests.Session()
        session.trust_env = False  # no proxy from the environment between us and loopback
        client = SpeechClient(f"http://127.0.0.1:{local.port}", KEY, session=session,
                              retry=RetryPolicy(max_attempts=1), sleep=lambda _: None)
        assert list(client.list_datasets()) == []
    finally:
        local.stop()
        other.stop()
    assert local.received == [("/speechtotext/datasets?api-version=2025-10-15", True)]
    assert other.received == [(PAGE_TWO, False)]
