"""Hostile data through the whole action, against the local service on 127.0.0.1: exit code
1, an `::error` annotation on the file (and line), no secret in any artefact, not one
request to the service. The data package's cases are in test_data_bombs.py.

Basis: GitHub docs, "Workflow commands for GitHub Actions" (`::error file=...,line=...::`);
where the Speech service's data rules are silent (links, FIFOs, header bombs), the action
fails safe before uploading anything.
"""

from __future__ import annotations

import os
import re
import struct
from pathlib import Path

import pytest

from tests.data.wavs import wav_header
from tests.e2e.conftest import SPEECH_KEY, RecordingService
from tests.e2e.conftest import speech_service as speech_service  # fixtures, re-exported
from tests.e2e.conftest import workspace as workspace
from tests.support.runner import ActionRun, run_action

FAKE_TOKEN = "ghs_persistedcheckouttoken0123456789"
TRANS = "testing_data/trans.txt"


def _run(service: RecordingService, ws: Path, step: Path) -> ActionRun:
    run = run_action({"mode": "train-and-gate", "speech-endpoint": service.url,
                      "speech-key": SPEECH_KEY}, ws, step)
    assert run.returncode == 1, run.all_text
    assert service.exchanges == [], [f"{e.method} {e.url}" for e in service.exchanges]
    assert SPEECH_KEY not in run.all_text
    assert run.outputs.get("improved") == "false"
    return run


def _errors(run: ActionRun) -> list[str]:
    return [line for line in run.stdout.splitlines() if line.startswith("::error")]


def _annotation(run: ActionRun, file: str, phrase: str, line: int | None = None) -> str:
    for error in _errors(run):
        properties = error.split("::", 2)[1]
        if (f"file={file}" in properties and phrase in error
                and (line is None or re.search(rf"\bline={line}\b", properties))):
            return error
    raise AssertionError(f"no annotation on {file}:{line} with {phrase!r}:\n"
                         + "\n".join(_errors(run)))


def test_a_link_to_git_config_fails_the_run_and_the_token_goes_nowhere(
    speech_service: RecordingService, workspace: Path, tmp_path: Path,
) -> None:
    (workspace / ".git").mkdir()
    (workspace / ".git" / "config").write_text(
        f'[http "https://github.com/"]\n\textraheader = AUTHORIZATION: basic {FAKE_TOKEN}\n')
    (workspace / "training_data" / "notes.md").symlink_to("../.git/config")

    run = _run(speech_service, workspace, tmp_path / "step")

    _annotation(run, "training_data/notes.md", "link into the .git folder")
    assert FAKE_TOKEN not in run.all_text and FAKE_TOKEN not in run.summary


@pytest.mark.timeout(120)  # a FIFO opened for reading would block the action forever
def test_a_fifo_among_the_test_audio_fails_the_run(
    speech_service: RecordingService, workspace: Path, tmp_path: Path,
) -> None:
    os.mkfifo(workspace / "testing_data" / "pipe.wav")

    run = _run(speech_service, workspace, tmp_path / "step")

    _annotation(run, "testing_data/pipe.wav", "not a regular file")


def test_a_fmt_chunk_claiming_1_9_gb_fails_the_run(
    speech_service: RecordingService, workspace: Path, tmp_path: Path,
) -> None:
    target = sorted((workspace / "testing_data").glob("*.wav"))[0]
    fmt = wav_header()[20:36]
    target.write_bytes(b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVEfmt "
                       + struct.pack("<I", 1_900_000_000) + fmt)

    run = _run(speech_service, workspace, tmp_path / "step")

    _annotation(run, f"testing_data/{target.name}", "claims 1,900,000,000 bytes")


def test_a_transcript_of_only_punctuation_fails_on_its_line(
    speech_service: RecordingService, workspace: Path, tmp_path: Path,
) -> None:
    lines = (workspace / TRANS).read_text(encoding="utf-8-sig").splitlines()
    name = lines[1].split("\t")[0]
    lines[1] = f"{name}\t... !?"
    (workspace / TRANS).write_text("\n".join(lines) + "\n", encoding="utf-8")

    run = _run(speech_service, workspace, tmp_path / "step")

    _annotation(run, TRANS, f"the transcript text for {name} has no words", line=2)


def test_thousands_of_broken_files_print_at_most_51_annotations(
    speech_service: RecordingService, workspace: Path, tmp_path: Path,
) -> None:
    for number in range(2000):
        (workspace / "testing_data" / f"empty{number:04d}.wav").touch()

    run = _run(speech_service, workspace, tmp_path / "step")

    errors = _errors(run)
    assert len(errors) == 51, len(errors)
    assert "more problems in" in errors[-1] and "were not listed" in errors[-1]
