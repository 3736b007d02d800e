"""How a message names a setting and says how to give it, in the words of the door it came in.

The same settings arrive through two doors (`cli`): the container action's inputs (`with:`
in a workflow) and the `speech-action` command's flags and environment variables. A hint
that tells someone at a terminal to write `speech-key: ${{ secrets.SPEECH_KEY }}` helps
nobody, and one that tells a workflow author to pass `--speech-key` is as wrong; so every
message of `config` that names a setting or says how to give one asks a `Hints` for the
words, and `cli` picks the `Hints` once per run.

`actions` matters for the command too: run as a step of a GitHub workflow it still takes
flags and variables, and a secret then comes from the workflow's `secrets` through `env:`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from speech_action.config.inputs import SPECS

__all__ = ["ACTION_HINTS", "Hints", "did_you_mean", "env_name", "secret_name"]


def secret_name(name: str) -> str:
    """The repository secret a hint suggests for an input: `speech-key` -> `SPEECH_KEY`."""
    return name.upper().replace("-", "_")


def env_name(name: str) -> str | None:
    """The environment variable the command reads for a setting, if any."""
    spec = SPECS.get(name)
    return spec.env if spec is not None else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """` (did you mean `x`?)` for the closest of `choices`, or "" when none is close."""
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean `{close[0]}`?)" if close else ""


@dataclass(frozen=True)
class Hints:
    """The words for settings: `cli` for the command, else the action's inputs."""

    cli: bool = False
    actions: bool = True
    """Running inside GitHub Actions (`GitHubContext.actions`)."""

    def setting(self, name: str) -> str:
        """Where a given value came from: input `speech-key`, or `--speech-key` (`SPEECH_KEY`)."""
        if not self.cli:
            return f"input `{name}`"
        env = env_name(name)
        return f"`--{name}`" + (f" (`{env}`)" if env else "")

    def label(self, name: str) -> str:
        """A setting in plain text, for an annotation's title: `input speech-key` or
        `--speech-key`."""
        return f"--{name}" if self.cli else f"input {name}"

    def give(self, name: str, example: str) -> str:
        """How to give a setting a value: `speech-region: eastus` or `--speech-region eastus`."""
        if not self.cli:
            return f"`{name}: {example}`"
        env = env_name(name)
        return f"`--{name} {example}`" + (f" or `{env}={example}`" if env else "")

    def give_secret(self, name: str) -> str:
        """How to pass a secret so that it never sits in a file of the repository."""
        stored = f"${{{{ secrets.{secret_name(name)} }}}}"
        if not self.cli:
            return f"pass it from a repository secret: `{name}: {stored}` (`with:`)"
        env = env_name(name)
        if env is None:
            return f"pass it as `--{name}`"
        hint = f"pass `--{name}` or set the environment variable `{env}`"
        return hint + (f" (in the workflow: `env: {env}: {stored}`)" if self.actions else "")

    def out_of_the_file(self, name: str, *, secret: bool) -> str:
        """Where a setting goes that the config file may not hold."""
        if not self.cli:
            move = ("store it as a repository secret and pass it" if secret
                    else "move it into the workflow")
            return f"{move} as the input `{name}` (`with:`)"
        env = env_name(name)
        return f"give it as `--{name}`" + (f" or `{env}`" if env else "") + " instead"


ACTION_HINTS = Hints()
