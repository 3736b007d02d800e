"""The file's `test-sets` (PRODUCT.md, "Test sets"), checked: one `TestSetSpec` per set.

`config.file` reads the entries' text; here each is checked, every problem reported at once
on its file and line: a name (1 to 40 letters, digits, `.`, `_`, `-`, starting with a
letter or digit; it appears in display names on the service, in the records and the
summary), unique ignoring case; a path inside the workspace (as `testing-data`: not out of
it, not into `.git`), its own; `max-regression` only on a set after the first (the first
gates with `min-improvement`), 0 when absent. With a `testing-data` given anywhere (input,
flag, the file; not the default) `test-sets` is refused: which set gates must never be
ambiguous.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TypeVar

from speech_action.config.file import ConfigFileError, RawSetting, RawTestSet, RawTestSets
from speech_action.config.values import InvalidValue, inside_workspace
from speech_action.data.layout import TestSetSpec
from speech_action.errors import ConfigError, shown
from speech_action.scoring.guard import MaxRegression, parse_max_regression

__all__ = ["check_test_sets"]

_Key = TypeVar("_Key")
_SET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


def check_test_sets(sets: RawTestSets | None, raw: Mapping[str, RawSetting],
                    workspace: Path) -> tuple[tuple[TestSetSpec, ...], list[ConfigError]]:
    """The file's test sets, gating first, and every problem with them (file and line)."""
    if sets is None:
        return (), []
    errors: list[ConfigError] = []
    testing = raw.get("testing-data")
    if testing is not None and not testing.default:
        errors.append(ConfigFileError(
            f"{sets.where} and {testing.where} are both set; keep one: with `test-sets` the "
            f"first set is the one that gates, so remove {testing.where} (or make its path the "
            "first set's), or remove `test-sets`", input_name="config", file=sets.file,
            line=sets.line))
    names: dict[str, RawTestSet] = {}
    paths: dict[Path, RawTestSet] = {}
    specs: list[TestSetSpec] = []
    for number, entry in enumerate(sets.sets):
        name = _set_name(entry, names, errors)
        path = _set_path(entry, workspace, paths, errors)
        max_regression = _set_max_regression(entry, gating=number == 0, errors=errors)
        if name is not None and path is not None:
            specs.append(TestSetSpec(name, path, max_regression))
    return tuple(specs), errors


def _set_name(entry: RawTestSet, seen: dict[str, RawTestSet],
              errors: list[ConfigError]) -> str | None:
    setting = _required(entry, "name", "a short name for the set, shown on the service, in "
                        "the records and the summary", errors)
    if setting is None:
        return None
    name = setting.value
    if not _SET_NAME.fullmatch(name):
        errors.append(_setting_error(setting, (
            f"`{shown(name)}` is not a test set name; use 1 to 40 letters, digits, `.`, `_` "
            "or `-`, starting with a letter or digit (it appears in display names on the "
            "service, in the records and the summary)")))
        return None
    unique = _unique("name", name.casefold(), setting, (entry, seen), errors)
    return name if unique else None


def _set_path(entry: RawTestSet, workspace: Path, seen: dict[Path, RawTestSet],
              errors: list[ConfigError]) -> Path | None:
    setting = _required(entry, "path", "the folder (or .zip) of the set's audio and "
                        "transcript", errors)
    if setting is None:
        return None
    try:
        path = inside_workspace(workspace)(setting.value)
    except InvalidValue as error:
        errors.append(_setting_error(setting, str(error)))
        return None
    return path if _unique("path", path, setting, (entry, seen), errors) else None


def _required(entry: RawTestSet, key: str, what: str,
              errors: list[ConfigError]) -> RawSetting | None:
    setting = entry.values.get(key)
    if setting is None or not setting.value:
        errors.append(ConfigFileError(f"{entry.where}: `{key}` is required: {what}",
                                      input_name="config", file=entry.file, line=entry.line))
        return None
    return setting


def _unique(kind: str, key: _Key, setting: RawSetting,
            among: tuple[RawTestSet, dict[_Key, RawTestSet]], errors: list[ConfigError]) -> bool:
    """Whether `setting` (the `kind` of set `entry`, compared as `key`) is the first of its
    key among the sets `seen` so far; a problem naming the earlier set when it is not."""
    entry, seen = among
    first = seen.setdefault(key, entry)
    if first is entry:
        return True
    alike = ", ignoring case" if kind == "name" else ""
    errors.append(_setting_error(setting, (
        f"`{shown(setting.value)}` is also the {kind} of {first.label} (line {first.line})"
        f"{alike}; give each set its own {kind}")))
    return False


def _set_max_regression(entry: RawTestSet, *, gating: bool,
                        errors: list[ConfigError]) -> MaxRegression | None:
    """None for the gating set; a guard set's `max-regression`, 0 when absent."""
    setting = entry.values.get("max-regression")
    if setting is None or not setting.value:
        return None if gating else MaxRegression()
    if gating:
        errors.append(_setting_error(setting, (
            "the first test set gates with `min-improvement`; `max-regression` is for the "
            "other sets (each may get worse by at most its own): remove it here, or put "
            "the set after the gating one")))
        return None
    try:
        return parse_max_regression(setting.value)
    except ValueError as error:
        errors.append(_setting_error(setting, str(error)))
        return MaxRegression()


def _setting_error(setting: RawSetting, message: str) -> ConfigError:
    return ConfigFileError(f"{setting.where}: {message}", input_name="config",
                           file=setting.file or "", line=setting.line)

