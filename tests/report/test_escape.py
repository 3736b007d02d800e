"""Escaping of untrusted text for Markdown and HTML."""

from __future__ import annotations

import pytest

from speech_action.report.escape import (
    code_block,
    escape_cell,
    escape_html,
    escape_markdown,
    one_line,
    safe_url,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a | b", "a \\| b"),
        ("*bold* _it_", "\\*bold\\* \\_it\\_"),
        ("`code`", "\\`code\\`"),
        ("[x](javascript:y)", "\\[x\\](javascript:y)"),
        ("$x^2$", "\\$x^2\\$"),
        ("~~strike~~", "\\~\\~strike\\~\\~"),
        ("back\\slash", "back\\\\slash"),
        ("AT&T", "AT&amp;T"),
        ("hi @octocat see #12", "hi @\u200boctocat see #\u200b12"),
        ("line one\nline two\r\n", "line one line two"),
        ("- not a list", "\\- not a list"),
        ("1. not a list", "1\\. not a list"),
        ("+", "\\+"),
        ("3.5 percent", "3.5 percent"),
        ('it\'s "quoted"', 'it\'s "quoted"'),
    ],
)
def test_escape_markdown(text: str, expected: str) -> None:
    assert escape_markdown(text) == expected


def test_escape_html() -> None:
    assert escape_html('<b>it\'s "x" & y</b>') == (
        "&lt;b&gt;it&#39;s &quot;x&quot; &amp; y&lt;/b&gt;"
    )


def test_escape_cell_empty_placeholder() -> None:
    assert escape_cell("", empty="*(deleted)*") == "*(deleted)*"
    assert escape_cell("a|b") == "a\\|b"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://x.example/a?b=1&c=2", "https://x.example/a?b=1&c=2"),
        ("https://x.example/a b(c)", "https://x.example/a%20b%28c%29"),
        ("javascript:alert(1)", None),
        ("data:text/html,hi", None),
        ("/relative", None),
        ("https://", None),
    ],
)
def test_safe_url(url: str, expected: str | None) -> None:
    assert safe_url(url) == expected


# GitHub Flavored Markdown spec, "Fenced code blocks" (a closing fence has at least as many
# backticks as the opening one) and "Code spans" (closed by a run of exactly as many).
@pytest.mark.parametrize("text", ["plain", "a ` b", "```", "x\n```\n# h\n````` y", "`" * 9])
def test_code_block_fence_is_longer_than_any_backtick_run(text: str) -> None:
    block = code_block(text)
    fence = block.split("\n", 1)[0]
    assert set(fence) == {"`"} and len(fence) >= 3
    inner = block.split("\n")[1:-1]
    assert block.split("\n")[-1] == fence
    assert all(not line.startswith(fence) for line in inner)
    assert "\n".join(inner) == text


def test_code_block_treats_a_lone_carriage_return_as_a_line_end() -> None:
    assert code_block("a\r```\rb") == "````\na\n```\nb\n````"


def test_one_line_shows_breaks_and_controls_as_escapes() -> None:
    assert one_line("a\nb\r\tc\x00d\u2028e\x85f.wav") == "a\\nb\\r\\tc\\x00d\\u2028e\\x85f.wav"
    assert one_line("ordinary name.wav") == "ordinary name.wav"
