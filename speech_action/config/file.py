"""The YAML config file (`speech.yml`): settings with the line they came from.

The file is composed into nodes (not loaded into Python objects) for two reasons: every
scalar stays text (`BaseLoader`: `yes` is no boolean, `2024-11-15` no date), and each key
keeps its line, so errors can say `speech.yml line 4`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field

import yaml

from speech_action.config.hints import did_you_mean
from speech_action.errors import ConfigError, shown
from speech_action.records.models import MAX_TEST_SETS

# The `data` section: `testing`/`training` set the inputs of those names (config checks
# them and names the input), the file names set the rest of the layout.
DATA_KEYS = {"testing": "testing-data", "training": "training-data"}
TRANSCRIPT_FILES = "transcript-files"
PRONUNCIATION_FILE = "pronunciation-file"
UPLOAD_KEYS = ("blob-from-mb",)
# `test-sets`: a list of sets, each a mapping of these keys (`config.sets` checks them).
TEST_SETS = "test-sets"
TEST_SET_KEYS = ("name", "path", "max-regression")
SECTIONS = ("data", "upload", TEST_SETS)


@dataclass(frozen=True)
class RawSetting:
    """One setting's text and where it came from (`input `locale``, `... in speech.yml line 3`)."""

    value: str
    where: str
    file: str | None = None
    """The config file it came from (as named, workspace-relative); None for an input."""
    line: int | None = None
    default: bool = False
    """The code's default: neither the workflow (or command line) nor the file gave it."""


@dataclass(frozen=True)
class RawTestSet:
    """One entry of `test-sets`: its keys' text by key (each with its line), and where the
    entry starts. `label` names it in messages: test set `general` (its name), or test set 2
    when it has none."""

    label: str
    file: str
    line: int
    values: Mapping[str, RawSetting]

    @property
    def where(self) -> str:
        return f"{self.label} in {self.file} line {self.line}"


@dataclass(frozen=True)
class RawTestSets:
    """The file's `test-sets`: one or more entries (at most `MAX_TEST_SETS`), gating first."""

    file: str
    line: int
    sets: tuple[RawTestSet, ...]

    @property
    def where(self) -> str:
        return f"`{TEST_SETS}` in {self.file} line {self.line}"


@dataclass
class FileSettings:
    """What the file sets: inputs by kebab-case name, the data layout's file names, and
    the test sets."""

    values: dict[str, RawSetting] = field(default_factory=dict)
    transcript_files: tuple[str, ...] | None = None
    pronunciation_file: str | None = None
    blob_upload_from_mb: float | None = None
    test_sets: RawTestSets | None = None


class ConfigFileError(ConfigError):
    """A setting of the config file is refused; `file` and `line` say where it is."""

    def __init__(self, message: str, *, input_name: str, file: str, line: int | None) -> None:
        super().__init__(message, input_name=input_name)
        self.file = file
        self.line = line


class _Problem(ValueError):
    """One problem in the file; the message starts with the file and line."""


def read_config_file(text: str, label: str, known: Collection[str]) -> FileSettings:
    """Parse the file's text; `known` are the input names it may set.

    Raises `ConfigError` (input `config`) listing every problem found.
    """
    root = _compose(text, label)
    settings = FileSettings()
    if root is None:  # empty file, or only comments
        return settings
    problems: list[str] = []
    try:
        for key, node, where, line in _pairs(root, label):
            try:
                _read_key(key, node, (where, line), label, known, settings)
            except _Problem as problem:
                problems.append(str(problem))
    except _Problem as problem:
        problems.append(str(problem))
    if problems:
        raise ConfigError("\n".join(problems), input_name="config")
    return settings


def _read_key(key: str, node: yaml.Node, at: tuple[str, int], label: str,
              known: Collection[str], into: FileSettings) -> None:
    where, line = at
    if key == "data":
        _read_data(node, label, into)
    elif key == "upload":
        _read_upload(node, label, into)
    elif key == TEST_SETS:
        into.test_sets = _read_test_sets(node, label, line)
    elif key in known:
        into.values[key] = RawSetting(_scalar(node, key, where), f"`{key}` in {where}", label,
                                      line)
    else:
        guess = did_you_mean(key, (*known, *SECTIONS))
        raise _Problem(
            f"{where}: unknown setting `{shown(key)}`{guess}; the file takes the action's "
            "inputs (kebab-case, e.g. `speech-region`), `data`, `upload` and `test-sets`"
        )


