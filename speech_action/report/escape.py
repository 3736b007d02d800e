"""Escaping of untrusted text (transcripts, file names, display names) for GitHub.

Transcripts come from people and from a recognizer; both can hold `<script>`, `|`, `*`
or backticks. Everything untrusted goes through one of these before it reaches
Markdown or HTML, so it shows as typed and never as markup, a table break or a mention.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

__all__ = ["escape_cell", "escape_html", "escape_markdown", "safe_url"]

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
