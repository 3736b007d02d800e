"""action.yml, the README, the Dockerfile and the workflows agree with each other and lint clean."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT.parent / "shared" / "PRODUCT.md"


def _action() -> dict[str, dict[str, dict[str, str]]]:
    loaded: dict[str, dict[str, dict[str, str]]] = yaml.safe_load(
        (ROOT / "action.yml").read_text(encoding="utf-8")
    )
    return loaded


def _readme_table(heading: str) -> dict[str, list[str]]:
    """Rows of the first Markdown table after `heading`, keyed by the backticked first cell."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(heading, 1)[1]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines()[1:]:
        if rows and not line.startswith("|"):
            break
        match = re.match(r"^\| `([a-z0-9-]+)` \|(.*)\|$", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed in the virtualenv: run scripts/setup.sh --dev")
    return found


def test_readme_inputs_table_equals_action_yml() -> None:
    inputs = _action()["inputs"]
    table = _readme_table("### Inputs")
    assert list(table) == list(inputs)
    for name, spec in inputs.items():
        default, description = table[name][0], table[name][1]
        expected_default = f"`{spec['default']}`" if spec.get("default") else ""
        if spec.get("required"):
            expected_default = "(required)"
        assert default == expected_default, name
        assert description == spec["description"], name


def test_readme_outputs_table_equals_action_yml() -> None:
    outputs = _action()["outputs"]
    table = _readme_table("### Outputs")
    assert list(table) == list(outputs)
    for name, spec in outputs.items():
        assert table[name][0] == spec["description"], name


def test_action_inputs_are_the_config_inputs() -> None:
    from speech_action.config import INPUTS

    action_inputs = _action()["inputs"]
    assert [spec.name for spec in INPUTS] == list(action_inputs)


@pytest.mark.skipif(not CONTRACT.exists(), reason="../shared/PRODUCT.md is not beside the repo")
def test_action_inputs_and_outputs_are_the_contracts() -> None:
    contract = CONTRACT.read_text(encoding="utf-8")
    inputs = contract.split("## Inputs", 1)[1].split("\n## ", 1)[0]
    outputs = contract.split("## Outputs", 1)[1].split("\n## ", 1)[0]
    assert set(re.findall(r"^\| `([a-z0-9-]+)` \|", inputs, re.M)) == set(_action()["inputs"])
    contract_outputs = set()
    for cell in re.findall(r"^\| (`[^|]+) \|", outputs, re.M):
        contract_outputs.update(re.findall(r"`([a-z0-9-]+)`", cell))
    assert contract_outputs == set(_action()["outputs"])


def test_action_yml_validates_against_the_actions_schema() -> None:
    subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", "action.yml"],
        cwd=ROOT, check=True,
    )


def test_workflows_validate_and_pass_actionlint() -> None:
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflows],
        cwd=ROOT, check=True,
    )
    subprocess.run([_tool("actionlint"), "-shellcheck=", *workflows], cwd=ROOT, check=True)


def test_dockerfile_passes_hadolint_and_uses_absolute_exec_form() -> None:
    subprocess.run([_tool("hadolint"), "Dockerfile"], cwd=ROOT, check=True)
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    bases = re.findall(r"^FROM (\S+)", dockerfile, re.M)
    assert bases and all(base == "python:3.12-slim" for base in bases), bases
    entrypoint = re.search(r"^ENTRYPOINT (\[.*\])$", dockerfile, re.M)
    assert entrypoint, "ENTRYPOINT must be in exec form"
    assert all(part.startswith('"/') for part in entrypoint.group(1)[1:-1].split(", "))


def test_requirements_are_pinned() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9.]*", line), line
