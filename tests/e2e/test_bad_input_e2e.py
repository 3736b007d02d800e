"""Bad input through the whole action: exit code 1, an annotation naming the file and line
(or the input), and not one request to the service; accepted variants pass.

The data package's own tests cover each rule in detail; these prove the rules hold where a
user meets them, in the step's log, before anything is uploaded or paid for.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.data.wavs import (
    FLOAT,
    write_not_riff,
    write_raw_wav,
    write_sparse_wav,
    write_truncated_wav,
    write_wav,
)
from tests.e2e.conftest import SPEECH_KEY, RecordingService
from tests.support.runner import run_action

Mutation = Callable[[Path], None]
TRANS = "testing_data/trans.txt"
PLAIN = "training_data/plain_text.txt"
PRON = "training_data/pronunciation.txt"


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Mutation
    file: str | None  # the annotation's file (None: a setting, named in the title)
    line: int | None
    phrase: str
    mode: str = "train-and-gate"
    inputs: tuple[tuple[str, str], ...] = ()


def _replace_wav(writer: Callable[[Path], object], name: str = "domain01.wav") -> Mutation:
    return lambda ws: (writer(ws / "testing_data" / name), None)[1]


def _append(relative: str, data: bytes) -> Mutation:
    def mutate(ws: Path) -> None:
        with (ws / relative).open("ab") as stream:
            stream.write(data)
    return mutate


def _rewrite_line(relative: str, number: int, line: bytes) -> Mutation:
    def mutate(ws: Path) -> None:
        lines = (ws / relative).read_bytes().split(b"\n")
        lines[number - 1] = line
        (ws / relative).write_bytes(b"\n".join(lines))
    return mutate


def _write(relative: str, text: str) -> Mutation:
    def mutate(ws: Path) -> None:
        (ws / relative).parent.mkdir(parents=True, exist_ok=True)
        (ws / relative).write_text(text, encoding="utf-8")
    return mutate


def _grow(relative: str, size: int) -> Mutation:
    def mutate(ws: Path) -> None:
        with (ws / relative).open("ab") as stream:
            stream.truncate(size)
    return mutate


def _long_training_audio(ws: Path) -> None:
    write_sparse_wav(ws / "training_data" / "long.wav", seconds=41)
    (ws / "training_data" / "trans.txt").write_text("long.wav\tsomething long\n", "utf-8")


def _nothing(ws: Path) -> None:
    del ws


CASES = [
    # audio
    Case("not RIFF", _replace_wav(write_not_riff), "testing_data/domain01.wav", None, "RIFF"),
    Case("stereo", _replace_wav(lambda p: write_wav(p, channels=2)),
         "testing_data/domain01.wav", None, "stereo"),
    Case("44.1 kHz", _replace_wav(lambda p: write_wav(p, rate=44100)),
         "testing_data/domain01.wav", None, "44,100 Hz"),
    Case("8-bit", _replace_wav(lambda p: write_wav(p, width=1)),
         "testing_data/domain01.wav", None, "8-bit"),
    Case("24-bit", _replace_wav(lambda p: write_raw_wav(p, bits=24)),
         "testing_data/domain01.wav", None, "24-bit"),
    Case("float", _replace_wav(lambda p: write_raw_wav(p, format_tag=FLOAT, bits=32)),
         "testing_data/domain01.wav", None, "float"),
    Case("truncated header", _replace_wav(write_truncated_wav),
         "testing_data/domain01.wav", None, "truncated"),
    Case("empty audio", _replace_wav(lambda p: p.write_bytes(b"")),
         "testing_data/domain01.wav", None, "empty"),
    Case("training audio over 40 s", _long_training_audio, "training_data/long.wav", None,
         "40"),
    # transcripts
    Case("missing transcript", lambda ws: (ws / TRANS).unlink(), "testing_data", None,
         "transcript"),
    Case("audio without transcript", _replace_wav(write_wav, "extra.wav"),
         "testing_data/extra.wav", None, "no transcript"),
    Case("line naming missing audio", _append(TRANS, b"ghost.wav\thello there\n"), TRANS, 21,
         "ghost.wav"),
    Case("duplicate names", _append(TRANS, b"domain01.wav\tagain\n"), TRANS, 21, "duplicate"),
    Case("no tab", _rewrite_line(TRANS, 2, b"domain02.wav Does GoDrive have an office"), TRANS,
         2, "no tab"),
    Case("empty text", _rewrite_line(TRANS, 3, b"domain03.wav\t  "), TRANS, 3, "empty"),
    Case("invalid UTF-8 transcript", _rewrite_line(TRANS, 4, b"domain04.wav\tcaf\xe9"), TRANS, 4,
         "UTF-8"),
    # related text
    Case("URL in related text", _append(PLAIN, b"Book at https://godrive.example/sharjah\n"),
         PLAIN, None, "URI"),
    Case("invalid UTF-8 related text", _append(PLAIN, b"Sharjah \xff\xfe\n"), PLAIN, None,
         "UTF-8"),
    # Learn, "Training and testing datasets": the limits are decimal (1 MB = 1,000,000 bytes).
    Case("related text over 200 MB", _grow(PLAIN, 200_000_000 + 1), PLAIN, None, "200 MB"),
    # pronunciation
    Case("pronunciation without tab", _append(PRON, b"Buhairah buh hi rah\n"), PRON, None,
         "tab"),
    Case("empty spoken form", _append(PRON, b"Buhairah\t\n"), PRON, None, "spoken"),
    Case("pronunciation over 1 MB", _grow(PRON, 1_000_000 + 1), PRON, None,
         "at most 1 MB of pronunciation data"),
]

CONFIG_CASES = [
    Case("invalid YAML", _write("speech.yml", "locale: [en-US\n"), None, None, "YAML"),
    Case("unknown YAML key", _write("speech.yml", "locale: en-US\nmin-improvment: 1\n"), None,
         None, "min-improvment"),
    Case("unknown mode", _nothing, None, None, "mode", mode="train-and-pray"),
    Case("both region and endpoint", _nothing, None, None, "speech-region",
         inputs=(("speech-region", "eastus"),)),
    Case("bad api-version", _nothing, None, None, "api-version",
         inputs=(("api-version", "2023-01-01"),)),
    Case("non-numeric threshold", _nothing, None, None, "min-improvement",
         inputs=(("min-improvement", "a lot"),)),
    Case("data path outside the workspace", _nothing, None, None, "outside",
         inputs=(("testing-data", "../elsewhere"),)),
    Case("bad boolean", _nothing, None, None, "require-significance",
         inputs=(("require-significance", "yes"),)),
]


def _annotation(stdout: str, case: Case) -> str:
    errors = [line for line in stdout.splitlines() if line.startswith("::error")]
    assert errors, stdout
    for line in errors:
        properties = line.split("::", 2)[1]
        file_ok = case.file is None or f"file={case.file}" in properties
        line_ok = case.line is None or re.search(rf"\bline={case.line}\b", properties)
        if file_ok and line_ok and case.phrase.lower() in line.lower():
            return line
    raise AssertionError(f"no annotation for {case.file}:{case.line} with {case.phrase!r} "
                         f"among:\n" + "\n".join(errors))


def _run_case(case: Case, service: RecordingService, workspace: Path, step: Path) -> str:
    case.mutate(workspace)
    inputs = {"mode": case.mode, "speech-endpoint": service.url, "speech-key": SPEECH_KEY,
              **dict(case.inputs)}
    run = run_action(inputs, workspace, step)
    assert run.returncode == 1, run.all_text
    assert SPEECH_KEY not in run.all_text
    assert service.exchanges == [], [f"{e.method} {e.url}" for e in service.exchanges]
    assert run.outputs.get("improved") == "false"
    assert "speech-action failed" in run.summary
    return _annotation(run.stdout, case)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_data_fails_before_any_request(case: Case, speech_service: RecordingService,
                                           workspace: Path, tmp_path: Path) -> None:
    annotation = _run_case(case, speech_service, workspace, tmp_path / "step")
    assert "file=" in annotation


@pytest.mark.parametrize("case", CONFIG_CASES, ids=[c.name for c in CONFIG_CASES])
def test_bad_settings_fail_before_any_request(case: Case, speech_service: RecordingService,
                                              workspace: Path, tmp_path: Path) -> None:
    _run_case(case, speech_service, workspace, tmp_path / "step")


def test_many_problems_are_reported_at_once(speech_service: RecordingService, workspace: Path,
                                            tmp_path: Path) -> None:
    for mutate in (_replace_wav(lambda p: write_wav(p, channels=2)),
                   _rewrite_line(TRANS, 3, b"domain03.wav\t"),
                   _append(PRON, b"Buhairah\t\n")):
        mutate(workspace)
    run = run_action({"mode": "train-and-gate", "speech-endpoint": speech_service.url,
                      "speech-key": SPEECH_KEY}, workspace, tmp_path / "step")
    assert run.returncode == 1
    files = {m.group(1) for m in re.finditer(r"^::error [^:]*file=([^,:]+)", run.stdout, re.M)}
    assert files == {"testing_data/domain01.wav", TRANS, PRON}
    assert speech_service.exchanges == []


ACCEPTED = [
    ("BOM", lambda ws: (ws / TRANS).write_bytes(b"\xef\xbb\xbf" + (ws / TRANS).read_bytes())),
    ("CRLF", lambda ws: (ws / TRANS).write_bytes((ws / TRANS).read_bytes().replace(b"\n",
                                                                                b"\r\n"))),
    ("8 kHz", lambda ws: _to_8khz(ws / "testing_data" / "domain01.wav")),
]


def _to_8khz(path: Path) -> None:
    import wave

    with wave.open(str(path), "rb") as source:
        frames = source.readframes(source.getnframes())
    samples = memoryview(frames).cast("h")[::2].tobytes()  # every other sample: 8 kHz
    with wave.open(str(path), "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(8000)
        target.writeframes(samples)


@pytest.mark.parametrize("mutate", [m for _, m in ACCEPTED], ids=[n for n, _ in ACCEPTED])
def test_accepted_variants_pass(mutate: Mutation, speech_service: RecordingService,
                                workspace: Path, tmp_path: Path) -> None:
    mutate(workspace)
    run = run_action({"mode": "benchmark-test", "speech-endpoint": speech_service.url,
                      "speech-key": SPEECH_KEY, "poll-seconds": "0.05"}, workspace,
                     tmp_path / "step")
    assert run.returncode == 0, run.all_text
    assert not run.annotations("error")


def test_workspace_copy_is_independent(workspace: Path) -> None:
    shutil.rmtree(workspace / "training_data")
    assert (Path(__file__).resolve().parents[2] / "examples/sharjah/training_data").is_dir()
