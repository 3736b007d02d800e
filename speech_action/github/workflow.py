"""GitHub Actions wire formats, byte for byte as `@actions/core` (actions/toolkit) writes them.

- workflow commands on stdout: `::error file=F,line=L,title=T::message`, `::warning`,
  `::notice`, `::debug::`, `::add-mask::`, `::group::` / `::endgroup::`; escaping as the
  toolkit's `escapeData` (`%`, CR, LF) and `escapeProperty` (also `:` and `,`);
- outputs appended to `$GITHUB_OUTPUT` as `name<<ghadelimiter_<uuid>` heredocs, refused
  when the name or value contains the delimiter;
- the step summary written once to `$GITHUB_STEP_SUMMARY`, kept under the 1 MiB the runner
  accepts;
- plain log lines that cannot be read as commands: the runner takes a line whose text,
  after leading white space, starts with `::` as a command (`TryParseV2`), and one that
  holds `##[` anywhere as a legacy command (`TryParse`; both in actions/runner's
  `ActionCommand.cs`, tried in turn by `ActionCommandManager.TryProcessCommand`). A log
  line carrying a data file's name with a newline and `::stop-commands::x` must not stop
  the step's commands: such lines show their `::` as `%3A%3A` and `##[` as `##%5B`.

Nothing here reads the environment: `cli` builds a `GitHubContext` (`github.context`) and a
`Workflow` around it. Every text leaving through a `Workflow` passes its `Redactor` first.
Reading `$GITHUB_OUTPUT` back is the runner's job (tests: `tests.support.runner`).
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, TypedDict, Unpack

from speech_action.errors import SpeechActionError
from speech_action.github.context import GitHubContext
from speech_action.github.limits import STEP_SUMMARY_MAX_BYTES
from speech_action.redaction import DEFAULT_REDACTOR, Redactor

EOL = "\n"  # os.EOL on the Linux runner that executes container actions
TRUNCATION_NOTE = (
    "\n\n> **Summary truncated**: it exceeded GitHub's 1 MiB step summary limit. "
    "The full results are in the JSON report (output `report`).\n"
)


class WorkflowCommandError(SpeechActionError):
    """A workflow command, output or summary could not be written."""


# ---------------------------------------------------------------- pure formatting


def to_command_value(value: object) -> str:
    """The toolkit's `toCommandValue`: None -> "", str as is, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON.stringify(2.0) is "2"
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def escape_data(value: object) -> str:
    """Escape a command's message (`%` first, so the escapes are not escaped again)."""
    text = to_command_value(value)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: object) -> str:
    """Escape a command property value: as data, plus `:` and `,` (the separators)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_command(command: str, properties: Mapping[str, object], message: object) -> str:
    """One workflow command line, without the line end.

    As the toolkit: empty properties are skipped, yet a non-empty mapping still puts the
    space after the command name.
    """
    line = "::" + (command or "missing.command")
    if properties:
        line += " " + ",".join(
            f"{key}={escape_property(value)}" for key, value in properties.items() if value
        )
    return f"{line}::{escape_data(message)}"


class Where(TypedDict, total=False):
    """Where an annotation points (all optional), as the toolkit's AnnotationProperties."""

    title: str | None
    file: str | None
    line: int | None
    end_line: int | None
    col: int | None
    end_column: int | None


_PROPERTY_KEYS = (  # the toolkit's `toCommandProperties`, in its key order
    ("title", "title"),
    ("file", "file"),
    ("line", "line"),
    ("end_line", "endLine"),
    ("col", "col"),
    ("end_column", "endColumn"),
)


def annotation_properties(**where: Unpack[Where]) -> dict[str, object]:
    """Command properties for an annotation; unset ones are left out."""
    given: Mapping[str, object] = where
    return {wire: given[key] for key, wire in _PROPERTY_KEYS if given.get(key) is not None}


def new_delimiter(new_uuid: Callable[[], uuid.UUID] = uuid.uuid4) -> str:
    return f"ghadelimiter_{new_uuid()}"


def format_output(name: str, value: object, delimiter: str) -> str:
    """The toolkit's `prepareKeyValueMessage` plus the line end `issueFileCommand` adds."""
    converted = to_command_value(value)
    if delimiter in name:
        raise WorkflowCommandError(
            f"Output name {name!r} contains the delimiter {delimiter!r}; refusing to write it."
        )
    if delimiter in converted:
        raise WorkflowCommandError(
            f"The value of output {name!r} contains the delimiter {delimiter!r}; "
            "refusing to write it (it could inject other outputs)."
        )
    return f"{name}<<{delimiter}{EOL}{converted}{EOL}{delimiter}{EOL}"


def fit_summary(markdown: str, limit: int = STEP_SUMMARY_MAX_BYTES) -> tuple[str, bool]:
    """`markdown` cut to at most `limit` UTF-8 bytes with a note; `(text, truncated)`."""
    data = markdown.encode("utf-8")
    if len(data) <= limit:
        return markdown, False
    note = TRUNCATION_NOTE.encode("utf-8")
    if limit < len(note):  # no room even for the note: write nothing rather than too much
        return "", True
    keep = data[: limit - len(note)].decode("utf-8", errors="ignore")
    # Cut at a line end, so a table row or an HTML tag is not left half-open.
    if "\n" in keep:
        keep = keep[: keep.rindex("\n") + 1]
    return keep + TRUNCATION_NOTE, True


# ---------------------------------------------------------------- writers


def append_output(
    path: Path, name: str, value: object, *, new_uuid: Callable[[], uuid.UUID] = uuid.uuid4
) -> None:
    """Append one output to a `$GITHUB_OUTPUT` file."""
    _append(path, format_output(name, value, new_delimiter(new_uuid)))


