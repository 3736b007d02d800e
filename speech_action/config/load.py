"""Loading the settings: workflow inputs + the YAML config file -> one frozen `Config`.

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

Several test sets (PRODUCT.md, "Test sets") are a list in the file only (no input, no flag),
instead of `testing-data`:

```yaml
test-sets:                         # 1 to MAX_TEST_SETS (10) sets
  - name: domain                   # the first set gates: min-improvement applies to it
    path: testing_data
  - name: general                  # every other set guards against regressions
    path: general_testing_data
    max-regression: 0.5            # WER points, or "5%" of its benchmark WER; default 0
```

A name is 1 to 40 letters, digits, `.`, `_`, `-` (starting with a letter or digit), unique
ignoring case; each set has its own path inside the workspace. `test-sets` and a given
`testing-data` (input, flag, or in the file) are refused together: which set gates must
never be ambiguous. `Config.data.testing` is then the gating set's path.

Every YAML scalar is read as text (`yes` is not a boolean, `2024-11-15` is not a date) and
parsed by the same rules as the inputs. Unknown keys are errors naming the file and line.

A pull request controls the file, so the file may not decide where credentials go: secrets
in it are refused, and connection settings (`InputSpec.connection`: endpoint, region,
api-version, storage) are taken from it only when the run's endpoint is an Azure Speech host
or `local` (`values.is_azure_speech_endpoint`). Anything else is refused with an error on
the file's line that says to move the setting into the workflow.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from speech_action.client.transport import COGNITIVE_HOST_SUFFIXES
from speech_action.config.file import (
    TEST_SETS,
    ConfigFileError,
    FileSettings,
    RawSetting,
    read_config_file,
)
from speech_action.config.hints import ACTION_HINTS, Hints, did_you_mean
from speech_action.config.inputs import DEFAULT_CONFIG_FILE, INPUTS, SPECS
from speech_action.config.model import Config
from speech_action.config.sets import check_test_sets
from speech_action.config.values import (
    InvalidValue,
    inside_workspace,
    is_azure_speech_endpoint,
    is_custom_subdomain,
)
from speech_action.data.layout import TestSetSpec
from speech_action.errors import ConfigError
from speech_action.run_mode import Mode

__all__ = ["ConfigErrors", "ConfigFileError", "load_config"]

_AZURE_HOSTS = ", ".join(f"`*{suffix}`" for suffix in COGNITIVE_HOST_SUFFIXES)


class ConfigErrors(ConfigError):
    """Several settings are invalid; `errors` holds one `ConfigError` per problem."""

    def __init__(self, errors: list[ConfigError]) -> None:
        lines = "\n".join(f"- {error}" for error in errors)
        super().__init__(f"{len(errors)} configuration problems:\n{lines}")
        self.errors = errors


def load_config(
    inputs: Mapping[str, str],
    *,
    workspace: Path,
    repository: str | None = None,
    read_text: Callable[[Path], str] | None = None,
    hints: Hints = ACTION_HINTS,
) -> Config:
    """Merge inputs over the YAML file over the defaults, parse, and validate everything.

    `repository` (`owner/repo`) names the default endpoint; `read_text` reads the config
    file and raises `FileNotFoundError` when it is missing; `hints` words the messages for
    the door the settings came in (the action's inputs, or the command's flags). Raises
    `ConfigError` for one problem and `ConfigErrors` (one `ConfigError` each, in `.errors`)
    for several.
    """
    workspace = workspace.resolve()
    given = {name: value.strip() for name, value in inputs.items() if value and value.strip()}
    for name in given:
        if name == TEST_SETS:
            raise ConfigError(f"`{TEST_SETS}` is no input: list the sets in the config file "
                              f"(`{DEFAULT_CONFIG_FILE}`)", input_name=name)
        if name not in SPECS:
            raise ConfigError(f"unknown input `{name}`{did_you_mean(name, SPECS)}; see the "
                              "action's inputs", input_name=name)
    config_file, file_settings = _load_file(given.get("config"), workspace, read_text, hints)
    raw = _merge(given, file_settings, hints)
    refused = _refused_file_settings(raw, hints)
    if refused:  # before parsing: nothing the file may not set is even looked at
        raise refused[0] if len(refused) == 1 else ConfigErrors(refused)
    values, errors = _parse_all(raw, workspace)
    errors += _cross_checks(values, raw, hints)
    test_sets, set_errors = check_test_sets(file_settings.test_sets, raw, workspace)
    errors += set_errors
    if errors:
        raise errors[0] if len(errors) == 1 else ConfigErrors(errors)
    if values["endpoint-name"] is None:
        values["endpoint-name"] = (
            f"{repository} custom speech" if repository else "custom speech endpoint"
        )
    fields = {SPECS[name].field: value for name, value in values.items()}
    fields.update(
        workspace=workspace,
        config_file=config_file,
        repository=repository,
        data=_layout(fields.pop("testing_data"), fields.pop("training_data"), file_settings,
                     test_sets),
    )
    if file_settings.blob_upload_from_mb is not None:
        fields["blob_upload_from_mb"] = file_settings.blob_upload_from_mb
    return Config.model_validate(fields)


def _layout(testing: object, training: object, file_settings: FileSettings,
            test_sets: tuple[TestSetSpec, ...]) -> dict[str, object]:
    data = {"testing": testing, "training": training}
    if test_sets:  # `data.testing` (read by code that knows one set) is the gating set
        data.update(testing=test_sets[0].path, test_sets=test_sets)
    if file_settings.transcript_files:
        data["transcript_files"] = file_settings.transcript_files
    if file_settings.pronunciation_file:
        data["pronunciation_file"] = file_settings.pronunciation_file
    return data


def _load_file(
    explicit: str | None, workspace: Path, read_text: Callable[[Path], str] | None, hints: Hints
) -> tuple[Path | None, FileSettings]:
    """The config file's settings; a missing file is fine unless it was named explicitly."""
    name = explicit or DEFAULT_CONFIG_FILE
    try:
        path = inside_workspace(workspace)(name)
    except InvalidValue as error:
        raise ConfigError(f"{hints.setting('config')}: {error}", input_name="config") from None
    try:
        text = (read_text or _read_file)(path)
    except FileNotFoundError:
        if explicit is None:
            return None, FileSettings()
        raise ConfigError(
            f"{hints.setting('config')}: the config file `{name}` does not exist in the "
            "workspace; fix the path, or leave it out to use the optional `speech.yml`",
            input_name="config",
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{name}: cannot read it ({error})", input_name="config") from None
    known = [spec.name for spec in INPUTS if spec.name != "config"]
    return path, read_config_file(text, name, known)


# A settings file is a few hundred bytes; a pull request must not make the action parse
# gigabytes of YAML.
MAX_CONFIG_BYTES = 256 * 1024


def _read_file(path: Path) -> str:
    with path.open("rb") as stream:
        data = stream.read(MAX_CONFIG_BYTES + 1)
    if len(data) > MAX_CONFIG_BYTES:
        raise OSError(f"it is larger than {MAX_CONFIG_BYTES // 1024} KiB, far more than any "
                      "settings file needs; it was not read")
    return data.decode("utf-8-sig")


def _refused_file_settings(raw: Mapping[str, RawSetting], hints: Hints) -> list[ConfigError]:
    """The file's secrets, and its connection settings unless the endpoint is trusted."""
    errors: list[ConfigError] = []
    endpoint = raw.get("speech-endpoint")
    trusted = endpoint is None or is_azure_speech_endpoint(endpoint.value)
    for spec in INPUTS:
        setting = raw.get(spec.name)
        if setting is None or setting.file is None:
            continue
        if spec.secret:
            why = "a secret never belongs in a file a pull request can change"
        elif spec.connection and not trusted:
            why = (f"the file may set connection settings only for an Azure Speech endpoint "
                   f"({_AZURE_HOSTS}) or `local`, because a pull request can change it")
        else:
            continue
        instead = hints.out_of_the_file(spec.name, secret=spec.secret)
        errors.append(ConfigFileError(f"{setting.where}: {why}; {instead}",
                                      input_name=spec.name, file=setting.file,
                                      line=setting.line))
    return errors


def _merge(given: Mapping[str, str], file_settings: FileSettings,
           hints: Hints) -> dict[str, RawSetting]:
    """Each setting's winning raw value: input, else the file, else the default."""
    merged: dict[str, RawSetting] = {}
    for spec in INPUTS:
        from_file = file_settings.values.get(spec.name)
        if spec.name == "config":
            continue
        if spec.name in given:
            merged[spec.name] = RawSetting(given[spec.name], hints.setting(spec.name))
        elif from_file is not None and from_file.value:
            merged[spec.name] = from_file
        elif spec.code_default:
            merged[spec.name] = RawSetting(spec.code_default, f"default of `{spec.name}`",
                                           default=True)
    return merged


def _parse_all(
    raw: Mapping[str, RawSetting], workspace: Path
) -> tuple[dict[str, object], list[ConfigError]]:
    """Every input's value (None when unset), by input name; `config` is not one."""
    values: dict[str, object] = {}
    errors: list[ConfigError] = []
    for spec in INPUTS:
        parse = spec.parser(workspace)
        if parse is None:
            continue
        values[spec.name] = None
        if spec.name in raw:
            try:
                values[spec.name] = parse(raw[spec.name].value)
            except InvalidValue as error:
                where = raw[spec.name].where
                errors.append(ConfigError(f"{where}: {error}", input_name=spec.name))
    return values, errors


def _cross_checks(values: Mapping[str, object], raw: Mapping[str, RawSetting],
                  hints: Hints) -> list[ConfigError]:
    errors: list[ConfigError] = []
    if "mode" not in raw:
        valid = ", ".join(f"`{mode.value}`" for mode in Mode)
        errors.append(ConfigError(f"{hints.setting('mode')} is required: one of {valid}",
                                  input_name="mode"))
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
            f"{hints.give('speech-region', 'eastus')}, or "
            f"{hints.give('speech-endpoint', 'local')} for the offline engine)"
        )
        errors.append(ConfigError(message, input_name="speech-region"))
    keyless = "azure-client-id" in raw and "azure-tenant-id" in raw
    if keyless:
        errors += _keyless_checks(values, raw, hints)
    else:
        for name, other in (("azure-client-id", "azure-tenant-id"),
                            ("azure-tenant-id", "azure-client-id")):
            if name in raw:
                errors.append(ConfigError(
                    f"{raw[name].where} is set but {hints.setting(other)} is not; keyless "
                    "sign-in needs both", input_name=other))
        if "speech-key" not in raw and values.get("speech-endpoint") != "local":
            message = (f"{hints.setting('speech-key')} is required for the Speech service; "
                       f"{hints.give_secret('speech-key')}")
            errors.append(ConfigError(message, input_name="speech-key"))
        if "storage-account-url" in raw:
            errors.append(ConfigError(
                f"{raw['storage-account-url'].where} needs keyless sign-in "
                f"({hints.setting('azure-client-id')} and {hints.setting('azure-tenant-id')}); "
                f"with a key, give {hints.setting('storage-connection-string')} instead",
                input_name="storage-account-url"))
    return errors


