"""Finish the image's virtual environment in the Dockerfile's build stage (issue #13): take
out what the action never reads, and compile the bytecode of what a run imports, once.

    /opt/speech-action/bin/python finish_environment.py ENVIRONMENT

- Shared libraries lose their symbol tables and debug sections (`strip --strip-unneeded`):
  5.5 MB of the wheels' `.so` files, PyYAML's and cryptography's mostly, is debug
  information nothing in the container reads. The stripped files no longer match the hashes
  in their wheels' RECORD files, which pip reads only to uninstall.
- pocketsphinx's phone language model goes: it serves the allphone search, which the local
  engine never runs (speech_action/local/sphinx_decode.py names its model files).
- Bytecode: pip installs with `--no-compile`, and this compiles only the environment's
  modules that importing every module of speech_action loads (538 of them, 7.6 MB), where
  pip compiled every module of every dependency (12.1 MB). A module imported only later,
  inside a function, is compiled in memory at each start, as one without bytecode is.

  The bytecode is "unchecked-hash" (PEP 552): Python loads it without comparing it with its
  source, so no timestamp matters (a COPY between stages may change them) and a start reads
  no source file. Nothing changes the image's sources after this build, which is what makes
  that safe; an edited source inside a container would be ignored.

  The official python image ships its standard library without bytecode, so each start
  compiles the 200 or so standard modules a run imports: 0.9 s measured, the same as
  before this step. Their bytecode would cost 5.4 MB, which the 220 MB budget does not
  leave room for (BENCHMARKS.md, "The image").

Standard library only: it runs before anything but the environment exists.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import py_compile
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

UNUSED_MODEL_FILES = ("pocketsphinx/model/en-us/en-us-phone.lm.bin",)


def shared_libraries(environment: Path) -> list[Path]:
    return sorted(path for pattern in ("*.so", "*.so.*") for path in environment.rglob(pattern)
                  if path.is_file() and not path.is_symlink())


def strip_shared_libraries(environment: Path) -> int:
    """Strip every shared library in the environment; the bytes saved."""
    libraries = shared_libraries(environment)
    before = sum(path.stat().st_size for path in libraries)
    if libraries:
        subprocess.run(["strip", "--strip-unneeded", *map(str, libraries)], check=True)
    return before - sum(path.stat().st_size for path in libraries)


class WheelChangedError(Exception):
    """A file this script removes is not where it was: a dependency's wheel changed."""


def remove_unused_files(site_packages: Path) -> int:
    """Remove the files no run reads; the bytes saved. A missing file stops the build: the
    wheel changed, and UNUSED_MODEL_FILES must be checked against it again."""
    saved = 0
    for relative in UNUSED_MODEL_FILES:
        path = site_packages / relative
        if not path.is_file():
            raise WheelChangedError(
                f"{relative} is not in {site_packages}: a dependency's wheel changed; check "
                "UNUSED_MODEL_FILES in image/finish_environment.py against it")
        saved += path.stat().st_size
        path.unlink()
    return saved


def imported_sources(package: str) -> list[Path]:
    """The source file of every module loaded by importing all of `package`'s modules."""
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, f"{package}."):
        importlib.import_module(module.name)
    files = (getattr(module, "__file__", None) for module in list(sys.modules.values()))
    return sorted({Path(file) for file in files if file and file.endswith(".py")})


def compile_bytecode(sources: Iterable[Path]) -> int:
    """Compile `sources` next to them (`__pycache__`); the bytes written."""
    written = 0
    for source in sources:
        target = importlib.util.cache_from_source(str(source))
        py_compile.compile(str(source), cfile=target, doraise=True,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        written += Path(target).stat().st_size
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: finish_environment.py ENVIRONMENT", file=sys.stderr)
        return 2
    environment = Path(argv[0])
    sys.dont_write_bytecode = True  # the walk's imports must not leave __pycache__ behind
    package = Path(importlib.import_module("speech_action").__file__ or "")
    if not package.is_relative_to(environment):
        # Run from a folder holding the sources, it would compile those instead.
        print(f"speech_action is imported from {package}, not from {environment}: run this "
              "script from another folder", file=sys.stderr)
        return 1
    (site_packages,) = environment.glob("lib/python3.*/site-packages")
    try:
        removed = remove_unused_files(site_packages)
    except WheelChangedError as error:
        print(error, file=sys.stderr)
        return 1
    stripped = strip_shared_libraries(environment)
    sources = imported_sources("speech_action")
    # The standard library's modules stay without bytecode, as the base image has them.
    own = [path for path in sources if path.is_relative_to(environment)]
    compiled = compile_bytecode(own)
    print(f"stripped {stripped / 1e6:.1f} MB of shared libraries, removed {removed / 1e6:.1f} MB "
          f"of unused files, compiled {len(own)} of the {len(sources)} modules a run imports "
          f"({compiled / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
