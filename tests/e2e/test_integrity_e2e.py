"""Gate and deploy integrity end to end: racing runs, and which candidate deploy ships.

Each test runs `entrypoint.py` as the runner runs a docker action (`run_action`), against
the local service over loopback HTTP, with records in Azurite (a real Blob service on
127.0.0.1) or in a records folder. Racing runs are two subprocesses started together from
two threads; each test checks that the race really happened, so it cannot pass vacuously
because one run finished before the other began.

Contract: PRODUCT.md, "Gate and deploy integrity" and "Modes".
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pytest
import requests
from azure.storage.blob import BlobServiceClient, ContainerClient

from speech_action.local.faults import FaultPlan
from speech_action.records.models import BENCHMARK_NAME, CANDIDATES_PREFIX, HISTORY_PREFIX
from tests.e2e.conftest import SPEECH_KEY, MakeService, RecordingService
from tests.support.azurite import Azurite
from tests.support.runner import ActionRun, run_action

RUN_TIMEOUT_S = 90  # each run; timeout-minutes bounds the service waits too
ENDPOINT_NAME = "contoso speech-data custom speech"
MAIN_EVENT: dict[str, Any] = {"repository": {"default_branch": "main"}}
PR_NUMBER = 7
PR_EVENT: dict[str, Any] = {"pull_request": {"number": PR_NUMBER}, **MAIN_EVENT}
# What a losing run says: another run changed the benchmark or the endpoint, or (racing
# first deploys) created the endpoint of the same name and deleted this run's twin.
CONFLICT = re.compile(r"another (run|deploy) changed (the benchmark|the endpoint|it)"
                      r"|another run created an endpoint of the same name")


def _sha(seed: str) -> str:
    """A distinct commit SHA per seed (short SHAs differ too)."""
    return hashlib.sha1(seed.encode(), usedforsecurity=False).hexdigest()


# ---- records: one interface over Azurite and a records folder ---------------------------


class Records(Protocol):
    """Where a test's records live, the inputs that say so, and reading them back."""

    inputs: dict[str, str]

    def read(self, name: str) -> dict[str, Any] | None: ...

    def names(self, prefix: str) -> list[str]: ...


class BlobRecords(Records):
    def __init__(self, azurite: Azurite) -> None:
        name = f"e2e-{uuid.uuid4().hex[:16]}"  # a fresh container per test
        service = BlobServiceClient.from_connection_string(azurite.connection_string)
        self.container: ContainerClient = service.get_container_client(name)
        self.inputs = {"storage-connection-string": azurite.connection_string,
                       "storage-container": name}

    def read(self, name: str) -> dict[str, Any] | None:
        if not self.container.exists() or not self.container.get_blob_client(name).exists():
            return None
        loaded: dict[str, Any] = json.loads(self.container.download_blob(name).readall())
        return loaded

    def names(self, prefix: str) -> list[str]:
        if not self.container.exists():
            return []
        return sorted(self.container.list_blob_names(name_starts_with=prefix))


class FolderRecords(Records):
    def __init__(self, workspace: Path) -> None:
        self.root = workspace / ".speech-records"
        self.inputs = {"records-dir": ".speech-records"}

    def read(self, name: str) -> dict[str, Any] | None:
        path = self.root / name
        if not path.is_file():
            return None
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return loaded

    def names(self, prefix: str) -> list[str]:
        if not self.root.is_dir():
            return []
        found = (p.relative_to(self.root).as_posix() for p in self.root.rglob("*.json"))
        return sorted(n for n in found if n.startswith(prefix))


@pytest.fixture
def blob_records(azurite: Azurite) -> Records:
    return BlobRecords(azurite)


@pytest.fixture
def folder_records(workspace: Path) -> Records:
    return FolderRecords(workspace)


# ---- running the action ------------------------------------------------------------------


@dataclass(frozen=True)
class Timed:
    run: ActionRun
    started: float
    ended: float
    """time.monotonic() when the subprocess was started / had exited."""


