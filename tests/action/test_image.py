"""The container image's recipe (Dockerfile, .dockerignore) and the release workflow's
script (issue #13). Building the image needs root and minutes: `scripts/container-check.sh`
does that before a release; these checks keep the recipe honest on every test run."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from tests.support.tools import venv_tool

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
# Logical lines: continuation lines joined to the instruction they continue.
LOGICAL = re.sub(r"\\\n\s*", " ", DOCKERFILE)
PINNED_BASE = re.compile(r"python:3\.13-slim@sha256:[0-9a-f]{64}")


def _instructions(name: str) -> list[str]:
    return re.findall(rf"^{name} (.+)$", LOGICAL, re.MULTILINE)


def test_dockerfile_passes_hadolint() -> None:
    subprocess.run([venv_tool("hadolint"), "Dockerfile"], cwd=ROOT, check=True)


def test_every_stage_starts_from_one_python_313_slim_pinned_by_digest() -> None:
    # 3.13: pocketsphinx 5.1.1 has wheels for cp311 and cp313, none for cp312. One digest
    # for both stages: the environment built in the first runs on the second's Python.
    bases = [line.split()[0] for line in _instructions("FROM")]
    assert len(bases) == 2 and len(set(bases)) == 1, bases
    assert PINNED_BASE.fullmatch(bases[0]), bases[0]


def test_the_image_installs_wheels_only_and_no_compiler() -> None:
    runs = " ".join(_instructions("RUN"))
    assert "--only-binary=:all:" in runs
    assert not re.search(r"gcc|build-essential|python3-dev", runs), runs
    # The one Debian package: binutils for `strip`, in the build stage, which is thrown away.
    installs = re.findall(r"apt-get install ([^&]+)", runs)
    assert [install.split() for install in installs] == [
        ["-y", "--no-install-recommends", "binutils"]], installs


def test_the_build_stage_finishes_the_installed_environment_not_the_sources() -> None:
    build = LOGICAL[:LOGICAL.rindex("\nFROM ")]
    pip_installs = re.findall(r"pip --python \S+ install (.+)", build)
    assert len(pip_installs) == 2 and all("--no-compile" in line for line in pip_installs)
    (finishing,) = [line for line in _instructions("RUN") if "finish_environment.py" in line]
    # From its own folder: run from /src, `import speech_action` would find the sources.
    assert finishing.split() == ["/opt/speech-action/bin/python",
                                 "/build/finish_environment.py", "/opt/speech-action"]
    assert "COPY image/finish_environment.py /build/finish_environment.py" in build
    assert build.index("finish_environment.py /opt") > build.rindex("--no-deps /src")


def test_the_final_stage_copies_one_environment_and_the_entrypoint() -> None:
    final = DOCKERFILE[DOCKERFILE.rindex("\nFROM "):]
    copies = re.findall(r"^COPY (.+)$", final, re.MULTILINE)
    assert copies == ["--from=build /opt/speech-action /opt/speech-action",
                      "entrypoint.py /opt/speech-action/entrypoint.py"], copies
    assert "RUN " not in final  # nothing installed twice, no leftovers to delete


def test_entrypoint_is_exec_form_with_absolute_paths() -> None:
    # The runner sets PATH and the working directory for its own needs.
    (entrypoint,) = _instructions("ENTRYPOINT")
    parts = re.findall(r'"([^"]*)"', entrypoint)
    assert entrypoint.startswith("[") and parts
    assert all(part.startswith("/") for part in parts), parts


def test_dockerignore_admits_exactly_what_the_dockerfile_copies() -> None:
    lines = [line.strip() for line in
             (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines[0] == "*", "everything is excluded first, then the sources are admitted"
    admitted = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    copied = set()
    for arguments in _instructions("COPY"):
        if arguments.startswith("--from="):
            continue
        copied.update(arguments.split()[:-1])
    assert admitted == copied