def append_summary(path: Path, markdown: str, *, limit: int = STEP_SUMMARY_MAX_BYTES) -> bool:
    """Append the summary, truncated so the whole file stays within `limit` bytes.

    Returns whether it had to be truncated.
    """
    used = path.stat().st_size if path.exists() else 0
    text, truncated = fit_summary(markdown, max(0, limit - used))
    _append(path, text)
    return truncated


def _append(path: Path, text: str) -> None:
    try:
        # newline="" so the bytes are the ones we formatted, on any platform.
        with path.open("a", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except OSError as error:
        raise WorkflowCommandError(
            f"Cannot append to {path}: {error.strerror or error}. "
            "The runner creates this file for each step; check the step's environment."
        ) from error


# `str.splitlines` breaks at more characters than the runner's line reader (CR, LF):
# every piece it finds is treated as a line start, which errs on the safe side.
_COMMAND_START = re.compile(r"^(\s*)::")


def log_text(text: str) -> str:
    """`text` for a plain log line: no line of it can be read as a workflow command."""
    lines = text.splitlines(keepends=True) or [text]
    safe = (_COMMAND_START.sub(r"\1%3A%3A", line, count=1) for line in lines)
    return "".join(safe).replace("##[", "##%5B")


def plain_line(command: str, properties: Mapping[str, object], message: object) -> str | None:
    """A workflow command as a person reads it in a terminal (None: nothing to show)."""
    if command == "group":
        return f"== {message}"
    if command in ("endgroup", "debug"):
        return None
    where = ":".join(str(properties[key]) for key in ("file", "line") if properties.get(key))
    title = properties.get("title")
    parts = [f"{command}:", where and f"{where}:", title and f"{title}:", str(message)]
    return " ".join(str(part) for part in parts if part)


@dataclass
class Workflow:
    """The step's channel to the runner: commands on stdout, outputs, the summary.

    Every message, property, output and summary passes the redactor. Outputs are also
    kept in `outputs`, so outside Actions (no `GITHUB_OUTPUT`) the cli can print them.
    """

    context: GitHubContext = field(default_factory=GitHubContext)
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    redactor: Redactor = field(default_factory=lambda: DEFAULT_REDACTOR)
    new_uuid: Callable[[], uuid.UUID] = uuid.uuid4
    outputs: dict[str, str] = field(default_factory=dict)
    summary_written: bool = False
    plain: bool = False
    """Outside Actions (a terminal, another CI): readable lines instead of `::` commands."""

    def command(self, command: str, properties: Mapping[str, object], message: object) -> None:
        safe_props = {key: self._redact(value) for key, value in properties.items()}
        if self.plain:
            line = plain_line(command, safe_props, self._redact(message))
            if line is None:
                return
            line = log_text(line)
        else:
            line = format_command(command, safe_props, self._redact(message))
        self.stdout.write(line + EOL)
        self.stdout.flush()

    def _redact(self, value: object) -> object:
        return self.redactor.redact(value) if isinstance(value, str) else value

    def annotate(self, level: str, message: str, **where: Unpack[Where]) -> None:
        """`::error` / `::warning` / `::notice` with the toolkit's annotation properties."""
        self.command(level, annotation_properties(**where), message)

    def error(self, message: str, **where: Unpack[Where]) -> None:
        self.annotate("error", message, **where)

    def warning(self, message: str, **where: Unpack[Where]) -> None:
        self.annotate("warning", message, **where)

    def notice(self, message: str, **where: Unpack[Where]) -> None:
        self.annotate("notice", message, **where)

    def debug(self, message: str) -> None:
        self.command("debug", {}, message)

    def info(self, message: str) -> None:
        """A plain log line (no command), redacted, and no line of it read as a command."""
        self.stdout.write(log_text(self.redactor.redact(message)) + EOL)
        self.stdout.flush()

    def register_secret(self, value: str | None) -> None:
        """Mask a secret in the runner's log (`::add-mask::`) and in our own texts.

        Call it before anything can print the secret: the runner only masks what it was
        told about before the text reached the log. Outside Actions (`context.actions`
        false) only the redactor learns it.
        """
        if not value:
            return
        new_forms = self.redactor.register(value)
        if not self.context.actions:
            # Outside Actions nobody reads `::add-mask::`: printing it would show the secret.
            return
        for form in new_forms:
            # Not through `command`: the redactor would hide the very value to mask.
            self.stdout.write(format_command("add-mask", {}, form) + EOL)
        self.stdout.flush()

    @contextmanager
    def group(self, name: str) -> Iterator[None]:
        """A collapsible log group, closed even when the body raises."""
        self.command("group", {}, name)
        try:
            yield
        finally:
            self.command("endgroup", {}, "")

    def set_output(self, name: str, value: object) -> None:
        """Record an output; append it to `$GITHUB_OUTPUT` when the runner gave one."""
        text = self.redactor.redact(to_command_value(value))
        if self.context.output_path is not None:
            append_output(self.context.output_path, name, text, new_uuid=self.new_uuid)
        self.outputs[name] = text

    def write_summary(self, markdown: str) -> bool:
        """Append the step summary, once per run; returns whether it was truncated.

        Without `GITHUB_STEP_SUMMARY` (outside Actions) nothing is written.
        """
        if self.summary_written:
            raise WorkflowCommandError(
                "The step summary was already written; build it in one buffer first."
            )
        self.summary_written = True
        if self.context.summary_path is None:
            return False
        return append_summary(self.context.summary_path, self.redactor.redact(markdown))
