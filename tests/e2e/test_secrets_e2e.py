"""Secrets never leak: the main scenarios run with distinctive secret values, then every
output is searched for them.

The speech key, the storage connection strings (account key and SAS), the SAS signature and
the GitHub token must be masked (`::add-mask::`) before any other line, and must not appear
in stdout, stderr, `GITHUB_OUTPUT`, the job summary, the JSON reports, any record (the
folder and the blobs in Azurite), the pull-request comment or the local service's data dir.
Credential-looking text (`AccountKey=...`, `sig=...`) must be redacted to `***` as well.
"""

from __future__ import annotations

import base64
import re
import shutil
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from azure.storage.blob import (
    AccountSasPermissions,
    BlobServiceClient,
    ResourceTypes,
    generate_account_sas,
)

from tests.e2e.conftest import SPEECH_KEY, RecordingService
from tests.support.azurite import ACCOUNT_KEY, ACCOUNT_NAME, Azurite
from tests.support.github_api import FakeGitHub, running_github_api
from tests.support.runner import ActionRun, run_action

GITHUB_TOKEN = "ghs_secretsE2eToken7Qw3Zx9Lk2Vb8Nm4Pp6Rr1Tt"
BAD_GITHUB_TOKEN = "ghs_secretsE2eRevokedToken5Hj8Kl2Mn4Bv6Cx"
WRONG_SPEECH_KEY = "wrong-speech-key-5c4b3a29f8e7d6c5"
# Valid base64 (so the config accepts it), not the account's key: Azurite answers 403.
WRONG_ACCOUNT_KEY = base64.b64encode(b"secrets-e2e-wrong-account-key-0123456789ab").decode()
INPUTS = ("testing_data", "training_data")  # the user's data, not the action's output
EXPECTED = {"config error": "min-improvement", "data error": "ghost.wav",
            "wrong speech key": "401", "wrong storage key": "403",
            "revoked github token": "401"}
PR_EVENT = {"pull_request": {"number": 11}}
# A credential the redactor must have replaced: the value after the `=` is not `***`.
LEAKED_CREDENTIAL = re.compile(r"(?:AccountKey|SharedAccessSignature|sig)=(?!\*\*\*)[^;&\s\"']+",
                               re.IGNORECASE)


@dataclass
class Scenarios:
    """What the scenarios ran and which places they wrote."""

    service: RecordingService
    azurite: Azurite
    github: FakeGitHub
    tmp: Path
    container: str = field(default_factory=lambda: f"secrets-{uuid.uuid4().hex[:12]}")
    runs: dict[str, ActionRun] = field(default_factory=dict)
    workspaces: list[Path] = field(default_factory=list)

    def run(self, name: str, workspace: Path, inputs: dict[str, str], *,
            pull_request: bool = False) -> ActionRun:
        given = {"speech-endpoint": self.service.url, "speech-key": SPEECH_KEY,
                 "poll-seconds": "0.05", "github-token": GITHUB_TOKEN, **inputs}
        run = run_action(
            given, workspace, self.tmp / "steps" / name,
            event_name="pull_request" if pull_request else "push",
            event=PR_EVENT if pull_request else {},
            extra_env={"GITHUB_API_URL": self.github.url}, timeout_s=300,
        )
        self.runs[name] = run
        if workspace not in self.workspaces:
            self.workspaces.append(workspace)
        _assert_masked_first(name, run, given)
        return run


def _sas_connection_string(azurite: Azurite) -> tuple[str, str]:
    """A connection string that carries an account SAS instead of the key; and the SAS."""
    sas = generate_account_sas(
        ACCOUNT_NAME, ACCOUNT_KEY,
        resource_types=ResourceTypes(service=True, container=True, object=True),
        permission=AccountSasPermissions(read=True, write=True, list=True, create=True,
                                         add=True, delete=True),
        expiry=datetime.now(UTC) + timedelta(hours=1),
    )
    return f"BlobEndpoint={azurite.blob_endpoint};SharedAccessSignature={sas}", sas


def _with_key(connection_string: str, key: str) -> str:
    return connection_string.replace(f"AccountKey={ACCOUNT_KEY}", f"AccountKey={key}")


def _secret_parts(value: str) -> list[str]:
    """The credential parts of a connection string, which must be masked on their own."""
    pairs = (part.split("=", 1) for part in value.split(";") if "=" in part)
    return [v for k, v in pairs if k in ("AccountKey", "SharedAccessSignature")]


def _assert_masked_first(name: str, run: ActionRun, inputs: dict[str, str]) -> None:
    masked: set[str] = set()
    for line in run.stdout.splitlines():
        if not line.startswith("::add-mask::"):
            break
        masked.add(_unescape_data(line.removeprefix("::add-mask::")))
    wanted = [inputs[k] for k in ("speech-key", "github-token", "storage-connection-string")
              if k in inputs]
    if name != "config error":  # a run that loads its settings also masks the key or SAS
        wanted += _secret_parts(inputs.get("storage-connection-string", ""))
    missing = [value[:12] + "…" for value in wanted if value not in masked]
    assert not missing, f"{name}: not masked before the first other line: {missing}"


def _unescape_data(value: str) -> str:
    """The runner's reading of a command's data (the toolkit escapes `%`, CR and LF)."""
    return value.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _blob_texts(azurite: Azurite, container: str) -> dict[str, bytes]:
    client = BlobServiceClient.from_connection_string(azurite.connection_string)
    box = client.get_container_client(container)
    return {f"blob {container}/{name}": box.download_blob(name).readall()
            for name in box.list_blob_names()}


