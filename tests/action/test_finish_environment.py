"""image/finish_environment.py, which the Dockerfile's build stage runs on the image's
environment (issue #13). Measured on a built image in BENCHMARKS.md ("The image"); these
tests check each part on small copies."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "image" / "finish_environment.py"
_spec = importlib.util.spec_from_file_location("finish_environment", SCRIPT)
assert _spec is not None and _spec.loader is not None
finish = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(finish)


def _python(code: str, *path: Path) -> str:
    """Run `code` in a fresh interpreter with `path` first on sys.path and no bytecode
    written, as in the image; its stdout."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1",
           "PYTHONPATH": os.pathsep.join(str(p) for p in path)}
    return subprocess.run([sys.executable, "-c", code], env=env, check=True,
                          capture_output=True, text=True).stdout


def test_bytecode_is_unchecked_hash_so_the_image_never_reads_the_source(tmp_path: Path) -> None:
    source = tmp_path / "greeting.py"
    source.write_text("WORD = 'compiled'\n", encoding="utf-8")
    written = finish.compile_bytecode([source])
    cached = Path(importlib.util.cache_from_source(str(source)))
    assert written == cached.stat().st_size > 0
    # PEP 552 flags: bit 0 set (hash-based), bit 1 clear (the source is not checked).
    assert int.from_bytes(cached.read_bytes()[4:8], "little") == 0b01
    # The source changes after the build: the bytecode is still what runs, which is why
    # nothing may change the image's sources (the script's docstring).
    source.write_text("WORD = 'edited'\n", encoding="utf-8")
    assert _python("import greeting; print(greeting.WORD)", tmp_path).strip() == "compiled"


def test_the_walk_lists_every_module_that_importing_the_package_loads(tmp_path: Path) -> None:
    package = tmp_path / "walked"
    (package / "inner").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "inner" / "__init__.py").write_text("", encoding="utf-8")
    (package / "inner" / "deep.py").write_text("import colorsys\n", encoding="utf-8")
    listed = _python(
        "import finish_environment as f\n"
        "print('\\n'.join(str(p) for p in f.imported_sources('walked')))",
        SCRIPT.parent, tmp_path).splitlines()
    assert str(package / "inner" / "deep.py") in listed
    assert str(package / "inner" / "__init__.py") in listed
    # What a module imports is listed too: the image compiles the environment's share.
    assert any(Path(line).name == "colorsys.py" for line in listed)


def test_unused_model_files_go_and_a_missing_one_stops_the_build(tmp_path: Path) -> None:
    (relative,) = finish.UNUSED_MODEL_FILES
    model = tmp_path / relative
    model.parent.mkdir(parents=True)
    model.write_bytes(b"\0" * 1000)
    assert finish.remove_unused_files(tmp_path) == 1000
    assert not model.exists()
    with pytest.raises(finish.WheelChangedError, match="check UNUSED_MODEL_FILES"):
        finish.remove_unused_files(tmp_path)


def test_the_local_engine_never_reads_the_removed_model_file() -> None:
    decoder = (ROOT / "speech_action" / "local" / "sphinx_decode.py").read_text(encoding="utf-8")
    assert "en-us/en-us.lm.bin" in decoder  # the language model it does read
    for relative in finish.UNUSED_MODEL_FILES:
        assert Path(relative).name not in decoder


@pytest.mark.skipif(shutil.which("strip") is None, reason="binutils' strip is not installed")
def test_stripped_libraries_are_smaller_and_still_load(tmp_path: Path) -> None:
    # PyYAML's C extension carries 2.3 MB of debug information in its wheel.
    copy = tmp_path / "yaml"
    shutil.copytree(Path(yaml.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (library,) = finish.shared_libraries(tmp_path)
    before = library.stat().st_size
    saved = finish.strip_shared_libraries(tmp_path)
    assert saved == before - library.stat().st_size > 0
    loaded = _python(
        "import yaml; print(yaml.__file__, yaml.load('a: 1', Loader=yaml.CSafeLoader))", tmp_path)
    assert loaded.split() == [str(copy / "__init__.py"), "{'a':", "1}"]


def test_it_refuses_to_compile_a_source_tree_instead_of_the_environment(tmp_path: Path) -> None:
    # Run from the repository, `import speech_action` finds the sources, not the
    # environment's copy: nothing may be stripped or compiled then.
    environment = tmp_path / "environment"
    environment.mkdir()
    result = subprocess.run([sys.executable, str(SCRIPT), str(environment)], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "run this script from another folder" in result.stderr
    assert list(environment.iterdir()) == []
