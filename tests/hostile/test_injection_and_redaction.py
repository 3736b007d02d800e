"""Hostile pull requests and hostile services against the action as the runner runs it
(issue 12: "Workflow-command injection", "Secrets echoed by a service").

A pull request controls the names of the data files; a service (or whatever answers in its
place) controls entity names, job errors and error bodies. Each case runs `entrypoint.py`
against a service on 127.0.0.1 and then reads every artefact the run leaves: stdout, stderr,
`GITHUB_OUTPUT`, the step summary, the JSON report, the record files.

- Commands: the runner reads a line as a command when, after leading white space, it starts
  with `::` (`ActionCommand.TryParseV2`) or holds `##[` anywhere (`ActionCommand.TryParse`);
  `ActionCommandManager.TryProcessCommand` tries both (actions/runner). No data may make
  such a line, and `::stop-commands::` from data would silence every later annotation.
- Markdown: a fenced block is closed only by a fence at least as long (GitHub Flavored
  Markdown spec, "Fenced code blocks"), and raw HTML outside code is rendered (GitHub
  sanitizes scripts, not `<img>` or headings), so names must stay inside their code.
- Secrets: the key must not appear raw, URL-encoded, base64 (inside `user:key`),
  JSON-escaped, HTML-escaped or Markdown-escaped in anything the run leaves.
"""

from __future__ import annotations

import base64
import html
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import requests

from speech_action.local.faults import FaultPlan
from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import LocalService, start_local_service
from speech_action.report.escape import escape_markdown
from tests.e2e import conftest as e2e_conftest
from tests.support.runner import ActionRun, run_action

# A key with every character some encoding changes (`+/=` base64 and URL, `&<>"'` HTML,
# `*_|~$#@` and backticks Markdown, `"` and `\` JSON); the service checks it is sent.
KEY = "h0st1le+Key/9f8e=&<b>\"q'`*_|~$#@\\-7c6d5e4f3a2b1c0d"
API_VERSION = "2025-10-15"
COMMAND_NAMES = frozenset({"add-mask", "error", "warning", "notice", "debug", "group",
                           "endgroup"})
# The e2e suite's example workspace (testing_data and training_data of examples/sharjah),
# as a fixture of this module under this name.
e2e_workspace = e2e_conftest.workspace
HOSTILE_WAV = ("evil\n::stop-commands::pwn\n::set-output name=improved::true\n"
               "##[warning]legacy\n```\n# Pwned\n<img src=x onerror=alert(1)>\n`````.wav")


def echoes(secret: str) -> dict[str, str]:
    """How a service, a serializer or a renderer may write the secret back."""
    raw = secret.encode()
    return {
        "raw": secret,
        "url-encoded": quote(secret, safe=""),
        "url-encoded (plus)": quote_plus(secret),
        "base64": base64.b64encode(raw).decode(),
        "base64 of user:key": base64.b64encode(b"user:" + raw).decode(),
        "json-escaped": json.dumps(secret)[1:-1],
        "html-escaped": html.escape(secret),
        "markdown-escaped": escape_markdown(secret),
    }


def leak_markers(secret: str) -> dict[str, str]:
    """What shows that an echo survived: the echo itself, or for base64 the characters
    that the secret alone decides (its neighbours change the first and last ones)."""
    markers = echoes(secret)
    markers["base64"] = markers["base64"][:-4]
    markers["base64 of user:key"] = markers["base64 of user:key"][8:-4]
    return markers


def echo_text(secret: str) -> str:
    forms = echoes(secret)
    return " | ".join(f"{name}: {form}" for name, form in forms.items())


# ---------------------------------------------------------------- checks over artefacts


def artefacts(run: ActionRun, workspace: Path) -> dict[str, str]:
    """Everything the run left that a person or a later step can read."""
    places = {
        "stdout": "\n".join(line for line in run.stdout.splitlines()
                            if not line.startswith("::add-mask::")),
        "stderr": run.stderr,
        "GITHUB_OUTPUT": run.output_file_text,
        "summary": run.summary,
    }
    for path in sorted(workspace.rglob("*")):
        if path.is_file() and not {"testing_data", "training_data"} & set(path.parts):
            places[str(path.relative_to(workspace))] = path.read_text("utf-8", "replace")
    return places


def assert_no_secret(places: dict[str, str], secret: str = KEY) -> None:
    forms = leak_markers(secret)
    leaks = [f"{name} in {place}" for place, text in places.items()
             for name, form in forms.items() if form in text]
    assert not leaks, "\n".join(leaks)