def _files_under(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _run_scenarios(s: Scenarios, workspace: Path, sas_connection: str) -> None:
    keyed = {"storage-connection-string": s.azurite.connection_string,
             "storage-container": s.container}
    assert s.run("benchmark-test", workspace,
                 {"mode": "benchmark-test", **keyed}).returncode == 0
    train = s.run("train-and-gate on a PR", workspace, {
        "mode": "train-and-gate", "storage-connection-string": sas_connection,
        "storage-container": s.container}, pull_request=True)
    assert train.returncode == 0 and train.outputs["improved"] == "true", train.all_text
    assert len(s.github.state.comments) == 1
    # A pull request's candidate is deployed only when named (contract, "Gate and deploy
    # integrity"), as a reviewer would after merging.
    assert s.run("deploy", workspace, {"mode": "deploy", "model": train.outputs["model-id"],
                                       **keyed}).returncode == 0

    failing = {
        "config error": (workspace, {"mode": "train-and-gate", "min-improvement": "a lot",
                                     **keyed}),
        "data error": (_broken_copy(workspace, s.tmp / "broken"),
                       {"mode": "train-and-gate", **keyed}),
        "wrong speech key": (workspace, {"mode": "benchmark-test",
                                         "speech-key": WRONG_SPEECH_KEY}),
        "wrong storage key": (workspace, {
            "mode": "benchmark-test", "storage-container": s.container,
            "storage-connection-string": _with_key(s.azurite.connection_string,
                                                   WRONG_ACCOUNT_KEY)}),
        "revoked github token": (workspace, {"mode": "benchmark-test",
                                             "github-token": BAD_GITHUB_TOKEN}),
    }
    for name, (where, inputs) in failing.items():
        run = s.run(name, where, inputs, pull_request=name == "revoked github token")
        # Each failed for the reason it stages (a comment's failure may be only a warning).
        shown = run.annotations("error") + run.annotations("warning")
        assert any(EXPECTED[name] in line for line in shown), f"{name}: {run.stdout}"
        if name != "revoked github token":
            assert run.returncode == 1, f"{name}: {run.all_text}"


def _broken_copy(workspace: Path, target: Path) -> Path:
    shutil.copytree(workspace / "testing_data", target / "testing_data")
    shutil.copytree(workspace / "training_data", target / "training_data")
    with (target / "testing_data" / "trans.txt").open("a", encoding="utf-8") as trans:
        trans.write(f"ghost.wav\tthe key {SPEECH_KEY} is not in any audio\n")
    return target


def _everything_written(s: Scenarios) -> dict[str, bytes]:
    places: dict[str, bytes] = {}
    for name, run in s.runs.items():
        # The runner consumes `::add-mask::` lines and never shows them.
        log = [line for line in run.stdout.splitlines() if not line.startswith("::add-mask::")]
        places[f"{name}: stdout"] = "\n".join(log).encode()
        places[f"{name}: stderr"] = run.stderr.encode()
        places[f"{name}: GITHUB_OUTPUT"] = run.output_file_text.encode()
        places[f"{name}: summary"] = run.summary.encode()
    for workspace in s.workspaces:  # reports, folder records, anything else written there
        written = _files_under(workspace)
        places.update({path: data for path, data in written.items()
                       if not path.startswith(tuple(str(workspace / d) for d in INPUTS))})
    places.update(_files_under(s.tmp / "service"))  # the local service's data dir
    places.update(_blob_texts(s.azurite, s.container))
    for comment in s.github.state.comments:
        places[f"comment {comment.id}"] = comment.body.encode()
    return places


def test_no_secret_reaches_any_output(speech_service: RecordingService, workspace: Path,
                                      tmp_path: Path, azurite: Azurite) -> None:
    sas_connection, sas = _sas_connection_string(azurite)
    signature = re.search(r"sig=([^&]+)", sas)
    assert signature is not None
    secrets = {
        "speech key": SPEECH_KEY, "wrong speech key": WRONG_SPEECH_KEY,
        "github token": GITHUB_TOKEN, "revoked github token": BAD_GITHUB_TOKEN,
        "account key": ACCOUNT_KEY, "wrong account key": WRONG_ACCOUNT_KEY,
        "connection string": azurite.connection_string, "SAS connection string": sas_connection,
        "SAS token": sas, "SAS signature": signature.group(1),
    }
    with running_github_api(GITHUB_TOKEN) as github:
        scenarios = Scenarios(speech_service, azurite, github, tmp_path)
        _run_scenarios(scenarios, workspace, sas_connection)
        places = _everything_written(scenarios)

    assert len(places) > 40 and any(p.startswith("blob ") for p in places)
    leaks = [f"{label} in {place}" for place, data in places.items()
             for label, secret in secrets.items() if secret.encode() in data]
    assert not leaks, "\n".join(leaks)
    credentials = [f"{place}: {match.group(0)[:24]}…" for place, data in places.items()
                   for match in LEAKED_CREDENTIAL.finditer(data.decode("utf-8", "replace"))]
    assert not credentials, "\n".join(credentials)
    for part in _secret_parts(azurite.connection_string) + _secret_parts(sas_connection):
        assert part in secrets.values()