class Runner:
    """Runs the action against one service and one record store; every step gets its own
    step folder, and each run may be a different commit, run id and event."""

    def __init__(self, service: RecordingService, records: Records, workspace: Path,
                 steps: Path) -> None:
        self.service = service
        self.records = records
        self.workspace = workspace
        self.steps = steps
        self._count = 0
        self._lock = threading.Lock()

    def run(self, mode: str, *, sha: str, run_id: str, event_name: str = "push",
            ref: str = "refs/heads/main", event: dict[str, Any] | None = None,
            inputs: Mapping[str, str] | None = None) -> ActionRun:
        with self._lock:
            self._count += 1
            step = self.steps / f"step{self._count:02d}-{mode}-{run_id}"
        given = {"mode": mode, "speech-endpoint": self.service.url, "speech-key": SPEECH_KEY,
                 "poll-seconds": "0.05", "timeout-minutes": "2", "comment": "false",
                 **self.records.inputs, **(inputs or {})}
        run = run_action(
            given, self.workspace, step, event_name=event_name,
            event=MAIN_EVENT if event is None else event, timeout_s=RUN_TIMEOUT_S,
            extra_env={"GITHUB_SHA": sha, "GITHUB_REF": ref, "GITHUB_RUN_ID": run_id},
        )
        assert SPEECH_KEY not in run.all_text
        return run

    def ok(self, mode: str, **kwargs: Any) -> ActionRun:
        run = self.run(mode, **kwargs)
        assert run.returncode == 0, run.all_text
        return run

    def deploy(self, *, sha: str, run_id: str, model: str = "") -> ActionRun:
        """deploy on a push to main: of `model`, else of the candidate deploy chooses."""
        inputs = {"endpoint-name": ENDPOINT_NAME, **({"model": model} if model else {})}
        return self.run("deploy", sha=sha, run_id=run_id, inputs=inputs)


def together(*calls: Callable[[], ActionRun]) -> list[Timed]:
    """Start the calls at the same moment, each in its own thread (each starts its own
    subprocess), and wait for all of them."""
    barrier = threading.Barrier(len(calls))
    results: list[Timed | BaseException | None] = [None] * len(calls)

    def worker(index: int, call: Callable[[], ActionRun]) -> None:
        try:
            barrier.wait(timeout=30)
            started = time.monotonic()
            run = call()
            results[index] = Timed(run, started, time.monotonic())
        except BaseException as exc:  # handed to the test thread below
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i, c), daemon=True)
               for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(RUN_TIMEOUT_S + 30)
    done: list[Timed] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        assert result is not None, "a racing run did not finish in time"
        done.append(result)
    return done


@pytest.fixture
def runner_for(workspace: Path, tmp_path: Path) -> Callable[..., Runner]:
    def make(service: RecordingService, records: Records) -> Runner:
        return Runner(service, records, workspace, tmp_path / "steps")

    return make


# ---- reading the service -----------------------------------------------------------------


def _get(service: RecordingService, url: str) -> dict[str, Any]:
    assert url.startswith(service.url), url  # loopback only
    response = requests.get(url, headers={"Ocp-Apim-Subscription-Key": SPEECH_KEY},
                            timeout=10)
    response.raise_for_status()
    loaded: dict[str, Any] = response.json()
    return loaded


def endpoints_named(service: RecordingService, name: str) -> list[dict[str, Any]]:
    url: str | None = f"{service.url}/speechtotext/endpoints?api-version={service.api_version}"
    found: list[dict[str, Any]] = []
    while url:
        page = _get(service, url)
        found += [e for e in page.get("values", []) if e.get("displayName") == name]
        url = page.get("@nextLink")
    return found


def _id(url: str) -> str:
    return url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]


def race_did_not_happen(why: str, racing: list[Timed]) -> None:
    """Fail loudly (and not as the product failure an xfail expects): the runs did not
    overlap as the test needs, so it would prove nothing."""
    logs = "\n\n".join(t.run.all_text for t in racing)
    pytest.fail(f"the race did not happen: {why}\n{logs}", pytrace=False)


def errors(run: ActionRun) -> str:
    return "\n".join(run.annotations("error"))


