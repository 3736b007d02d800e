"""Pure-code figures: polling requests per job, scoring speed, start-up time."""

from __future__ import annotations

import gc
import math
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jiwer

from speech_action.client.models import Entity
from speech_action.client.polling import Poller
from speech_action.scoring import compare
from tests.support.corpus import synthetic_corpus

ROOT = Path(__file__).resolve().parents[1]


def best_of(runs: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - started)
    return best


class _SimulatedJob:
    """A job that runs for `length_s` on a simulated clock and answers with Retry-After."""

    def __init__(self, length_s: float, retry_after_s: float | None) -> None:
        self.now = 0.0
        self.length_s = length_s
        self.retry_after_s = retry_after_s
        self.gets = 0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def fetch(self) -> tuple[Entity, float | None]:
        self.gets += 1
        done = self.now >= self.length_s
        return self.entity("Succeeded" if done else "Running"), None if done else self.retry_after_s

    @staticmethod
    def entity(status: str) -> Entity:
        return Entity.model_validate({"self": "http://127.0.0.1/speechtotext/models/x",
                                      "displayName": "bench", "status": status})


def poll_requests(length_s: float, retry_after_s: float | None, poll_s: float) -> dict[str, Any]:
    """GETs the client's poller sends for one job, against the fewest that can see it end:
    one per `max(Retry-After, poll-seconds)` interval the job is still running."""
    job = _SimulatedJob(length_s, retry_after_s)
    poller = Poller(job.entity("Running"), job.fetch, clock=lambda: job.now, sleep=job.sleep,
                    poll_s=poll_s)
    poller.result(timeout_s=length_s * 10)
    interval = max(poll_s, retry_after_s or 0.0)
    ideal = math.ceil(length_s / interval)
    return {"job_s": length_s, "retry_after_s": retry_after_s, "poll_s": poll_s,
            "gets": job.gets, "ideal": ideal, "seen_done_after_s": round(job.now - length_s, 3)}


class _CollectorTime:
    """Time the cyclic garbage collector spends collecting while it is attached
    (`gc.callbacks`: the bench watches the collector, the scoring code leaves it alone)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = [0, 0, 0]
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.collections[info["generation"]] += 1

    def during(self, action: Callable[[], object]) -> _CollectorTime:
        gc.callbacks.append(self)
        try:
            action()
        finally:
            gc.callbacks.remove(self)
        return self


def scoring(n: int, runs: int = 3) -> dict[str, Any]:
    """What a report computes (both models scored and aligned, the paired bootstrap,
    confusions, the most changed utterances) against one bare `jiwer.wer` on the raw text."""
    utts = synthetic_corpus(n)
    refs = [u.reference for u in utts]
    hyps = [u.candidate for u in utts]

    def full() -> None:
        result = compare(utts)
        result.significance()
        result.candidate.confusions()
        result.changed_most(25)

    bare = best_of(runs, lambda: jiwer.wer(refs, hyps))
    ours = best_of(runs, full)
    collector = _CollectorTime().during(full)  # one more run, watched
    return {"scoring_utterances": n, "scoring_s": round(ours, 3), "bare_jiwer_s": round(bare, 3),
            "scoring_utterances_s": round(n / ours, 1),
            "scoring_vs_bare_jiwer": round(ours / bare, 2),
            # The report aligns two models: one bare call per model is the fair floor.
            "scoring_vs_bare_jiwer_per_model": round(ours / (2 * bare), 2),
            "scoring_gc_s": round(collector.seconds, 3),
            "scoring_gc_collections": collector.collections}


def _command() -> list[str]:
    """`speech-action` from this interpreter's environment, else the module."""
    script = Path(sys.executable).parent / "speech-action"
    found = str(script) if script.is_file() else shutil.which("speech-action")
    return [found] if found else [sys.executable, "-m", "speech_action"]


def startup(runs: int = 5) -> dict[str, Any]:
    """Wall time of `speech-action --help`, and of importing what the entrypoint imports
    (in a fresh interpreter each time, minus that interpreter's own start)."""
    command = _command()

    def run(args: list[str]) -> None:
        subprocess.run(args, check=True, capture_output=True, cwd=ROOT)

    help_s = best_of(runs, lambda: run([*command, "--help"]))
    bare_s = best_of(runs, lambda: run([sys.executable, "-c", "pass"]))
    import_s = best_of(runs, lambda: run([sys.executable, "-c", "import speech_action.cli"]))
    return {"startup_s": round(help_s, 3), "startup_command": Path(command[-1]).name,
            "python_startup_s": round(bare_s, 3),
            "entrypoint_import_s": round(import_s - bare_s, 3)}
