"""Hostile pull requests and hostile services against the key (issue 12, "Credentials go only
where the workflow said"), end to end: `entrypoint.py` as the runner runs it, real HTTP on
loopback only.

The runner hands a docker action every input action.yml declares: the workflow's value, else
action.yml's default (actions/runner `ActionRunner`: the step's `with:` merged over the
manifest's defaults, `""` for an input without one). `runner_inputs` does the same, so these
runs see exactly what a real job sees.

The redirect sink: two small `http.server` servers on 127.0.0.1 in threads. The "redirector"
answers every request with 307 to the "collector" (another loopback port); both record the
headers they got. `requests` would follow a 307 and resend `Ocp-Apim-Subscription-Key` (it
strips only `Authorization`), so the collector must never see a request at all.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from speech_action.client.transport import KEY_HEADER
from tests.e2e.conftest import SPEECH_KEY, RecordingService
from tests.e2e.conftest import workspace as workspace  # the example's data, as a fixture
from tests.support.runner import ActionRun, run_action

ROOT = Path(__file__).resolve().parents[2]
MAX_RECORDED = 50  # a misbehaving client cannot make the sink grow without bound
FAKE_GITHUB_TOKEN = "ghs_e2efaketoken000000000000000000000"


def runner_inputs(given: dict[str, str]) -> dict[str, str]:
    """Every input of action.yml as the runner passes it: given, else action.yml's default."""
    declared = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))["inputs"]
    inputs: dict[str, str] = {}
    for name, spec in declared.items():
        default = str(spec.get("default", ""))
        if default == "${{ github.token }}":
            default = FAKE_GITHUB_TOKEN
        inputs[name] = given.get(name, default)
    unknown = set(given) - set(declared)
    assert not unknown, unknown
    return inputs


@dataclass
class Sink:
    """What reached one loopback server: (method, path, whether the key came along)."""

    received: list[tuple[str, str, bool]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, method: str, path: str, keyed: bool) -> None:
        with self.lock:
            if len(self.received) < MAX_RECORDED:
                self.received.append((method, path, keyed))

    def keys_received(self) -> int:
        with self.lock:
            return sum(keyed for _, _, keyed in self.received)


def _serve(sink: Sink, location: str | None) -> ThreadingHTTPServer:
    """A server that records each request and answers 307 to `location` (or 200 `{}`)."""

    class Handler(BaseHTTPRequestHandler):
        timeout = 5  # a client that stalls cannot hold a thread

        def _answer(self) -> None:
            length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
            self.rfile.read(length)
            sink.record(self.command, self.path, KEY_HEADER.lower() in
                        {name.lower() for name in self.headers})
            if location is None:
                body = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
            else:
                body = b""
                self.send_response(307)
                self.send_header("Location", location + self.path)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server


@dataclass
class RedirectSink:
    redirector_url: str
    collector_url: str
    redirector: Sink
    collector: Sink


@pytest.fixture
def redirect_sink() -> Iterator[RedirectSink]:
    collector, redirector = Sink(), Sink()
    collecting = _serve(collector, None)
    collector_url = f"http://127.0.0.1:{collecting.server_address[1]}"
    redirecting = _serve(redirector, collector_url)
    try:
        yield RedirectSink(f"http://127.0.0.1:{redirecting.server_address[1]}", collector_url,
                           redirector, collector)
    finally:
        for server in (redirecting, collecting):
            server.shutdown()
            server.server_close()


def _run(given: dict[str, str], workspace: Path, step: Path) -> ActionRun:
    run = run_action(runner_inputs(given), workspace, step, timeout_s=120)
    assert SPEECH_KEY not in run.all_text
    return run


def _run_with_a_hostile_file(sink: RedirectSink, workspace: Path, step: Path) -> ActionRun:
    """The workflow gives only the key; the pull request's file names the endpoint."""
    (workspace / "speech.yml").write_text(
        f"# set by a pull request\nspeech-endpoint: {sink.redirector_url}\n", encoding="utf-8")
    run = _run({"mode": "benchmark-test", "speech-key": SPEECH_KEY}, workspace, step)
    assert run.returncode == 1, run.all_text
    return run


def test_pull_requests_speech_yml_cannot_send_the_key_to_a_loopback_sink(
        redirect_sink: RedirectSink, workspace: Path, tmp_path: Path) -> None:
    run = _run_with_a_hostile_file(redirect_sink, workspace, tmp_path / "s")
    errors = run.annotations("error")
    assert len(errors) == 1, errors
    assert "title=Invalid input speech-endpoint" in errors[0]
    assert "`speech-endpoint` in speech.yml line 2:" in errors[0]
    assert "move it into the workflow as the input `speech-endpoint`" in errors[0]
    assert redirect_sink.redirector.received == [] and redirect_sink.collector.received == []