def _keyless_checks(values: Mapping[str, object], raw: Mapping[str, RawSetting],
                    hints: Hints) -> list[ConfigError]:
    """Keyless sign-in takes no key, and needs the resource's custom subdomain: a regional
    endpoint does not take Microsoft Entra tokens (Learn, "Microsoft Entra authentication
    with the Speech SDK": a custom subdomain is required)."""
    errors: list[ConfigError] = []
    if "speech-key" in raw:
        errors.append(ConfigError(
            f"{raw['speech-key'].where} and keyless sign-in ({hints.setting('azure-client-id')}"
            ") are both given; give one: remove the key to sign in with Microsoft Entra ID",
            input_name="speech-key"))
    if "storage-connection-string" in raw:
        errors.append(ConfigError(
            f"{raw['storage-connection-string'].where} and keyless sign-in are both given; "
            f"give {hints.setting('storage-account-url')} instead of the connection string",
            input_name="storage-connection-string"))
    endpoint = values.get("speech-endpoint")
    if "speech-region" in raw or (isinstance(endpoint, str)
                                  and not is_custom_subdomain(endpoint)):
        errors.append(ConfigError(
            "keyless sign-in needs the Speech resource's custom subdomain: Microsoft Entra "
            "tokens are not accepted on a regional endpoint; set "
            f"{hints.give('speech-endpoint', 'https://<resource-name>.cognitiveservices.azure.com')}"
            " (the resource's Keys and Endpoint page shows it; create one under Networking if "
            "the resource has none)", input_name="speech-endpoint"))
    return errors

