"""Settings: workflow inputs + the YAML config file -> one frozen, typed `Config`.

- `inputs`: the action's inputs, declared once (`INPUTS`), and reading them from the env;
- `values`: the parser of each kind of value (text in, typed value or `InvalidValue` out);
- `file`: the YAML config file, every setting with the line it came from;
- `sets`: the file's `test-sets`, checked into `TestSetSpec`s;
- `hints`: how messages name a setting, as an action input or as a command-line flag;
- `model`: `Config`, the result;
- `load`: `load_config`, which merges inputs over the file over the defaults and validates.
"""

from speech_action.config.hints import ACTION_HINTS, Hints
from speech_action.config.inputs import (
    INPUTS,
    MODE_DESCRIPTIONS,
    InputSpec,
    inputs_from_cli_env,
    inputs_from_env,
    secret_inputs,
)
from speech_action.config.load import ConfigErrors, ConfigFileError, load_config
from speech_action.config.model import Config, DataLayout
from speech_action.errors import ConfigError
from speech_action.run_mode import Mode
from speech_action.scoring.gate import MinImprovement

__all__ = [
    "ACTION_HINTS",
    "INPUTS",
    "MODE_DESCRIPTIONS",
    "Config",
    "ConfigError",
    "ConfigErrors",
    "ConfigFileError",
    "DataLayout",
    "Hints",
    "InputSpec",
    "MinImprovement",
    "Mode",
    "inputs_from_cli_env",
    "inputs_from_env",
    "load_config",
    "secret_inputs",
]
