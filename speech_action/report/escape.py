"""Escaping of untrusted text (transcripts, file names, display names) for GitHub.

Transcripts come from people and from a recognizer; both can hold `<script>`, `|`, `*`
or backticks. Everything untrusted goes through one of these before it reaches
Markdown or HTML, so it shows as typed and never as markup, a table break or a mention.
Text shown as code goes in a fence or span longer than any run of backticks in it, so the
text cannot close it (GitHub Flavored Markdown spec, "Fenced code blocks" and "Code
spans": a closing fence needs at least as many backticks as the opening one, a span's
closing run exactly as many).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

__all__ = [
    "code_block",
    "code_cell",
    "code_span",
    "escape_cell",
    "escape_html",
    "escape_markdown",
    "one_line",
    "safe_url",
]

_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})
# GitHub links `@name` and `#12` in rendered text (not in code or <pre>); a zero-width
# space after the sign keeps a transcript from notifying a user or linking an issue.
_MARKDOWN_TEXT = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "@": "@\u200b", "#": "#\u200b"}
)
# Inline Markdown syntax; `(`, `!`, `-`... only matter after `]` or at a line start,
# which escaping `]` and folding lines already rule out. `$` starts GitHub math.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~$])")
# At the start of a list item or paragraph these would open a list or a heading line.
_LIST_START = re.compile(r"^(?:(\d+)([.)])|([-+=]))(?=\s|$)")


def escape_html(text: str) -> str:
    """For HTML content: `<pre>`, `<summary>`, attribute values."""
    return text.translate(_HTML)


_BACKTICKS = re.compile(r"`+")
# Characters that break a line or hide text: C0/C1 controls, DEL, line/paragraph separators.
_INVISIBLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def code_block(text: str) -> str:
    """`text` as a fenced code block no line of it can close (no Markdown, no HTML)."""
    fence = "`" * max(3, _longest_backtick_run(text) + 1)
    body = text.replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    return f"{fence}\n{body}\n{fence}"


def one_line(text: str) -> str:
    """A name on one line: line breaks and other control characters shown as escapes
    (`a\\nb`), so a file name cannot start a new line of Markdown, HTML or log."""
    return _INVISIBLE.sub(lambda m: m[0].encode("unicode_escape").decode("ascii"), text)


def escape_markdown(text: str) -> str:
    """For inline Markdown (paragraphs, list items, table cells): HTML-escaped, Markdown
    punctuation backslash-escaped, and line breaks folded so a table row stays one row."""
    folded = " ".join(text.split()).translate(_MARKDOWN_TEXT)
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", folded)
    return _LIST_START.sub(_escape_list_start, escaped)


def _escape_list_start(match: re.Match[str]) -> str:
    if match[3]:
        return "\\" + match[3]
    return f"{match[1]}\\{match[2]}"


def escape_cell(text: str, *, empty: str = "") -> str:
    """A table cell; `empty` stands in for an empty text (an insertion or deletion)."""
    return escape_markdown(text) if text else empty


def safe_url(url: str) -> str | None:
    """`url` ready for `[label](url)`, or None when it is not http(s) (no `javascript:`)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return quote(url.strip(), safe=":/?&=%#+,;@!$*'~-._")


def code_span(text: str) -> str:
    """`text` as an inline code span it cannot close (an id, a hash, a file name)."""
    shown = one_line(text)
    ticks = "`" * (_longest_backtick_run(shown) + 1)
    pad = " " if shown.startswith("`") or shown.endswith("`") else ""
    return f"{ticks}{pad}{shown}{pad}{ticks}"


def code_cell(text: str) -> str:
    """`code_span` for a table cell: GitHub splits a row at every unescaped `|`, even in a
    code span, and shows `\\|` there as `|` (GFM spec, "Tables")."""
    return code_span(text).replace("|", "\\|")
