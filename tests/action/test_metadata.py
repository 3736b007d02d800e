"""action.yml, the README and the workflows agree with each other and lint clean; action.yml
fits the Marketplace and dependabot's config fits its schema.

The inputs are declared once, in `speech_action.config.INPUTS`; action.yml and the README's
inputs table must say the same, and the failures print what they should say.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from speech_action.config import INPUTS
from tests.support.tools import venv_tool

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


def _readme_input_rows() -> list[str]:
    """The README's inputs table, row by row, as `INPUTS` says it should read."""
    rows = []
    for spec in INPUTS:
        default = "(required)" if spec.required else f"`{spec.default}`" if spec.default else ""
        rows.append(f"| `{spec.name}` | {default} | {spec.description} |")
    return rows


def _action_yml_inputs() -> str:
    """action.yml's `inputs:` block as `INPUTS` says it should read. Its defaults are the
    runner's (`""` for what speech.yml may set: config/inputs.py says why); the descriptions
    state the defaults applied in code."""
    lines = ["inputs:"]
    for spec in INPUTS:
        lines += [f"  {spec.name}:",
                  f"    description: {json.dumps(spec.action_yml_description)}"]
        if spec.required:
            lines.append("    required: true")
        else:
            lines += ["    required: false", f"    default: {json.dumps(spec.runner_default)}"]
    return "\n".join(lines)


def test_action_yml_inputs_are_the_declaration() -> None:
    # INPUTS (speech_action/config/inputs.py) is the one declaration of the inputs.
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    block = text[text.index("\ninputs:\n") + 1 : text.index("\n\noutputs:\n")]
    assert block == _action_yml_inputs(), "action.yml should read:\n" + _action_yml_inputs()


def test_readme_inputs_table_is_the_declaration() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Inputs", 1)[1].split("\n### ", 1)[0]
    actual = [line for line in section.splitlines() if line.startswith("| `")]
    expected = _readme_input_rows()
    assert actual == expected, "README.md's inputs table should read:\n" + "\n".join(expected)


def test_readme_outputs_table_equals_action_yml() -> None:
    outputs = _action()["outputs"]
    table = _readme_table("### Outputs")
    assert list(table) == list(outputs)
    for name, spec in outputs.items():
        assert table[name][0] == spec["description"], name


# In PRODUCT.md but not built yet: whoever builds them adds them to INPUTS (and action.yml,
# the README) and takes them out of here; until then they must stay out of action.yml.
PLANNED_INPUTS: set[str] = set()
PLANNED_OUTPUTS: set[str] = set()
# The contract writes a default the action computes at run time; action.yml leaves it empty.
COMPUTED_DEFAULTS = {"endpoint-name": "<owner/repo> custom speech"}


def _contract_section(heading: str) -> str:
    contract = CONTRACT.read_text(encoding="utf-8")
    return contract.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]


@pytest.mark.skipif(not CONTRACT.exists(), reason="../shared/PRODUCT.md is not beside the repo")
def test_action_inputs_are_the_contracts() -> None:
    rows = re.findall(r"^\| `([a-z0-9-]+)` \|([^|]*)\|", _contract_section("Inputs"), re.M)
    contract = {name: default.strip() for name, default in rows}
    built = _action()["inputs"]
    assert set(contract) >= PLANNED_INPUTS, "planned inputs left the contract: update the test"
    assert not PLANNED_INPUTS & set(built), "a planned input is built: move it out of PLANNED"
    assert set(contract) - PLANNED_INPUTS == set(built)
    declared = {spec.name: spec.default for spec in INPUTS}  # action.yml's are the runner's
    for name, spec in built.items():
        default = COMPUTED_DEFAULTS.get(name) or declared[name] or ""
        written = "(required)" if spec.get("required") else f"`{default}`" if default else ""
        assert contract[name] == written, name


@pytest.mark.skipif(not CONTRACT.exists(), reason="../shared/PRODUCT.md is not beside the repo")
def test_action_outputs_are_the_contracts() -> None:
    contract = set()
    for cell in re.findall(r"^\| (`[^|]+) \|", _contract_section("Outputs"), re.M):
        contract.update(re.findall(r"`([a-z0-9-]+)`", cell))
    built = set(_action()["outputs"])
    assert contract >= PLANNED_OUTPUTS, "planned outputs left the contract: update the test"
    assert not PLANNED_OUTPUTS & built, "a planned output is built: move it out of PLANNED"
    assert contract - PLANNED_OUTPUTS == built


def test_action_yml_validates_against_the_actions_schema() -> None:
    subprocess.run(
        [venv_tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", "action.yml"],
        cwd=ROOT, check=True,
    )


def test_workflows_validate_and_pass_actionlint() -> None:
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    subprocess.run(
        [venv_tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *workflows],
        cwd=ROOT, check=True,
    )
    subprocess.run([venv_tool("actionlint"), "-shellcheck=", *workflows], cwd=ROOT, check=True)


# The Marketplace refuses a release whose description is not under 125 characters ("Description
# must be less than 125 characters" on the publishing form), and it checks action.yml at the
# release tag, so a long one is found only when publishing.
MARKETPLACE_DESCRIPTION_LIMIT = 125


def test_action_description_fits_the_marketplace() -> None:
    description = _action()["description"]
    assert isinstance(description, str)
    assert len(description) < MARKETPLACE_DESCRIPTION_LIMIT, (len(description), description)


def test_dependabot_config_validates_against_its_schema() -> None:
    subprocess.run(
        [venv_tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot",
         ".github/dependabot.yml"],
        cwd=ROOT, check=True,
    )


def test_requirements_are_pinned() -> None:
    for name in ("requirements.txt", "requirements-dev.txt"):
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith(("#", "-r")):
                assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9.]*", line), line
