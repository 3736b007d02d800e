"""`pip install speech-action` works for a pip user, and pyproject.toml declares what it must.

requirements.txt pins the exact closure the image and the dev venv install; pyproject.toml
declares the direct dependencies as ranges for pip users. The fast tests keep the two in step
(every range admits its pin, every import of the package is declared); the slow one installs
a copy of the repository into a fresh venv from the package registry and runs the command.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "speech_action"
# What `pip install .` reads: the metadata, the readme and license it names, and the package.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE")


def _declared() -> dict[str, Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [Requirement(line) for line in project["dependencies"]]
    return {canonicalize_name(req.name): req for req in requirements}


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = Version(version)
    return pins


def _imported_modules() -> set[str]:
    """Every absolute import in the package that is neither the standard library nor its own."""
    modules: set[str] = set()
    for path in (ROOT / PACKAGE).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module)
    own_or_stdlib = {PACKAGE, "__future__", *sys.stdlib_module_names}
    return {name for name in modules if name.split(".", 1)[0] not in own_or_stdlib}


def _module_owners() -> dict[str, str]:
    """Each importable module of the installed distributions, with the distribution that
    holds its file (by file, since a namespace such as `azure` is shared by azure-core and
    azure-storage-blob)."""
    owners: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]  # once: each access parses METADATA again
        for file in dist.files or ():
            if file.suffix in {".py", ".so"}:
                parts = [*file.parent.parts, file.name.split(".", 1)[0]]
                if parts[-1] == "__init__":
                    parts.pop()
                owners[".".join(parts)] = name
    return owners


def test_every_range_admits_its_pin_and_stops_before_the_next_major() -> None:
    pins = _pins()
    for name, requirement in _declared().items():
        assert name in pins, f"{requirement} is declared but requirements.txt does not pin it"
        assert requirement.specifier.contains(pins[name]), f"{requirement} refuses {pins[name]}"
        upper = [spec for spec in requirement.specifier if spec.operator == "<"]
        assert upper, f"{requirement} has no upper bound: a new major would reach pip users"


def test_every_import_of_the_package_is_declared() -> None:
    owners = _module_owners()
    modules = _imported_modules()
    assert modules <= set(owners), f"imported, not installed: {sorted(modules - set(owners))}"
    imported = {canonicalize_name(owners[module]) for module in modules}
    assert imported == set(_declared()), (
        f"imported but not declared: {sorted(imported - set(_declared()))}; "
        f"declared but not imported: {sorted(set(_declared()) - imported)}"
    )


def _copy_of_the_repository(destination: Path) -> None:
    """Only what the build reads, so no build/ or egg-info lands in the work tree."""
    for name in BUILD_INPUTS:
        shutil.copy2(ROOT / name, destination / name)
    shutil.copytree(
        ROOT / PACKAGE, destination / PACKAGE,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )


def test_pip_install_from_the_registry_gives_a_working_command(tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    _copy_of_the_repository(source)
    venv = tmp_path / "venv"
    # A venv without its own pip saves the seconds ensurepip takes; this venv's pip installs
    # into it (`pip --python`), as the user's own pip would.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # Build isolation fetches setuptools within pyproject's bound, as for any pip user. The
    # dependencies resolve from the ranges, constrained to requirements.txt's pins: the
    # closure the image is tested with, and no surprise from a release made this morning
    # (dependabot brings those in, with this test on its pull request). A constraint never
    # adds a package, so an undeclared dependency still leaves the command broken here.
    # pip's own cache is reused; --no-compile skips writing bytecode nobody runs twice.
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--disable-pip-version-check", "--no-compile",
         "--constraint", str(ROOT / "requirements.txt"), str(source)],
        check=True, cwd=tmp_path, timeout=600,
    )
    command = venv / "bin" / "speech-action"
    # The venv is used as installed: not activated, and nothing of this repository on the path.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    result = subprocess.run(
        [str(command), "--help"], capture_output=True, text=True, check=False, cwd=tmp_path,
        env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: speech-action"), result.stdout[:300]
    # --help imports little; every module of the package must import from the installed deps.
    imports = subprocess.run(
        [str(python), "-c", _IMPORT_EVERY_MODULE], capture_output=True, text=True,
        check=False, cwd=tmp_path, env=env, timeout=120,
    )
    assert imports.returncode == 0, imports.stderr


_IMPORT_EVERY_MODULE = """
import importlib, pkgutil, speech_action
for module in pkgutil.walk_packages(speech_action.__path__, "speech_action."):
    importlib.import_module(module.name)
assert "site-packages" in speech_action.__file__, speech_action.__file__
"""

