"""Settings: workflow inputs + the YAML config file -> one frozen, typed `Config`.

Precedence, per setting: an input given in the workflow (or a CLI flag) wins over the YAML
file, which wins over the default. Every input can also be set in the YAML file under its
kebab-case name (except `config` itself), and the data layout under `data`:

```yaml
mode: train-and-gate
speech-region: westeurope
min-improvement: 5%
data:
  testing: testing_data            # same as input testing-data
  training: training_data          # same as input training-data
  transcript-files: [trans.txt, transcript.txt]   # names tried, in order, in an audio folder
  pronunciation-file: pronunciation.txt           # the training pronunciation dataset
```

Every YAML scalar is read as text (`yes` is not a boolean, `2024-11-15` is not a date) and
parsed by the same rules as the inputs. Unknown keys are errors naming the file and line.

On the runner, action.yml defaults arrive as real `INPUT_*` values, indistinguishable from
values the workflow set; `inputs_from_env` therefore drops values equal to the declared
default, so that the YAML file can still set them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from speech_action.config_file import FileSettings, RawSetting, read_config_file
from speech_action.config_values import (
    API_VERSIONS,
    ApiVersion,
    Frozen,
    InvalidValue,
    inside_workspace,
    parsers,
)
from speech_action.errors import ConfigError
from speech_action.run_mode import Mode
from speech_action.scoring.gate import MinImprovement

__all__ = [
    "API_VERSIONS",
    "INPUTS",
    "ApiVersion",
    "Config",
    "ConfigError",
    "ConfigErrors",
    "DataLayout",
    "InputSpec",
    "MinImprovement",
    "Mode",
    "inputs_from_cli_env",
    "inputs_from_env",
    "load_config",
    "secret_inputs",
]

DEFAULT_CONFIG_FILE = "speech.yml"


@dataclass(frozen=True)
class InputSpec:
    """One input as action.yml declares it (`default` is action.yml's literal default)."""

    name: str
    description: str
    default: str | None = ""
    secret: bool = False
    required: bool = False


def _spec(name: str, default: str | None, description: str, **flags: bool) -> InputSpec:
    return InputSpec(name, description, default, **flags)


INPUTS: tuple[InputSpec, ...] = (
    _spec("mode", None, "What to do: `benchmark-test`, `train-and-gate` or `deploy`.",
          required=True),
    _spec("speech-key", "", "Speech resource key (secret). Not needed with "
          "`speech-endpoint: local`.", secret=True),
    _spec("speech-region", "", "Region of the Speech resource, e.g. `eastus`; gives "
          "`https://{region}.api.cognitive.microsoft.com`. One of `speech-region` or "
          "`speech-endpoint` is required."),
    _spec("speech-endpoint", "", "The resource's endpoint URL (custom subdomain, sovereign "
          "cloud, any compatible service), or `local` to run the embedded offline engine."),
    _spec("api-version", "2025-10-15", "Speech to text REST API version: `2025-10-15`, "
          "`2024-11-15` or `v3.2`."),
    _spec("locale", "en-US", "Locale of datasets, models and endpoint."),
    _spec("project", "", "Custom Speech project display name; found or created where the API "
          "version has projects, and every entity is linked to it."),
    _spec("config", DEFAULT_CONFIG_FILE, "Optional YAML file holding any of these settings and "
          "the data layout; an input given in the workflow wins."),
    _spec("testing-data", "testing_data", "Folder of test audio and transcript (or a .zip "
          "holding them)."),
    _spec("training-data", "training_data", "Folder of training data: related text, "
          "pronunciations, audio with transcripts."),
    _spec("base-model", "latest", "Base model id or URL, or `latest`: the newest base model of "
          "the locale that supports adaptation and is not past its adaptation date."),
    _spec("benchmark-model", "", "Id or URL of the model to benchmark against; default: the "
          "stored benchmark's model, else the base model."),
    _spec("min-improvement", "0", "How much the new model must gain over the benchmark: WER "
          "points (`0.5`) or relative to the benchmark WER (`5%`); with `0`, any strict "
          "improvement counts."),
    _spec("require-significance", "false", "Also require the improvement to be significant "
          "(paired test over utterances, 95 %)."),
    _spec("storage-connection-string", "", "Azure Blob connection string (secret): benchmark "
          "records and test results go to a container.", secret=True),
    _spec("storage-container", "speech-benchmarks", "Blob container for records."),
    _spec("records-dir", ".speech-records", "Without a connection string, records go to this "
          "folder of the workspace (persist it with a cache, an artifact or a commit)."),
    _spec("model", "", "deploy: model id or URL; default: the latest improved candidate "
          "recorded by train-and-gate."),
    _spec("endpoint-name", "", "deploy: display name of the endpoint to create, or to update "
          "in place if it exists. Default: `<owner/repo> custom speech`."),
    _spec("endpoint-id", "", "deploy: id or URL of the endpoint to update."),
    _spec("logging-enabled", "false", "deploy: content logging on the endpoint."),
    _spec("timeout-minutes", "300", "The longest wait for service jobs in one run."),
    _spec("poll-seconds", "30", "The shortest pause between status checks (a longer "
          "`Retry-After` from the service wins)."),
    _spec("github-token", "${{ github.token }}", "Token to comment on the pull request.",
          secret=True),
    _spec("comment", "true", "On `pull_request` events, create or update one WER comment on "
          "the pull request."),
    _spec("fail-on-no-improvement", "false", "train-and-gate: fail the step when the model did "
          "not improve."),
)  # fmt: skip
_SPECS = {spec.name: spec for spec in INPUTS}
_CLI_ENV = {"SPEECH_KEY": "speech-key", "SPEECH_REGION": "speech-region",
            "SPEECH_ENDPOINT": "speech-endpoint"}  # fmt: skip


class ConfigErrors(ConfigError):
    """Several settings are invalid; `errors` holds one `ConfigError` per problem."""

    def __init__(self, errors: list[ConfigError]) -> None:
        lines = "\n".join(f"- {error}" for error in errors)
        super().__init__(f"{len(errors)} configuration problems:\n{lines}")
        self.errors = errors


# ---------------------------------------------------------------- inputs from the env


def inputs_from_env(env: Mapping[str, str]) -> dict[str, str]:
    """The action's inputs from `INPUT_<NAME>` variables (hyphens kept, or underscores).

    Values are stripped (as the toolkit's `getInput`); `""` and action.yml's own default
    value count as unset (see the module docstring).
    """
    inputs: dict[str, str] = {}
    for spec in INPUTS:
        upper = spec.name.upper()
        value = env.get(f"INPUT_{upper}") or env.get(f"INPUT_{upper.replace('-', '_')}") or ""
        value = value.strip()
        if value and value != spec.default:
            inputs[spec.name] = value
    return inputs


def inputs_from_cli_env(env: Mapping[str, str]) -> dict[str, str]:
    """Settings the command line takes from `SPEECH_KEY`, `SPEECH_REGION`, `SPEECH_ENDPOINT`.

    The cli lays its flags over this dict, so a flag wins over the variable.
    """
    return {name: env[var].strip() for var, name in _CLI_ENV.items() if env.get(var, "").strip()}


def secret_inputs(inputs: Mapping[str, str]) -> list[str]:
    """The values of secret inputs, to mask before anything else runs."""
    return [value for name, value in inputs.items() if name in _SPECS and _SPECS[name].secret]


# ---------------------------------------------------------------- the typed config


class DataLayout(Frozen):
    """Where the data is: resolved folders inside the workspace, and file names."""

    testing: Path
    training: Path
    transcript_files: tuple[str, ...] = ("trans.txt", "transcript.txt")
    pronunciation_file: str = "pronunciation.txt"


class Config(Frozen):
    """Every setting of one run, parsed and validated. Secrets are `SecretStr`."""

    mode: Mode
    workspace: Path
    config_file: Path | None
    speech_key: SecretStr | None
    speech_region: str | None
    speech_endpoint: str | None
    api_version: ApiVersion
    locale: str
    project: str | None
    data: DataLayout
    base_model: str
    benchmark_model: str | None
    min_improvement: MinImprovement
    require_significance: bool
    storage_connection_string: SecretStr | None
    storage_container: str
    records_dir: Path
    model: str | None
    endpoint_name: str
    endpoint_id: str | None
    logging_enabled: bool
    timeout_minutes: float
    poll_seconds: float
    github_token: SecretStr | None
    comment: bool
    fail_on_no_improvement: bool
    repository: str | None
    blob_upload_from_mb: float = 100.0
    """With a storage connection string, packages of this size or more go through Blob
    (config file `upload.blob-from-mb`)."""
    warnings: tuple[str, ...] = ()
    """Problems that do not stop the run (e.g. a secret in the committed config file)."""

    @property
    def testing_data(self) -> Path:
        return self.data.testing

    @property
    def training_data(self) -> Path:
        return self.data.training

    @property
    def is_local(self) -> bool:
        return self.speech_endpoint == "local"

    @property
    def service_url(self) -> str | None:
        """The resource's base URL; None for the local engine (its URL is known at start)."""
        if self.speech_region:
            return f"https://{self.speech_region}.api.cognitive.microsoft.com"
        return None if self.is_local else self.speech_endpoint

    @property
    def timeout_seconds(self) -> float:
        return self.timeout_minutes * 60

    def secret_values(self) -> list[str]:
        """Every secret to register with the redactor, including connection string parts."""
        values = [
            s.get_secret_value()
            for s in (self.speech_key, self.storage_connection_string, self.github_token)
            if s is not None
        ]
        if self.storage_connection_string is not None:
            parts = self.storage_connection_string.get_secret_value().split(";")
            values += [p.split("=", 1)[1] for p in parts if _is_credential_part(p)]
        return values


def _is_credential_part(part: str) -> bool:
    key, _, value = part.partition("=")
    return bool(value) and key.strip() in {"AccountKey", "SharedAccessSignature"}


# ---------------------------------------------------------------- merge and validate


def load_config(
    inputs: Mapping[str, str],
    *,
    workspace: Path,
    repository: str | None = None,
    read_text: Callable[[Path], str] | None = None,
) -> Config:
    """Merge inputs over the YAML file over the defaults, parse, and validate everything.

    `repository` (`owner/repo`) names the default endpoint; `read_text` reads the config
    file and raises `FileNotFoundError` when it is missing. Raises `ConfigError` for one
    problem and `ConfigErrors` (one `ConfigError` each, in `.errors`) for several.
    """
    workspace = workspace.resolve()
    given = {name: value.strip() for name, value in inputs.items() if value and value.strip()}
    for name in given:
        if name not in _SPECS:
            raise ConfigError(f"unknown input `{name}`; see the action's inputs", input_name=name)
    config_file, file_settings = _load_file(given.get("config"), workspace, read_text)
    raw = _merge(given, file_settings)
    values, errors = _parse_all(raw, workspace)
    errors += _cross_checks(values, raw)
    if errors:
        raise errors[0] if len(errors) == 1 else ConfigErrors(errors)
    if values["endpoint-name"] is None:
        values["endpoint-name"] = (
            f"{repository} custom speech" if repository else "custom speech endpoint"
        )
    fields = {name.replace("-", "_"): value for name, value in values.items()}
    fields.update(
        workspace=workspace,
        config_file=config_file,
        repository=repository,
        data=_layout(fields.pop("testing_data"), fields.pop("training_data"), file_settings),
        warnings=tuple(_secret_in_file_warnings(raw)),
    )
    if file_settings.blob_upload_from_mb is not None:
        fields["blob_upload_from_mb"] = file_settings.blob_upload_from_mb
    return Config.model_validate(fields)


def _layout(testing: object, training: object, file_settings: FileSettings) -> dict[str, object]:
    data = {"testing": testing, "training": training}
    if file_settings.transcript_files:
        data["transcript_files"] = file_settings.transcript_files
    if file_settings.pronunciation_file:
        data["pronunciation_file"] = file_settings.pronunciation_file
    return data


def _load_file(
    explicit: str | None, workspace: Path, read_text: Callable[[Path], str] | None
) -> tuple[Path | None, FileSettings]:
    """The config file's settings; a missing file is fine unless it was named explicitly."""
    name = explicit or DEFAULT_CONFIG_FILE
    try:
        path = inside_workspace(workspace)(name)
    except InvalidValue as error:
        raise ConfigError(f"input `config`: {error}", input_name="config") from None
    try:
        text = (read_text or _read_file)(path)
    except FileNotFoundError:
        if explicit is None:
            return None, FileSettings()
        raise ConfigError(
            f"input `config`: the config file `{name}` does not exist in the workspace; "
            "fix the path, or remove the input to use the optional `speech.yml`",
            input_name="config",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{name}: cannot read it ({error})", input_name="config") from None
    known = [spec.name for spec in INPUTS if spec.name != "config"]
    return path, read_config_file(text, name, known)


def _read_file(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


def _secret_in_file_warnings(raw: Mapping[str, RawSetting]) -> list[str]:
    return [
        f"{raw[spec.name].where}: a secret does not belong in a committed file; store it as "
        f"a repository secret and pass it as the input `{spec.name}`"
        for spec in INPUTS
        if spec.secret and spec.name in raw and not raw[spec.name].where.startswith("input ")
    ]


def _merge(given: Mapping[str, str], file_settings: FileSettings) -> dict[str, RawSetting]:
    """Each setting's winning raw value: input, else the file, else the default."""
    merged: dict[str, RawSetting] = {}
    for spec in INPUTS:
        from_file = file_settings.values.get(spec.name)
        if spec.name == "config":
            continue
        if spec.name in given:
            merged[spec.name] = RawSetting(given[spec.name], f"input `{spec.name}`")
        elif from_file is not None and from_file.value:
            merged[spec.name] = from_file
        elif spec.default and not spec.default.startswith("${{"):
            merged[spec.name] = RawSetting(spec.default, f"default of `{spec.name}`")
    return merged


def _parse_all(
    raw: Mapping[str, RawSetting], workspace: Path
) -> tuple[dict[str, object], list[ConfigError]]:
    values: dict[str, object] = {}
    errors: list[ConfigError] = []
    for name, parse in parsers(workspace).items():
        values[name] = None
        if name in raw:
            try:
                values[name] = parse(raw[name].value)
            except InvalidValue as error:
                errors.append(ConfigError(f"{raw[name].where}: {error}", input_name=name))
    return values, errors


def _cross_checks(values: Mapping[str, object], raw: Mapping[str, RawSetting]) -> list[ConfigError]:
    errors: list[ConfigError] = []
    if "mode" not in raw:
        valid = ", ".join(f"`{mode.value}`" for mode in Mode)
        errors.append(ConfigError(f"input `mode` is required: one of {valid}", input_name="mode"))
    region, endpoint = raw.get("speech-region"), raw.get("speech-endpoint")
    if region and endpoint:
        message = (
            f"{region.where} and {endpoint.where} are both set; "
            "give only one of `speech-region` and `speech-endpoint`"
        )
        errors.append(ConfigError(message, input_name="speech-endpoint"))
    elif not (region or endpoint):
        message = (
            "neither `speech-region` nor `speech-endpoint` is set; give one (e.g. "
            "`speech-region: eastus`, or `speech-endpoint: local` for the offline engine)"
        )
        errors.append(ConfigError(message, input_name="speech-region"))
    if "speech-key" not in raw and values.get("speech-endpoint") != "local":
        message = (
            "input `speech-key` is required for the Speech service; pass it from a secret: "
            "`speech-key: ${{ secrets.SPEECH_KEY }}`"
        )
        errors.append(ConfigError(message, input_name="speech-key"))
    return errors
