"""`scripts/release.py`: the checks and the action.yml edit of the release workflow."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from tests.support.tools import venv_tool

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "ghcr.io/example-org/speech-action:1.2.3@sha256:" + "ab" * 32


def _load_release() -> ModuleType:
    spec = importlib.util.spec_from_file_location("release", ROOT / "scripts" / "release.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


release = _load_release()


def _pyproject(tmp_path: Path, version: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(f'[project]\nname = "speech-action"\nversion = "{version}"\n',
                    encoding="utf-8")
    return path


def test_a_tag_gives_the_version_and_the_major_tag(tmp_path: Path) -> None:
    outputs = release.version_outputs("v1.2.3", _pyproject(tmp_path, "1.2.3"))
    assert outputs == "version=1.2.3\nmajor=v1\n"


@pytest.mark.parametrize("tag", ["1.2.3", "v1.2", "v01.2.3", "v1.2.3-rc1", "latest"])
def test_only_release_tags_are_accepted(tmp_path: Path, tag: str) -> None:
    with pytest.raises(release.ReleaseError, match=r"look like v1\.2\.3"):
        release.version_outputs(tag, _pyproject(tmp_path, "1.2.3"))


def test_a_tag_that_disagrees_with_pyproject_names_both(tmp_path: Path) -> None:
    with pytest.raises(release.ReleaseError, match=r"version is 1\.2\.2, the tag says 1\.2\.3"):
        release.version_outputs("v1.2.3", _pyproject(tmp_path, "1.2.2"))


def test_the_declared_version_of_this_repository_reads() -> None:
    version = release.tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert release.version_outputs(f"v{version}", ROOT / "pyproject.toml").startswith("version=")


CHANGELOG = """# Changelog

## [Unreleased]

## [1.2.3] - 2026-12-01

### Fixed

- The gate.

## [1.2.2] - 2026-11-01

- Older.
"""


def test_release_notes_are_the_versions_changelog_section(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(CHANGELOG, encoding="utf-8")
    assert release.release_notes(changelog, "v1.2.3") == "### Fixed\n\n- The gate.\n"
    assert release.release_notes(changelog, "v1.2.2") == "- Older.\n"


def test_no_release_without_its_changelog_section(tmp_path: Path) -> None:
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text(CHANGELOG, encoding="utf-8")
    with pytest.raises(release.ReleaseError, match=r"no '## \[1\.3\.0\]' section"):
        release.release_notes(changelog, "v1.3.0")


def test_the_release_commit_runs_the_pushed_image_and_stays_a_valid_action(
        tmp_path: Path) -> None:
    action = tmp_path / "action.yml"
    shutil.copy(ROOT / "action.yml", action)
    release.pin_image(action, IMAGE)
    pinned = yaml.safe_load(action.read_text(encoding="utf-8"))
    original = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert pinned["runs"] == {**original["runs"], "image": f"docker://{IMAGE}"}
    assert {k: v for k, v in pinned.items() if k != "runs"} == \
        {k: v for k, v in original.items() if k != "runs"}
    subprocess.run([venv_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions",
                    str(action)], check=True)


@pytest.mark.parametrize("image", [
    "ghcr.io/example-org/speech-action:1.2.3",                       # no digest
    "ghcr.io/Example-Org/speech-action:1.2.3@sha256:" + "ab" * 32,   # not lower case
    "docker.io/example/speech-action:1.2.3@sha256:" + "ab" * 32,     # another registry
])
def test_only_a_ghcr_image_pinned_by_digest_is_written(tmp_path: Path, image: str) -> None:
    action = tmp_path / "action.yml"
    shutil.copy(ROOT / "action.yml", action)
    with pytest.raises(release.ReleaseError, match=r"expected ghcr\.io"):
        release.pin_image(action, image)


def test_an_already_pinned_action_is_not_pinned_twice(tmp_path: Path) -> None:
    action = tmp_path / "action.yml"
    shutil.copy(ROOT / "action.yml", action)
    release.pin_image(action, IMAGE)
    with pytest.raises(release.ReleaseError, match="found 0"):
        release.pin_image(action, IMAGE)


def test_the_command_line_fails_with_a_message(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "release.py"), "version", "v9.9.9",
         "--pyproject", str(_pyproject(tmp_path, "1.0.0"))],
        capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert "release: pyproject.toml: version is 1.0.0" in result.stderr