def runner_commands(stdout: str) -> list[str]:
    """The lines of stdout the runner would execute as commands (CR ends a line too)."""
    lines = stdout.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return [line for line in lines if line.lstrip().startswith("::") or "##[" in line]


def assert_only_our_commands(stdout: str) -> None:
    for line in runner_commands(stdout):
        assert line.startswith("::"), f"not ours: {line!r}"
        name = line[2:].split("::", 1)[0].split(" ", 1)[0]
        assert name in COMMAND_NAMES, f"injected command: {line!r}"


def markdown_outside_code(markdown: str) -> list[str]:
    """The lines of `markdown` outside fenced code blocks (GFM: a block closes at a fence
    of the same character at least as long as the opening one)."""
    outside: list[str] = []
    fence = ""
    for line in markdown.split("\n"):
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence) and set(stripped) == {"`"}:
                fence = ""
            continue
        if stripped.startswith("```"):
            fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            continue
        outside.append(line)
    assert not fence, "a code block was left open"
    return outside


def assert_no_markup_from_data(markdown: str) -> None:
    outside = markdown_outside_code(markdown)
    assert not [line for line in outside if "<img" in line or line.startswith("# Pwned")]


# ---------------------------------------------------------------- services


@pytest.fixture
def hostile_service(tmp_path: Path) -> Iterator[LocalService]:
    """The local service, expecting `KEY`; its evaluations fail with a message that echoes
    the key in several encodings (the job's `properties.error.message`)."""
    service = start_local_service(
        tmp_path / "failing-service", recognizer=EchoRecognizer(), expected_key=KEY,
        faults=FaultPlan(fail_jobs={"evaluations": f"evaluation failed for {echo_text(KEY)}"}))
    try:
        yield service
    finally:
        service.stop()


@pytest.fixture
def plain_service(tmp_path: Path) -> Iterator[LocalService]:
    service = start_local_service(tmp_path / "service", recognizer=EchoRecognizer(),
                                  expected_key=KEY)
    try:
        yield service
    finally:
        service.stop()


class _EchoHandler(BaseHTTPRequestHandler):
    """Answers every request with one error whose body echoes the key it was sent: the
    spec's error shape (JSON), or with `padding` a plain-text body of that many characters
    before the echo (a proxy's error page)."""

    status = 400
    padding = 0

    def _answer(self) -> None:
        key = self.headers.get("Ocp-Apim-Subscription-Key", "")
        message = f"rejected key {echo_text(key)}"
        content_type = "application/json"
        body = json.dumps({"error": {"code": "InvalidPayload", "message": message}}).encode()
        if self.padding:
            content_type = "text/plain"
            body = ("x" * self.padding + message).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        return


def _echo_server(padding: int) -> Iterator[str]:
    handler = type("Handler", (_EchoHandler,), {"padding": padding})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def echo_server() -> Iterator[str]:
    yield from _echo_server(padding=0)


@pytest.fixture
def echo_server_cut_in_key() -> Iterator[str]:
    # The key starts at character 269: a 300-character cut keeps 31 of its characters.
    yield from _echo_server(padding=251)


def run(endpoint: str, workspace: Path, step: Path, **inputs: str) -> ActionRun:
    given = {"mode": "benchmark-test", "speech-endpoint": endpoint, "speech-key": KEY,
             "poll-seconds": "0.05", "timeout-minutes": "3", **inputs}
    result = run_action(given, workspace, step, timeout_s=240)
    assert result.masked_before_anything_else(KEY), result.stdout[:400]
    return result


# ---------------------------------------------------------------- the cases


def test_a_wav_name_with_commands_and_fences_injects_nothing(
        plain_service: LocalService, e2e_workspace: Path, tmp_path: Path) -> None:
    """A pull request adds `testing_data/<name>.wav` whose name holds newlines,
    `::stop-commands::`, `::set-output`, a legacy `##[warning]`, a backtick fence, a heading
    and an `<img>`: the run fails on the file, and no line of its log is a command it did
    not mean, and nothing of the name renders outside code in the summary."""
    testing = e2e_workspace / "testing_data"
    shutil.copy(testing / "domain01.wav", testing / HOSTILE_WAV)
    result = run(plain_service.base_url, e2e_workspace, tmp_path / "step")
    assert result.returncode == 1, result.all_text[-2000:]
    assert_only_our_commands(result.stdout)
    assert_only_our_commands(result.stderr)
    errors = result.annotations("error")
    assert any("evil%0A%3A%3Astop-commands%3A%3Apwn" in e or "evil%0A::stop-commands::pwn" in e
               for e in errors), errors
    assert "improved" not in result.outputs or result.outputs["improved"] == "false"
    assert "## speech-action failed" in result.summary
    assert "evil" in result.summary
    assert_no_markup_from_data(result.summary)