def write_times(service: RecordingService, method: str, collection: str) -> list[float]:
    """When the service answered each successful `method` on `collection`."""
    return [t for e, t in service.timed() if e.method == method and 200 <= e.status < 300
            and f"/{collection}" in e.url.split("?")[0]]


# ---- training data -----------------------------------------------------------------------


def add_related_sentence(workspace: Path, sentence: str) -> None:
    """Change the training data (a new commit's related text): a new model is trained."""
    path = workspace / "training_data" / "plain_text.txt"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.rstrip("\n") + f"\n{sentence}\n", encoding="utf-8")


def train(runner: Runner, sentence: str, *, sha: str, run_id: str,
          **kwargs: Any) -> ActionRun:
    add_related_sentence(runner.workspace, sentence)
    run = runner.ok("train-and-gate", sha=sha, run_id=run_id, **kwargs)
    # The stand-in recognizer: the base model splits capitalized words the custom model
    # learned from the related text, so every trained model beats the base model.
    assert run.outputs["improved"] == "true", run.all_text
    return run


JOB_DELAY_S = 0.25
"""Each service job (dataset import, training, evaluation, endpoint change) takes twice
this: long enough that racing runs are both waiting for the service at the same time."""


def drop_last_utterance(workspace: Path) -> None:
    """Change the test data (a new commit's test set): a new dataset and evaluation."""
    transcript = workspace / "testing_data" / "trans.txt"
    lines = transcript.read_text(encoding="utf-8").splitlines()
    wav = lines[-1].split("\t", 1)[0]
    transcript.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    (workspace / "testing_data" / wav).unlink()


# ---- 1. benchmark-test against benchmark-test -------------------------------------------


@pytest.mark.parametrize(("store", "existing"), [("blob", False), ("blob", True),
                                               ("folder", True)],
                         ids=["blob-first-benchmark", "blob-replacing", "folder-replacing"])
def test_racing_benchmark_tests_give_one_winner_and_a_clear_conflict(
        make_service: MakeService, runner_for: Callable[..., Runner], workspace: Path,
        request: pytest.FixtureRequest, store: str, existing: bool) -> None:
    # Contract, "Gate and deploy integrity": the benchmark is read once and written with the
    # version (ETag) of that read; a concurrent change is a conflict with a clear message,
    # never a silent overwrite. ("Modes", benchmark-test: the result becomes the benchmark.)
    records: Records = request.getfixturevalue(f"{store}_records")
    service = make_service(job_delay_s=JOB_DELAY_S, retry_after_s=0)
    runner = runner_for(service, records)
    if existing:  # the racing runs replace a benchmark (If-Match), else create it
        runner.ok("benchmark-test", sha=_sha("before"), run_id="100")
        drop_last_utterance(workspace)  # new test data: both runs evaluate anew
    history_before = records.names(HISTORY_PREFIX)
    evaluations_before = len(service.creates("evaluations"))

    sha = _sha("test data")
    racing = together(lambda: runner.run("benchmark-test", sha=sha, run_id="201"),
                      lambda: runner.run("benchmark-test", sha=sha, run_id="202"))

    # Each run reads the benchmark as it starts and writes it only after the service's
    # jobs (a dataset and an evaluation, at least 2 * JOB_DELAY_S each), so the runs must
    # overlap; if one ended before the other started, the race never happened.
    if not (racing[0].ended > racing[1].started and racing[1].ended > racing[0].started):
        race_did_not_happen("one run ended before the other started", racing)
    assert len(service.creates("evaluations")) > evaluations_before
    codes = sorted(t.run.returncode for t in racing)
    # Exactly one conflict: the loser's conflict proves it read before the winner wrote, so
    # this cannot pass without a race. Both succeeding is a silent overwrite.
    assert codes == [0, 1], "\n".join(t.run.all_text for t in racing)
    winner, loser = sorted(racing, key=lambda t: t.run.returncode)
    winner_id, loser_id = ("201", "202") if winner is racing[0] else ("202", "201")

    message = errors(loser.run)
    assert "another run changed the benchmark" in message, loser.run.all_text
    assert f"run {loser_id}" in message and f"run {winner_id}" in message  # who raced whom
    assert "was not written" in message and "concurrency" in message  # what to do
    assert loser.run.outputs.get("improved") == "false"

    stored = records.read(BENCHMARK_NAME)
    assert stored is not None
    assert stored["run_id"] == winner_id and stored["commit"] == sha
    assert stored["kind"] == "benchmark-test"
    assert f"{stored['wer_percent']:.2f}" == winner.run.outputs["wer"]
    # Only the written benchmark enters the history: the loser's record is nowhere.
    new_history = [n for n in records.names(HISTORY_PREFIX) if n not in history_before]
    assert len(new_history) == 1 and f"-{winner_id}.json" in new_history[0], new_history


