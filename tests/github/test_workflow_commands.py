"""Workflow commands on stdout, byte for byte as @actions/core writes them.

The vectors are the ones actions/toolkit pins in packages/core/__tests__ (command.test.ts
and core.test.ts), with os.EOL = "\\n".
"""

from __future__ import annotations

import io

import pytest

from speech_action.github.context import GitHubContext
from speech_action.github.workflow import (
    Workflow,
    annotation_properties,
    escape_data,
    escape_property,
    format_command,
)
from speech_action.redaction import Redactor


def make_workflow() -> tuple[Workflow, io.StringIO]:
    out = io.StringIO()
    return Workflow(GitHubContext(actions=True), stdout=out, redactor=Redactor()), out


def test_command_only() -> None:
    assert format_command("some-command", {}, "") == "::some-command::"


def test_message_escapes_every_instance() -> None:
    message = "percent % percent % cr \r cr \r lf \n lf \n"
    expected = "::some-command::percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A"
    assert format_command("some-command", {}, message) == expected


def test_literal_escape_sequences_are_escaped_again() -> None:
    message = "%25 %25 %0D %0D %0A %0A %3A %3A %2C %2C"
    expected = "::some-command::%2525 %2525 %250D %250D %250A %250A %253A %253A %252C %252C"
    assert format_command("some-command", {}, message) == expected


def test_property_escapes_colon_and_comma_too() -> None:
    value = "percent % percent % cr \r cr \r lf \n lf \n colon : colon : comma , comma ,"
    expected = (
        "::some-command name=percent %25 percent %25 cr %0D cr %0D lf %0A lf %0A "
        "colon %3A colon %3A comma %2C comma %2C::"
    )
    assert format_command("some-command", {"name": value}, "") == expected


