"""The three modes on the example against the local service, re-runs, and the local engine."""

from __future__ import annotations

import shutil
import threading
import time
import wave
from collections import Counter
from pathlib import Path
from typing import Any

from speech_action.errors import SpeechActionError
from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import ObservedExchange, start_local_service
from tests.support.runner import ActionRun, run_action

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "sharjah"
MODES = ("benchmark-test", "train-and-gate", "deploy")
BENCH_KEY = "bench-speech-key-5d1c"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class PipelineError(SpeechActionError):
    """A mode failed; the message carries the action's log."""


def make_workspace(root: Path) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    for folder in ("testing_data", "training_data"):
        shutil.copytree(EXAMPLE / folder, root / folder)
    return root


def _run_modes(inputs: dict[str, str], workspace: Path, steps: Path) -> list[ActionRun]:
    runs = []
    for mode in MODES:
        run = run_action({"mode": mode, **inputs}, workspace, steps / mode)
        if run.returncode != 0:
            raise PipelineError(f"{mode} in {workspace} exited {run.returncode}:\n"
                                f"{run.all_text[-3000:]}")
        runs.append(run)
    return runs


class _Log:
    """Every exchange the service answered: (method, path, request body size)."""

    def __init__(self) -> None:
        self.exchanges: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()

    def observe(self, exchange: ObservedExchange) -> None:
        with self._lock:
            self.exchanges.append((exchange.method, exchange.url.split("?")[0],
                                   len(exchange.body)))

    def since(self, start: int) -> list[tuple[str, str, int]]:
        with self._lock:
            return self.exchanges[start:]


def _pass(log: _Log, url: str, workspace: Path, steps: Path) -> dict[str, Any]:
    """The three modes once. Uploads are the data files the action PUTs; JSON bodies of
    creates and updates are counted apart as writes."""
    start = len(log.since(0))
    started = time.perf_counter()
    inputs = {"speech-endpoint": url, "speech-key": BENCH_KEY, "poll-seconds": "0.05"}
    _run_modes(inputs, workspace, steps)
    seconds = time.perf_counter() - started
    exchanges = log.since(start)
    return {"seconds": seconds, "requests": len(exchanges),
            "upload_bytes": sum(size for method, _, size in exchanges if method == "PUT"),
            "by_method": dict(Counter(method for method, _, _ in exchanges)),
            "writes": [f"{method} {path.split('/speechtotext/')[-1]}"
                       for method, path, _ in exchanges if method in WRITES]}


def stand_in_pipeline(work: Path) -> dict[str, Any]:
    """Stand-in recognizer, zero job latency, no Retry-After wait: what is left is ours
    (three interpreter starts, validation, hashing, packaging, HTTP, records, reports)."""
    workspace = make_workspace(work / "pipeline")
    log = _Log()
    service = start_local_service(work / "pipeline-service", recognizer=EchoRecognizer(),
                                  job_delay_s=0.0, retry_after_s=0, expected_key=BENCH_KEY,
                                  request_observer=log.observe)
    try:
        first = _pass(log, service.base_url, workspace, work / "steps-1")
        again = _pass(log, service.base_url, workspace, work / "steps-2")
    finally:
        service.stop()
    return {"pipeline_requests": first["requests"],
            "pipeline_upload_bytes": first["upload_bytes"],
            "client_overhead_s": round(first["seconds"], 3),
            "rerun_requests": again["requests"],
            "rerun_upload_bytes": again["upload_bytes"],
            "rerun_s": round(again["seconds"], 3),
            "pipeline_requests_by_method": first["by_method"],
            "rerun_requests_by_method": again["by_method"], "rerun_writes": again["writes"]}


def audio_seconds(wavs: list[Path]) -> float:
    total = 0.0
    for path in wavs:
        with wave.open(str(path), "rb") as reader:
            total += reader.getnframes() / reader.getframerate()
    return total


def local_engine(work: Path) -> dict[str, Any]:
    """The real recognizer: its real-time factor on the example's test audio (base model),
    and the three modes end to end with `speech-endpoint: local`."""
    try:
        from speech_action.local.sphinx import PocketSphinxRecognizer
    except ImportError as exc:
        reason = f"speech_action.local.sphinx is not importable yet ({exc})"
        return {"recognizer_rtf": "n/a", "local_pipeline_s": "n/a", "local_engine_note": reason}
    wavs = sorted((EXAMPLE / "testing_data").glob("*.wav"))
    recognizer = PocketSphinxRecognizer()
    started = time.perf_counter()
    recognizer.recognize(None, wavs)
    decode_s = time.perf_counter() - started
    audio_s = audio_seconds(wavs)
    workspace = make_workspace(work / "local-engine")
    started = time.perf_counter()
    runs = _run_modes({"speech-endpoint": "local"}, workspace, work / "steps-local")
    pipeline_s = time.perf_counter() - started
    return {"recognizer_rtf": round(decode_s / audio_s, 3),
            "recognizer_audio_s": round(audio_s, 1), "recognizer_decode_s": round(decode_s, 2),
            "local_pipeline_s": round(pipeline_s, 1),
            "local_wer": {mode: run.outputs.get("wer")
                          for mode, run in zip(MODES, runs, strict=True)}}
