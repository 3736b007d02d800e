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
    assert out.getvalue().splitlines() == [
        "::add-mask::a+b/c==",
        "::add-mask::a%252Bb%252Fc%253D%253D",
    ]


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