def _compose(text: str, label: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(
            f"{label}{at}: invalid YAML ({problem}); fix the syntax", input_name="config"
        ) from None


def _pairs(node: yaml.Node, label: str) -> Iterator[tuple[str, yaml.Node, str, int]]:
    """(key, value node, location, line) of a mapping node; a problem for anything else."""
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1
        raise _Problem(f"{label} line {line}: expected a mapping of `setting: value` lines")
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key, line = str(key_node.value), key_node.start_mark.line + 1
        where = f"{label} line {line}"
        if key in seen:
            raise _Problem(f"{where}: `{shown(key)}` is set twice; keep one")
        seen.add(key)
        yield key, value_node, where, line


def _scalar(node: yaml.Node, key: str, where: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise _Problem(f"{where}: `{key}` must be a single value, not a list or a mapping")
    return str(node.value).strip()


def _read_data(node: yaml.Node, label: str, into: FileSettings) -> None:
    for key, value, where, line in _pairs(node, label):
        if key in DATA_KEYS:
            name = DATA_KEYS[key]
            if name in into.values:
                raise _Problem(f"{where}: `data.{key}` repeats the top-level `{name}`; keep one")
            into.values[name] = RawSetting(_scalar(value, key, where), f"`data.{key}` in {where}",
                                           label, line)
        elif key == TRANSCRIPT_FILES:
            items = value.value if isinstance(value, yaml.SequenceNode) else [value]
            names = tuple(_scalar(item, key, where) for item in items)
            if not names or not all(names):
                raise _Problem(f"{where}: `{key}` needs one or more file names")
            into.transcript_files = names
        elif key == PRONUNCIATION_FILE:
            into.pronunciation_file = _scalar(value, key, where) or None
        else:
            keys = (*DATA_KEYS, TRANSCRIPT_FILES, PRONUNCIATION_FILE)
            known = ", ".join(f"`{k}`" for k in keys)
            raise _Problem(f"{where}: unknown `data` key `{shown(key)}`"
                           f"{did_you_mean(key, keys)}; known: {known}")


def _read_upload(node: yaml.Node, label: str, into: FileSettings) -> None:
    for key, value, where, _ in _pairs(node, label):
        if key not in UPLOAD_KEYS:
            known = ", ".join(f"`{k}`" for k in UPLOAD_KEYS)
            raise _Problem(f"{where}: unknown `upload` key `{shown(key)}`"
                           f"{did_you_mean(key, UPLOAD_KEYS)}; known: {known}")
        text = _scalar(value, key, where)
        try:
            megabytes = float(text)
        except ValueError:
            megabytes = -1.0
        if not megabytes >= 0:  # also refuses nan
            raise _Problem(f"{where}: `upload.blob-from-mb` is {shown(text)!r}; give a number of "
                           "megabytes, 0 or more (0: every dataset goes through Blob)")
        into.blob_upload_from_mb = megabytes


def _read_test_sets(node: yaml.Node, label: str, line: int) -> RawTestSets:
    """The entries' text; whether names, paths and amounts are valid is for `config.sets`."""
    where = f"{label} line {line}"
    items = node.value if isinstance(node, yaml.SequenceNode) else []
    if not items:
        raise _Problem(f"{where}: `{TEST_SETS}` needs a list of one or more sets, each with "
                       "`name` and `path` (`- name: domain`); the first set gates")
    if len(items) > MAX_TEST_SETS:
        # A pull request controls the file: it must not make a run evaluate 1000 sets.
        raise _Problem(f"{where}: `{TEST_SETS}` lists {len(items)} sets; at most "
                       f"{MAX_TEST_SETS} are evaluated in a run: merge or drop some")
    sets: list[RawTestSet] = []
    problems: list[str] = []
    for number, item in enumerate(items, 1):
        try:
            sets.append(_read_test_set(number, item, label))
        except _Problem as problem:
            problems.append(str(problem))
    if problems:
        raise _Problem("\n".join(problems))
    return RawTestSets(label, line, tuple(sets))


def _read_test_set(number: int, node: yaml.Node, label: str) -> RawTestSet:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        raise _Problem(f"{label} line {line}: test set {number} must be a mapping with `name` "
                       "and `path` (and `max-regression` for a set after the first)")
    texts: dict[str, tuple[str, int]] = {}
    for key, value, where, key_line in _pairs(node, label):
        if key not in TEST_SET_KEYS:
            known = ", ".join(f"`{k}`" for k in TEST_SET_KEYS)
            raise _Problem(f"{where}: unknown test set key `{shown(key)}`"
                           f"{did_you_mean(key, TEST_SET_KEYS)}; known: {known}")
        texts[key] = (_scalar(value, key, where), key_line)
    name = texts.get("name", ("", 0))[0]
    set_label = f"test set `{shown(name, 40)}`" if name else f"test set {number}"
    values = {key: RawSetting(text, f"`{key}` of {set_label} in {label} line {at}", label, at)
              for key, (text, at) in texts.items()}
    return RawTestSet(set_label, label, line, values)