# ---- 2. deploy against deploy ------------------------------------------------------------


def endpoint_writes(service: RecordingService) -> list[float]:
    return sorted(write_times(service, "POST", "endpoints")
                  + write_times(service, "PATCH", "endpoints"))


def _check_deploy_race(runner: Runner, racing: list[Timed], models: dict[str, str],
                       writes_before: int) -> dict[str, Any]:
    """What every interleaving of two deploys must leave; returns the one endpoint."""
    service = runner.service
    runs = [t.run for t in racing]
    # The race happened: both runs changed (created or patched) the endpoint before either
    # of them had finished, so neither saw the other's finished work. (Racing first deploys
    # then also delete a twin and patch the one endpoint left: more writes follow.)
    writes = sorted(endpoint_writes(service)[writes_before:])
    if len(writes) < 2 or writes[1] >= min(t.ended for t in racing):
        race_did_not_happen(f"{len(writes)} endpoint changes, fewer than 2 while both ran",
                            racing)

    # At least one run succeeded; a failing run says another run changed the endpoint or
    # the benchmark (and that it recorded nothing).
    succeeded = [r for r in runs if r.returncode == 0]
    assert succeeded, "\n".join(r.all_text for r in runs)
    for run in runs:
        if run.returncode != 0:
            assert run.returncode == 1
            assert CONFLICT.search(errors(run)), run.all_text

    endpoints = endpoints_named(service, ENDPOINT_NAME)
    assert len(endpoints) == 1, (
        f"{len(endpoints)} endpoints named {ENDPOINT_NAME!r} (endpoint -> model): "
        + ", ".join(f"{_id(e['self'])} -> {_id(e['model']['self'])}" for e in endpoints)
        + f"; benchmark.json: {runner.records.read(BENCHMARK_NAME)}")
    endpoint = _get(service, endpoints[0]["self"])  # read back by its own URL
    assert endpoint["status"] == "Succeeded"
    serving = _id(endpoint["model"]["self"])
    stored = runner.records.read(BENCHMARK_NAME)
    assert stored is not None
    # Contract, "Gate and deploy integrity": the endpoint and the benchmark agree.
    assert stored["model"]["id"] == serving, (stored, endpoint)
    assert stored["kind"] == "deploy"
    assert serving in {r.outputs.get("model-id") for r in succeeded}
    assert serving in models.values()
    for run in succeeded:
        assert run.outputs["endpoint-id"] == _id(endpoint["self"])
    return endpoint


@dataclass
class Trained:
    runner: Runner
    models: dict[str, str]
    """commit seed -> model id of its improved candidate."""


@pytest.fixture
def three_candidates(make_service: MakeService, blob_records: Records,
                     runner_for: Callable[..., Runner]) -> Trained:
    """Three improved candidates from three pushes to main, each trained on other related
    text; the service that trained them is stopped (its state stays for the next one)."""
    service = make_service(retry_after_s=0)
    runner = runner_for(service, blob_records)
    models = {}
    for n, sentence in enumerate(("Our new office opens in the spring.",
                                  "We now rent electric cars as well.",
                                  "Ask for a free upgrade at the desk."), start=1):
        run = train(runner, sentence, sha=_sha(f"commit {n}"), run_id=f"30{n}")
        models[f"commit {n}"] = run.outputs["model-id"]
    assert len(set(models.values())) == 3
    assert len(blob_records.names(CANDIDATES_PREFIX)) == 3
    service.service.stop()
    return Trained(runner, models)


