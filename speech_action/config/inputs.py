"""The action's inputs, declared once: `INPUTS` is the source of everything else.

Each `InputSpec` holds what action.yml says about the input (name, default, description,
required) and how its value is parsed. `cli` makes a flag of each, `load` parses each into
the `Config` field of the same name (hyphens become underscores), and
tests/action/test_metadata.py checks that action.yml and the README's inputs table say
exactly what `INPUTS` says. Adding an input: one line here, a `Config` field, then
action.yml and the README as the test prints them.

Given or not given: the runner sets an `INPUT_*` variable for every input action.yml
declares, to the workflow's value or else to action.yml's default (`""` without one), so a
value equal to a default cannot be told from a default by its value. The rule, fail safe:
every non-empty `INPUT_*` is an input the workflow gave, and it wins over `speech.yml`, even
when it equals the default (a workflow's `logging-enabled: false` is never overridden by a
pull request's file). So that the file can still set the others, action.yml declares the
default `""` for every input the file may set (`runner_default`); the real default
(`default`, shown in the README) is applied by `load` when neither the workflow nor the file
gives a value. Only `github-token` keeps an action.yml default: an expression only the
runner can evaluate, and a secret the file may not set anyway.

`connection` marks the settings that decide where credentials go (endpoint, region,
api-version, storage); `load` accepts them from the file only for an Azure Speech endpoint
or `local`.

The command line: every input is a flag of the same name; `env` names the environment
variable it also reads (a flag wins), and `modes` the modes that use the input, so that
`speech-action --mode deploy --help` lists only deploy's flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from speech_action.client.versions import DEFAULT_API_VERSION, VERSIONS
from speech_action.config import values
from speech_action.config.values import Parser, inside_workspace
from speech_action.records import DEFAULT_CONTAINER, DEFAULT_RECORDS_DIR
from speech_action.run_mode import Mode

__all__ = [
    "ALL_MODES",
    "DEFAULT_CONFIG_FILE",
    "INPUTS",
    "MODE_DESCRIPTIONS",
    "SPECS",
    "InputSpec",
    "inputs_from_cli_env",
    "inputs_from_env",
    "secret_inputs",
]

DEFAULT_CONFIG_FILE = "speech.yml"
ALL_MODES = frozenset(Mode)
_TESTS = frozenset({Mode.BENCHMARK_TEST, Mode.TRAIN_AND_GATE})  # the modes that evaluate
_GATE = frozenset({Mode.TRAIN_AND_GATE})
_DEPLOY = frozenset({Mode.DEPLOY})

MODE_DESCRIPTIONS = {
    Mode.BENCHMARK_TEST: "Evaluate the benchmark model (the one in production) on the test "
    "data and store that WER as the benchmark that later models must beat.",
    Mode.TRAIN_AND_GATE: "Train a model on the training data, evaluate it against the "
    "benchmark on the same test data, and set `improved` when it beats the benchmark by "
    "`min-improvement`.",
    Mode.DEPLOY: "Point a stable Custom Speech endpoint at the improved model (updated in "
    "place, or created), then record that model as the new benchmark.",
}


@dataclass(frozen=True)
class InputSpec:
    """One input as action.yml declares it (`default` is action.yml's literal default)."""

    name: str
    description: str
    default: str | None = ""
    parse: Parser | None = None
    path: bool = False
    """A path inside the workspace (parsed with the workspace, so `parse` is None)."""
    secret: bool = False
    required: bool = False
    connection: bool = False
    """Decides where credentials go: from `speech.yml` only for Azure Speech hosts or local."""
    env: str | None = None
    """The environment variable the command line also reads it from."""
    env_in_action: bool = False
    """The action reads `env` too when the workflow gives no input (as azure-identity reads
    `AZURE_CLIENT_ID` and `AZURE_TENANT_ID` from a job's `env:`)."""
    modes: frozenset[Mode] = ALL_MODES
    """The modes that use it (per-mode `--help`; a description starting `deploy:` agrees)."""

    @property
    def field(self) -> str:
        """The `Config` field that holds the parsed value."""
        return self.name.replace("-", "_")

    @property
    def runner_default(self) -> str | None:
        """action.yml's `default:`: `""` for every input `speech.yml` may set (module
        docstring); the default itself is applied in code. None for a required input."""
        if self.required:
            return None
        return self.default if self.name in _RUNNER_EVALUATED else ""

    @property
    def code_default(self) -> str | None:
        """The default `load` applies when neither the workflow nor the file gives a value;
        None without one, or when the runner applies it (`github-token`)."""
        if self.default and self.runner_default != self.default:
            return self.default
        return None

    @property
    def action_yml_description(self) -> str:
        """The description in action.yml, which also states the default applied in code."""
        if self.code_default:
            return f"{self.description} Default: `{self.code_default}`."
        return self.description

    def parser(self, workspace: Path) -> Parser | None:
        """How the value is read; None for `config`, which names the file read first."""
        return inside_workspace(workspace) if self.path else self.parse


_RUNNER_EVALUATED = frozenset({"github-token"})  # `${{ github.token }}`: only the runner knows it


def _spec(name: str, default: str | None, description: str, parse: Parser | None = None, *,
          modes: frozenset[Mode] = ALL_MODES, env: str | None = None,
          **flags: bool) -> InputSpec:
    return InputSpec(name, description, default, parse, env=env, modes=modes, **flags)


def _either(names: list[str]) -> str:
    quoted = [f"`{name}`" for name in names]
    return ", ".join(quoted[:-1]) + f" or {quoted[-1]}"


INPUTS: tuple[InputSpec, ...] = (
    _spec("mode", None, f"What to do: {_either([mode.value for mode in Mode])}.", values.mode,
          required=True),
    _spec("speech-key", "", "Speech resource key (secret). Not needed with "
          "`speech-endpoint: local`.", values.secret, secret=True, env="SPEECH_KEY"),
    _spec("speech-region", "", "Region of the Speech resource, e.g. `eastus`; gives "
          "`https://{region}.api.cognitive.microsoft.com`. One of `speech-region` or "
          "`speech-endpoint` is required.", values.region, connection=True, env="SPEECH_REGION"),
    _spec("speech-endpoint", "", "The resource's endpoint URL (custom subdomain, sovereign "
          "cloud, any compatible service), or `local` to run the embedded offline engine.",
          values.endpoint, connection=True, env="SPEECH_ENDPOINT"),
    _spec("api-version", DEFAULT_API_VERSION, "Speech to text REST API version: "
          f"{_either(list(VERSIONS))}.", values.api_version, connection=True),
    _spec("locale", "en-US", "Locale of datasets, models and endpoint.", values.locale),
    _spec("project", "", "Custom Speech project display name; found or created where the API "
          "version has projects, and every entity is linked to it.", values.text),
    _spec("config", DEFAULT_CONFIG_FILE, "Optional YAML file holding any of these settings, "
          "the data layout and the `test-sets`; an input given in the workflow wins."),
    _spec("testing-data", "testing_data", "Folder of test audio and transcript (or a .zip "
          "holding them). For several test sets, list `test-sets` in the config file "
          "instead.", path=True, modes=_TESTS),
    _spec("training-data", "training_data", "Folder of training data: related text, "
          "pronunciations, audio with transcripts.", path=True, modes=_GATE),
    _spec("base-model", "latest", "Base model id or URL, or `latest`: the newest base model of "
          "the locale that supports adaptation and is not past its adaptation date.",
          values.reference, modes=_TESTS),
    _spec("benchmark-model", "", "Id or URL of the model to benchmark against; default: the "
          "stored benchmark's model, else the base model.", values.reference, modes=_TESTS),
    _spec("min-improvement", "0", "How much the new model must gain over the benchmark "
          "(on the first test set): WER points (`0.5`) or relative to the benchmark WER "
          "(`5%`); with `0`, any strict improvement counts.", values.min_improvement, modes=_GATE),
    _spec("require-significance", "false", "Also require the improvement to be significant "
          "(paired test over utterances, 95 %).", values.boolean, modes=_GATE),
    _spec("storage-connection-string", "", "Azure Blob connection string (secret): benchmark "
          "records and test results go to a container.", values.connection_string,
          secret=True, connection=True),
    _spec("azure-client-id", "", "Keyless sign-in: the application (client) id of the "
          "Microsoft Entra app or managed identity whose federated credential trusts this "
          "workflow. With `azure-tenant-id`, the action exchanges the job's GitHub OIDC token "
          "(`permissions: id-token: write`) for Microsoft Entra tokens: no `speech-key`, and "
          "`speech-endpoint` must be the resource's custom subdomain. Also read from "
          "`AZURE_CLIENT_ID`.", values.guid, connection=True, env="AZURE_CLIENT_ID",
          env_in_action=True),
    _spec("azure-tenant-id", "", "Keyless sign-in: the directory (tenant) id of that app. "
          "Also read from `AZURE_TENANT_ID`.", values.guid, connection=True,
          env="AZURE_TENANT_ID", env_in_action=True),
    _spec("storage-account-url", "", "Keyless records: the Blob account URL "
          "(`https://<account>.blob.core.windows.net`), signed in like Speech, instead of "
          "`storage-connection-string`.", values.storage_account_url, connection=True),
    _spec("storage-container", DEFAULT_CONTAINER, "Blob container for records.",
          values.container, connection=True),
    _spec("records-dir", DEFAULT_RECORDS_DIR, "Without a connection string, records go to this "
          "folder of the workspace (persist it with a cache, an artifact or a commit).",
          path=True),
    _spec("model", "", "deploy: model id or URL; default: the improved candidate trained on "
          "this commit, else the newest from the default branch (never a pull request's).",
          values.reference, modes=_DEPLOY),
    _spec("endpoint-name", "", "deploy: display name of the endpoint to create, or to update "
          "in place if it exists. Default: `<owner/repo> custom speech`.", values.text,
          modes=_DEPLOY),
    _spec("endpoint-id", "", "deploy: id or URL of the endpoint to update.", values.reference,
          modes=_DEPLOY),
    _spec("logging-enabled", "false", "deploy: content logging (audio and transcriptions) on "
          "the endpoint, set when it is created and when it is updated. Since API 2024-11-15 "
          "only Speech resources with their own storage (BYOS) can turn it on.",
          values.boolean, modes=_DEPLOY),
    _spec("timeout-minutes", "300", "The longest wait for service jobs in one run.",
          values.positive),
    _spec("poll-seconds", "30", "The shortest pause between status checks (a longer "
          "`Retry-After` from the service wins).", values.positive),
    _spec("github-token", "${{ github.token }}", "Token to comment on the pull request.",
          values.secret, secret=True, env="GITHUB_TOKEN"),
    _spec("comment", "true", "On `pull_request` events, create or update one WER comment on "
          "the pull request.", values.boolean),
    _spec("fail-on-no-improvement", "false", "train-and-gate: fail the step when the model did "
          "not improve.", values.boolean, modes=_GATE),
)  # fmt: skip
SPECS = {spec.name: spec for spec in INPUTS}
_CLI_ENV = {spec.env: spec.name for spec in INPUTS if spec.env}


def inputs_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """The action's inputs from `INPUT_<NAME>` variables (hyphens kept, or underscores).

    Values are stripped (as the toolkit's `getInput`); `""` is unset, and every other value
    is given, even one equal to the default (see the module docstring).
    """
    inputs: dict[str, str] = {}
    for spec in INPUTS:
        upper = spec.name.upper()
        value = env.get(f"INPUT_{upper}") or env.get(f"INPUT_{upper.replace('-', '_')}") or ""
        if not value.strip() and spec.env_in_action and spec.env:
            value = env.get(spec.env, "")
        if value.strip():
            inputs[spec.name] = value.strip()
    return inputs


def inputs_from_cli_env(env: Mapping[str, str]) -> dict[str, str]:
    """Settings the command line takes from the environment (`InputSpec.env`: `SPEECH_KEY`,
    `SPEECH_REGION`, `SPEECH_ENDPOINT`, `GITHUB_TOKEN`).

    The cli lays its flags over this dict, so a flag wins over the variable.
    """
    return {name: env[var].strip() for var, name in _CLI_ENV.items() if env.get(var, "").strip()}


def secret_inputs(inputs: Mapping[str, str]) -> list[str]:
    """The values of secret inputs, to mask before anything else runs."""
    return [value for name, value in inputs.items() if name in SPECS and SPECS[name].secret]