def test_a_key_echoed_in_entity_names_reaches_no_artefact(
        plain_service: LocalService, e2e_workspace: Path, tmp_path: Path) -> None:
    """The service names the benchmark model after the key, in several encodings (anything
    stored in the service can come back): the summary, outputs, JSON report, log and the
    records (`benchmark.json`, `history/`, results) must hold none of them."""
    answer = requests.post(
        f"{plain_service.base_url}/speechtotext/models?api-version={API_VERSION}",
        headers={"Ocp-Apim-Subscription-Key": KEY},
        json={"displayName": f"model {echo_text(KEY)}", "locale": "en-US"}, timeout=10)
    assert answer.status_code == 201, answer.text
    model_url = answer.json()["self"]
    result = run(plain_service.base_url, e2e_workspace, tmp_path / "step",
                 **{"benchmark-model": model_url})
    assert result.returncode == 0, result.all_text[-3000:]
    places = artefacts(result, e2e_workspace)
    records = [p for p in places if p.startswith(".speech-records")]
    assert any("history" in p for p in records) and any("benchmark.json" in p for p in records)
    assert any(p.startswith(".speech-reports") and p.endswith(".json") for p in places)
    assert_no_secret(places)
    assert "model" in result.summary and "***" in "".join(places.values())
    assert_only_our_commands(result.stdout)


def test_a_key_echoed_in_a_failed_job_reaches_no_artefact(
        hostile_service: LocalService, e2e_workspace: Path, tmp_path: Path) -> None:
    """The evaluation job fails with an error message quoting the key (raw, URL-encoded,
    base64, JSON-, HTML- and Markdown-escaped): annotations, summary and outputs show the
    failure with `***` in its place."""
    result = run(hostile_service.base_url, e2e_workspace, tmp_path / "step")
    assert result.returncode == 1, result.all_text[-2000:]
    assert any("evaluation failed for" in e for e in result.annotations("error")), result.stdout
    assert_no_secret(artefacts(result, e2e_workspace))
    assert "***" in result.summary
    assert_no_markup_from_data(result.summary)


def test_a_key_echoed_in_an_error_body_reaches_no_artefact(
        echo_server: str, e2e_workspace: Path, tmp_path: Path) -> None:
    """A stand-in on loopback answers 400 with a body that echoes the key it received."""
    result = run(echo_server, e2e_workspace, tmp_path / "step")
    assert result.returncode == 1, result.all_text[-2000:]
    assert any("rejected key" in e for e in result.annotations("error")), result.stdout
    assert_no_secret(artefacts(result, e2e_workspace))
    assert "***" in result.summary


def test_a_key_echoed_across_the_error_body_cut_leaves_no_prefix(
        echo_server_cut_in_key: str, e2e_workspace: Path, tmp_path: Path) -> None:
    result = run(echo_server_cut_in_key, e2e_workspace, tmp_path / "step")
    assert result.returncode == 1
    places = artefacts(result, e2e_workspace)
    assert not [place for place, text in places.items() if KEY[:12] in text]


# ---------------------------------------------------------------- records, unit level


@pytest.mark.parametrize("form", sorted(echoes(KEY)))
def test_the_record_store_redacts_what_it_writes(tmp_path: Path, form: str) -> None:
    """Records are bytes that outlive the run (`benchmark.json`, `history/`, results): the
    store redacts them at write time, and they still read back as records."""
    from speech_action.records.folder import FolderBackend
    from speech_action.records.store import BackedRecordStore
    from speech_action.redaction import Redactor
    from tests.records.records_data import benchmark, model, result

    echoed = echoes(KEY)[form]
    store = BackedRecordStore(FolderBackend(tmp_path), Redactor([KEY]))
    record = benchmark().model_copy(update={"model": model("base-1", f"named {echoed}")})
    store.write_benchmark(record, expected=store.read_benchmark())
    store.write_result(result().model_copy(update={"model": record.model}))
    written = {p.name: p.read_text("utf-8") for p in tmp_path.rglob("*.json")}
    assert len(written) == 3
    assert_no_secret(written)
    stored = store.read_benchmark().record
    # Base64 keeps the few characters its neighbours decide (`named dXNlcjp***A==`).
    assert stored is not None and stored.model.name.startswith("named ")
    assert "***" in stored.model.name