def _deploy(trained: Trained, commit: str, run_id: str) -> ActionRun:
    return trained.runner.deploy(sha=_sha(commit), run_id=run_id, model=trained.models[commit])


def test_racing_deploys_update_one_endpoint_in_place_and_agree_with_the_benchmark(
        three_candidates: Trained, make_service: MakeService) -> None:
    # Contract, "Gate and deploy integrity": the benchmark is written with the version of
    # its read (a concurrent change is a conflict, never a silent overwrite); deploy waits
    # until the endpoint reports the new model, reads it back, and only then records it.
    # So however two deploys interleave, the endpoint serves the benchmark's model.
    trained = three_candidates
    # An endpoint change takes a while, as on Azure: both runs patch while both wait.
    slow_change = FaultPlan(slow_jobs_s={"endpoints": 6 * JOB_DELAY_S})
    trained.runner.service = make_service(job_delay_s=JOB_DELAY_S, retry_after_s=0,
                                          faults=slow_change)
    first = _deploy(trained, "commit 1", "311")
    assert first.returncode == 0, first.all_text
    writes_before = len(endpoint_writes(trained.runner.service))

    racing = together(lambda: _deploy(trained, "commit 2", "321"),
                      lambda: _deploy(trained, "commit 3", "322"))

    endpoint = _check_deploy_race(trained.runner, racing, trained.models, writes_before)
    assert _id(endpoint["self"]) == first.outputs["endpoint-id"]  # in place, not re-created
    assert _id(endpoint["model"]["self"]) != trained.models["commit 1"]


def test_racing_first_deploys_create_one_endpoint_and_agree_with_the_benchmark(
        three_candidates: Trained, make_service: MakeService) -> None:
    # Contract, "Modes" (deploy) and the `endpoint-name` input: the endpoint of that name is
    # updated in place, or created when absent; "Gate and deploy integrity": the endpoint
    # and the benchmark agree whatever the interleaving. Two first deploys that both look
    # for the endpoint before either created it must still leave one endpoint of the name.
    trained = three_candidates
    # The first four endpoint requests (each run's look-up by name, then its create) are
    # handled only after a pause, so both look-ups are answered before either create is.
    both_look_first = FaultPlan(match="/endpoints", first=("slow",) * 4,
                                slow_response_s=6 * JOB_DELAY_S)
    service = make_service(job_delay_s=JOB_DELAY_S, retry_after_s=0, faults=both_look_first)
    trained.runner.service = service
    racing = together(lambda: _deploy(trained, "commit 1", "331"),
                      lambda: _deploy(trained, "commit 2", "332"))

    handled = [(e.method, t) for e, t in service.timed()
               if e.url.split("?")[0].endswith("/endpoints")]
    lookups = [t for method, t in handled if method == "GET"]
    creates = [t for method, t in handled if method == "POST"]
    if len(lookups) < 2 or not creates or max(lookups[:2]) >= min(creates):
        race_did_not_happen("the second look-up by name came after the first create",
                            racing)
    _check_deploy_race(trained.runner, racing, trained.models, 0)


# ---- 3. a pull request's candidate -------------------------------------------------------