def test_the_refusal_is_annotated_on_speech_yml_s_line(
        redirect_sink: RedirectSink, workspace: Path, tmp_path: Path) -> None:
    run = _run_with_a_hostile_file(redirect_sink, workspace, tmp_path / "s")
    assert any("file=speech.yml,line=2" in line for line in run.annotations("error"))


def test_a_service_redirect_never_carries_the_key_elsewhere(
        redirect_sink: RedirectSink, workspace: Path, tmp_path: Path) -> None:
    # The workflow names the endpoint (loopback http is allowed there); whatever answers
    # there redirects. The key reached the configured endpoint only, and the run stops.
    given = {"mode": "benchmark-test", "speech-key": SPEECH_KEY,
             "speech-endpoint": redirect_sink.redirector_url}
    run = _run(given, workspace, tmp_path / "s")
    assert run.returncode == 1, run.all_text
    errors = run.annotations("error")
    assert len(errors) == 1 and "title=RedirectRefusedError" in errors[0], errors
    assert f"a redirect to {redirect_sink.collector_url}" in errors[0]
    assert "never sent along a redirect" in errors[0]
    assert redirect_sink.collector.received == []
    assert len(redirect_sink.redirector.received) == 1  # refused at once, not retried
    assert redirect_sink.redirector.keys_received() == 1  # the configured endpoint only


@pytest.mark.parametrize("setting", ["api-version: v3.2", "storage-container: elsewhere"])
def test_with_a_non_azure_workflow_endpoint_the_file_sets_no_connection_setting(
        redirect_sink: RedirectSink, workspace: Path, tmp_path: Path, setting: str) -> None:
    (workspace / "speech.yml").write_text(f"locale: en-US\n{setting}\n", encoding="utf-8")
    given = {"mode": "benchmark-test", "speech-key": SPEECH_KEY,
             "speech-endpoint": redirect_sink.redirector_url}
    run = _run(given, workspace, tmp_path / "s")
    assert run.returncode == 1, run.all_text
    name = setting.split(":")[0]
    assert any(f"`{name}` in speech.yml line 2:" in line for line in run.annotations("error"))
    assert redirect_sink.redirector.received == []


def test_the_workflows_logging_enabled_false_beats_the_files_true(
        workspace: Path, tmp_path: Path) -> None:
    # `logging-enabled: false` equals the default, and the runner passes it either way; the
    # workflow said it, so the pull request's `true` must not turn content logging on.
    (workspace / "speech.yml").write_text("logging-enabled: true\n", encoding="utf-8")
    service = RecordingService(tmp_path / "service")
    try:
        given = {"speech-endpoint": service.url, "speech-key": SPEECH_KEY,
                 "poll-seconds": "0.05"}
        for mode in ("benchmark-test", "train-and-gate"):
            run = _run({**given, "mode": mode}, workspace, tmp_path / mode)
            assert run.returncode == 0, run.all_text
        deploy = _run({**given, "mode": "deploy", "logging-enabled": "false"}, workspace,
                      tmp_path / "deploy")
        assert deploy.returncode == 0, deploy.all_text
        created = [json.loads(e.body) for e in service.creates("endpoints")]
        assert [body["properties"]["loggingEnabled"] for body in created] == [False]
    finally:
        service.service.stop()
    assert not service.violations, service.violations[:5]


def test_a_storage_connection_string_in_speech_yml_is_refused_and_never_shown(
        redirect_sink: RedirectSink, workspace: Path, tmp_path: Path) -> None:
    # A secret in a file a pull request controls: refused even with a trusted endpoint, and
    # its value (here pointing Blob at the sink) is neither used nor printed.
    account_key = "c2lua2tleXNpbmtrZXlzaW5ra2V5c2lua2tleQ=="
    connection = (f"DefaultEndpointsProtocol=http;AccountName=a;AccountKey={account_key};"
                  f"BlobEndpoint={redirect_sink.redirector_url}/a;")
    (workspace / "speech.yml").write_text(
        f"speech-region: eastus\nstorage-connection-string: {connection}\n", encoding="utf-8")
    run = _run({"mode": "benchmark-test", "speech-key": SPEECH_KEY}, workspace, tmp_path / "s")
    assert run.returncode == 1, run.all_text
    errors = run.annotations("error")
    assert len(errors) == 1 and "`storage-connection-string` in speech.yml line 2:" in errors[0]
    assert "a secret never belongs in a file a pull request can change" in errors[0]
    assert account_key not in run.all_text and "BlobEndpoint" not in run.all_text
    assert redirect_sink.redirector.received == []