def test_escape_tables() -> None:
    assert escape_data("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad:e,f"
    assert escape_property("a%b\rc\nd:e,f") == "a%25b%0Dc%0Ad%3Ae%2Cf"


@pytest.mark.parametrize(
    ("properties", "expected"),
    [
        ({"prop1": "value 1"}, "::some-command prop1=value 1::"),
        ({"prop1": "value 1", "prop2": "value 2"}, "::some-command prop1=value 1,prop2=value 2::"),
        (
            {"prop1": "value 1", "prop2": "value 2", "prop3": "value 3"},
            "::some-command prop1=value 1,prop2=value 2,prop3=value 3::",
        ),
    ],
)
def test_properties_joined_with_commas(properties: dict[str, object], expected: str) -> None:
    assert format_command("some-command", properties, "") == expected


def test_non_string_values_become_json() -> None:
    line = format_command(
        "some-command",
        {"prop1": {"test": "object"}, "prop2": 123, "prop3": True},
        {"test": "object"},
    )
    assert (
        line == '::some-command prop1={"test"%3A"object"},prop2=123,prop3=true::{"test":"object"}'
    )


def test_annotation_with_file_line_and_title() -> None:
    workflow, out = make_workflow()
    workflow.error(
        "Error: this is my error message",
        title="A title",
        file="root/test.txt",
        col=1,
        end_column=2,
        line=5,
        end_line=5,
    )
    assert out.getvalue() == (
        "::error title=A title,file=root/test.txt,line=5,endLine=5,col=1,endColumn=2"
        "::Error: this is my error message\n"
    )


def test_warning_notice_debug() -> None:
    workflow, out = make_workflow()
    workflow.warning("\r\nwarning\n")
    workflow.notice("Notice")
    workflow.debug("Debug")
    workflow.error("Error message\r\n\n")
    assert out.getvalue() == (
        "::warning::%0D%0Awarning%0A\n::notice::Notice\n::debug::Debug\n"
        "::error::Error message%0D%0A%0A\n"
    )


def test_annotation_file_with_comma_and_colon_is_escaped() -> None:
    workflow, out = make_workflow()
    workflow.warning("bad line", file="testing_data/a,b:c.txt", line=3)
    assert out.getvalue() == "::warning file=testing_data/a%2Cb%3Ac.txt,line=3::bad line\n"


def test_annotation_properties_skip_unset() -> None:
    assert annotation_properties(file="f.txt", line=None) == {"file": "f.txt"}
    assert format_command("error", annotation_properties(), "m") == "::error::m"


def test_add_mask_like_set_secret() -> None:
    workflow, out = make_workflow()
    workflow.register_secret("secret val")
    assert out.getvalue().splitlines()[0] == "::add-mask::secret val"


def test_multiline_secret_masks_whole_value_then_each_line() -> None:
    workflow, out = make_workflow()
    workflow.register_secret("multi\nline\r\nsecret")
    lines = out.getvalue().splitlines()
    assert lines[0] == "::add-mask::multi%0Aline%0D%0Asecret"
    assert {"::add-mask::multi", "::add-mask::line", "::add-mask::secret"} <= set(lines)


def test_url_encoded_form_of_a_secret_is_masked() -> None:
    workflow, out = make_workflow()
    workflow.register_secret("a+b/c==")
    # The runner unescapes `%25` back to `%`: it masks `a%2Bb%2Fc%3D%3D`.
    lines = out.getvalue().splitlines()
    assert lines[:2] == ["::add-mask::a+b/c==", "::add-mask::a%252Bb%252Fc%253D%253D"]
    # ... and the other encoded forms (here the base64 of the value), each masked too.
    assert "::add-mask::YStiL2M9P" in lines
    assert all(line.startswith("::add-mask::") for line in lines)


def test_empty_secret_prints_nothing() -> None:
    workflow, out = make_workflow()
    workflow.register_secret("")
    workflow.register_secret(None)
    assert out.getvalue() == ""


def test_group_open_and_close() -> None:
    workflow, out = make_workflow()
    with workflow.group("my-group"):
        workflow.info("in my group")
    assert out.getvalue() == "::group::my-group\nin my group\n::endgroup::\n"


def test_group_closed_on_exception() -> None:
    workflow, out = make_workflow()
    with pytest.raises(RuntimeError, match="boom"), workflow.group("uploading"):
        raise RuntimeError("boom")
    assert out.getvalue() == "::group::uploading\n::endgroup::\n"


def test_commands_are_redacted() -> None:
    workflow, out = make_workflow()
    workflow.register_secret("s3cr3t-key-value")
    out.truncate(0)
    out.seek(0)
    workflow.error("request failed with key s3cr3t-key-value", title="s3cr3t-key-value")
    workflow.info("plain s3cr3t-key-value")
    assert out.getvalue() == "::error title=***::request failed with key ***\nplain ***\n"


def test_outside_actions_a_secret_is_never_printed() -> None:
    out = io.StringIO()
    workflow = Workflow(GitHubContext(actions=False), stdout=out, redactor=Redactor())
    workflow.register_secret("s3cr3t-key-value")
    workflow.info("key s3cr3t-key-value")
    assert out.getvalue() == "key ***\n"


# ---------------------------------------------------------------- injection through data
# The runner reads a line as a command when, after leading white space, it starts with `::`
# (`ActionCommand.TryParseV2`), or when it holds `##[` anywhere (`ActionCommand.TryParse`,
# the legacy form); `ActionCommandManager.TryProcessCommand` tries both (actions/runner).
HOSTILE_NAME = ("a.wav\n::stop-commands::pwn\r::set-output name=improved::true"
                "\n ::warning::x ##[error]y")


def _runner_would_parse(line: str) -> bool:
    return line.lstrip().startswith("::") or "##[" in line


@pytest.mark.parametrize("actions", [True, False])
def test_no_data_line_can_become_a_command(actions: bool) -> None:
    out = io.StringIO()
    workflow = Workflow(GitHubContext(actions=actions), stdout=out, redactor=Redactor(),
                        plain=not actions)
    workflow.info(f"uploading {HOSTILE_NAME}")
    workflow.info(HOSTILE_NAME)
    workflow.error(f"bad header in {HOSTILE_NAME}", file=HOSTILE_NAME, title=HOSTILE_NAME,
                   line=3)
    workflow.warning(HOSTILE_NAME, title=HOSTILE_NAME)
    workflow.notice(HOSTILE_NAME, file=HOSTILE_NAME)
    workflow.debug(HOSTILE_NAME)
    with workflow.group(HOSTILE_NAME):
        workflow.info("inside")
    lines = out.getvalue().replace("\r", "\n").split("\n")
    commands = [line for line in lines if _runner_would_parse(line)]
    if not actions:
        assert commands == []
        return
    # Only our own commands, one line each, with the name escaped inside them.
    assert [c.split("::")[1].split(" ")[0] for c in commands] == [
        "error", "warning", "notice", "debug", "group", "endgroup"]
    assert all("%0A" in c for c in commands if c != "::endgroup::")
    assert not any("::stop-commands::" in line.lstrip()[:20] for line in lines)


def test_a_log_line_keeps_its_text_readable() -> None:
    from speech_action.github.workflow import log_text

    assert log_text("plain text: a::b") == "plain text: a::b"
    assert log_text("x\n  ::warning::y") == "x\n  %3A%3Awarning::y"
    assert log_text("::error::z") == "%3A%3Aerror::z"
    assert log_text("see ##[set-output name=a]b") == "see ##%5Bset-output name=a]b"
    assert log_text("a\u2028::debug::b") == "a\u2028%3A%3Adebug::b"


def test_property_with_newline_and_separators_stays_one_property() -> None:
    line = format_command("error", annotation_properties(file="a,b:c\nd.wav", title="t,x"),
                          "m")
    assert line == "::error title=t%2Cx,file=a%2Cb%3Ac%0Ad.wav::m"