def test_a_pull_requests_candidate_is_deployed_only_when_named(
        make_service: MakeService, blob_records: Records,
        runner_for: Callable[..., Runner]) -> None:
    # Contract, "Gate and deploy integrity": candidates record the commit, ref and event
    # that produced them; a pull request's candidate is deployed only when named in
    # `model`. Inputs, `model`: the default is never a pull request's candidate.
    service = make_service(retry_after_s=0)
    runner = runner_for(service, blob_records)
    pr_sha = _sha("pull request 7 merge")
    pr = train(runner, "We now rent electric cars as well.", sha=pr_sha, run_id="701",
               event_name="pull_request", ref=f"refs/pull/{PR_NUMBER}/merge", event=PR_EVENT)
    pr_model = pr.outputs["model-id"]
    [name] = blob_records.names(CANDIDATES_PREFIX)
    candidate = blob_records.read(name)
    assert candidate is not None
    assert candidate["improved"] is True and candidate["model"]["id"] == pr_model
    assert candidate["event"] == "pull_request"
    assert candidate["ref"] == f"refs/pull/{PR_NUMBER}/merge" and candidate["commit"] == pr_sha

    # Deploy on a push to main without `model`: on another commit, and on the very commit
    # the pull request's run built. Neither may pick the pull request's candidate.
    writes_before = len(service.writes())
    for run_id, sha in (("702", _sha("main after the pull request")), ("703", pr_sha)):
        refused = runner.deploy(sha=sha, run_id=run_id)
        assert refused.returncode == 1, refused.all_text
        message = errors(refused)
        assert "no model to deploy" in message, refused.all_text
        assert "1 from pull requests" in message and "model input" in message
        assert "model-id" not in refused.outputs and "endpoint" not in refused.outputs
    touched = [f"{e.method} {e.url}" for e in service.writes()[writes_before:]]
    assert touched == []  # no endpoint created or changed, nothing else either
    assert endpoints_named(service, ENDPOINT_NAME) == []
    assert blob_records.read(BENCHMARK_NAME) is None

    # Named in `model`, the same deploy ships it.
    named = runner.deploy(sha=_sha("main after the pull request"), run_id="704",
                          model=pr_model)
    assert named.returncode == 0, named.all_text
    assert named.outputs["model-id"] == pr_model
    assert "named in the model input" in named.summary
    endpoint = _get(service, named.outputs["endpoint"])
    assert _id(endpoint["model"]["self"]) == pr_model and endpoint["status"] == "Succeeded"
    stored = blob_records.read(BENCHMARK_NAME)
    assert stored is not None and stored["model"]["id"] == pr_model


# ---- 4. deploy after train-and-gate on the same commit -----------------------------------


def test_deploy_after_train_and_gate_ships_this_commits_candidate(
        make_service: MakeService, folder_records: Records,
        runner_for: Callable[..., Runner]) -> None:
    # Contract, "Gate and deploy integrity": deploy's default model is the candidate of the
    # commit being deployed, else the newest from a push to the default branch. The report
    # says which candidate was chosen and why ("Modes": deploy takes the newest improved
    # candidate; "Report": the gate decision and why).
    records = folder_records  # the folder store here; Blob in the tests above
    service = make_service(retry_after_s=0)
    runner = runner_for(service, records)
    this_sha, newer_sha = _sha("this commit"), _sha("a newer commit on main")
    this = train(runner, "Our new office opens in the spring.", sha=this_sha, run_id="801")
    # A newer improved candidate from main, of another commit: it must not win.
    newer = train(runner, "Ask for a free upgrade at the desk.", sha=newer_sha,
                  run_id="802")
    assert this.outputs["model-id"] != newer.outputs["model-id"]

    # The deploy job of the workflow run that trained on this commit.
    deploy = runner.deploy(sha=this_sha, run_id="801")
    assert deploy.returncode == 0, deploy.all_text
    assert deploy.outputs["model-id"] == this.outputs["model-id"]
    assert deploy.outputs["wer"] == this.outputs["wer"]
    assert deploy.outputs["evaluation"] == this.outputs["evaluation"]
    summary = " ".join(deploy.summary.replace("\\", "").split())
    assert "trained on this commit" in summary and this_sha[:7] in summary, deploy.summary
    assert "Chose " in summary
    endpoint = _get(service, deploy.outputs["endpoint"])
    assert _id(endpoint["model"]["self"]) == this.outputs["model-id"]
    stored = records.read(BENCHMARK_NAME)
    assert stored is not None and stored["model"]["id"] == this.outputs["model-id"]

    # A commit with no candidate of its own ships the newest candidate from main.
    later = runner.deploy(sha=_sha("a later commit"), run_id="901")
    assert later.returncode == 0, later.all_text
    assert later.outputs["model-id"] == newer.outputs["model-id"]
    assert later.outputs["endpoint-id"] == deploy.outputs["endpoint-id"]  # in place
    summary = " ".join(later.summary.replace("\\", "").split())
    assert "newest improved candidate from the default branch" in summary, later.summary
    assert newer_sha[:7] in summary
