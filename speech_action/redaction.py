"""Secret redaction: every text the action prints, annotates, summarises or writes goes
through one `Redactor`, before anything cuts it to a size.

Two layers, because neither alone is enough:
- registered secrets (the speech key, the connection string and its `AccountKey` / SAS
  parts, the GitHub token, SAS URLs registered at run time) are replaced wherever they
  occur, and so are the forms a service, a serializer or our own report writers turn them
  into: URL-encoded (upper- and lower-case hex), JSON-escaped, HTML-escaped,
  Markdown-escaped (`report.escape.escape_markdown`) and base64 (standard and URL-safe,
  at each of the three byte alignments a secret can have inside a longer encoded text,
  as the Actions runner's secret masker does);
- credentials that look like credentials are replaced by pattern even if nobody registered
  them: SAS signatures (`sig=...` in a query string or a SAS token), the `AccountKey=` /
  `SharedAccessSignature=` parts of Azure Storage connection strings and a subscription
  key echoed as a header or query parameter. Those arrive from places we do not control
  (a SAS URL in a service error, an SDK exception message).

A text cut before it is redacted can keep most of a secret (31 of 32 characters are no
secret any more to a reader, but still one to an attacker): redact first, then cut.

The redactor is an object passed around; `DEFAULT_REDACTOR` is the process-wide instance
for the edge (cli), and `redact(text)` uses it.
"""

from __future__ import annotations

import base64
import html
import json
import re
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"

# Shorter than this, a line of a multi-line secret is too likely to be ordinary text
# (`}`, `-----`) to be redacted everywhere; the whole value is still redacted.
_MIN_LINE_SECRET = 4
# An encoded form shorter than this (the base64 of a 4-character secret) would hide
# ordinary text too; the raw value is still redacted at any length.
_MIN_ENCODED_FORM = 8

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # SAS signature in a URL or a bare SAS token, also URL-encoded (`sig%3D`). The value
    # is base64, maybe percent-encoded; anything else (`&`, `)`, quotes) ends it. Inside an
    # encoded URL the rest of the query goes too, which errs on the safe side.
    (
        re.compile(
            r"(?:(?<![A-Za-z0-9_])|(?<=%3F)|(?<=%26))(sig(?:=|%3D))[A-Za-z0-9%+/=_-]+",
            re.IGNORECASE,
        ),
        r"\1" + MASK,
    ),
    # Connection string parts: values run to the next `;` (base64 keys contain `=`).
    (
        re.compile(r"((?:AccountKey|SharedAccessSignature|SharedAccessKey)=)[^;\s\"'<]+"),
        r"\1" + MASK,
    ),
    # A subscription key echoed back as a header (`Ocp-Apim-Subscription-Key: k`, also as
    # a JSON member) or a query parameter (`subscription-key=k`).
    (
        re.compile(
            r"((?:Ocp-Apim-)?Subscription-Key(?:\\?[\"'])?\s*(?:[:=]|%3D)\s*(?:\\?[\"'])?)"
            r"[A-Za-z0-9]{8,}",
            re.IGNORECASE,
        ),
        r"\1" + MASK,
    ),
)


# A text holding none of these (case-insensitively) cannot match a pattern above.
_PATTERN_WORDS = ("sig", "accountkey", "sharedaccess", "subscription-key")


def secret_forms(value: str) -> list[str]:
    """The strings to hide for one secret: itself, its lines, and its encoded forms."""
    forms = [value]
    lines = [line.strip() for line in value.splitlines()]
    if len(lines) > 1:
        forms.extend(line for line in lines if len(line) >= _MIN_LINE_SECRET)
    forms.extend(form for form in encoded_forms(value) if len(form) >= _MIN_ENCODED_FORM)
    return list(dict.fromkeys(form for form in forms if form))


def encoded_forms(value: str) -> list[str]:
    """`value` as the places it can travel through write it (not `value` itself)."""
    # Imported here: `report` imports half the package, and nothing there needs us.
    from speech_action.report.escape import escape_html, escape_markdown

    forms = [*_url_forms(value), *_json_forms(value)]
    forms += [html.escape(value, quote=True), html.escape(value, quote=False),
              escape_html(value), escape_markdown(value)]
    forms += base64_forms(value)
    return [form for form in dict.fromkeys(forms) if form and form != value]


def _url_forms(value: str) -> list[str]:
    upper = [quote(value, safe=""), quote(value), quote_plus(value, safe="")]
    lower = [re.sub(r"%[0-9A-F]{2}", lambda m: m[0].lower(), form) for form in upper]
    return upper + lower


def _json_forms(value: str) -> list[str]:
    """The inside of a JSON string holding `value`, as Python, .NET and PHP write it."""
    forms = [json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]]
    return forms + [form.replace("/", "\\/") for form in forms]


def base64_forms(value: str) -> list[str]:
    """The base64 characters that only `value` decides, at each alignment.

    Inside a longer encoded text (`base64("user:" + key)`) the secret starts at byte
    offset 0, 1 or 2 of a 3-byte group; the characters that mix its first or last bits
    with its neighbours' differ from text to text, so they are left out.
    """
    data = value.encode("utf-8")
    forms: list[str] = []
    for shift, skip in ((0, 0), (1, 2), (2, 3)):
        encoded = base64.b64encode(b"\0" * shift + data).decode("ascii").rstrip("=")
        mixed_tail = 1 if (shift + len(data)) % 3 else 0
        core = encoded[skip:len(encoded) - mixed_tail]
        forms += [core, core.replace("+", "-").replace("/", "_")]
    return forms


class Redactor:
    """Replaces registered secrets and credential-looking patterns with `***`."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._ordered: list[str] = []
        for secret in secrets:
            self.register(secret)

    def register(self, secret: str) -> list[str]:
        """Remember a secret (and its forms); returns the forms newly registered."""
        new = [form for form in secret_forms(secret) if form not in self._secrets]
        if new:
            with self._lock:
                self._secrets.update(new)
                # Longest first, so a secret containing another is replaced whole.
                self._ordered = sorted(self._secrets, key=len, reverse=True)
        return new

    def redact(self, text: str) -> str:
        """`text` with every registered secret and credential pattern replaced."""
        for secret in self._ordered:
            if secret in text:
                text = text.replace(secret, MASK)
        lowered = text.lower()
        if any(word in lowered for word in _PATTERN_WORDS):  # most texts: no regex at all
            for pattern, replacement in _PATTERNS:
                text = pattern.sub(replacement, text)
        return text

    def redact_json(self, data: Any) -> Any:
        """A JSON-ready value with every string in it (keys too) redacted; `data` itself
        when nothing had to change.

        String by string, not over the serialized text: a string that holds a
        JSON-escaped secret (`\\"` in a service's message) is escaped once more when
        serialized, and no registered form would match it there.
        """
        redacted = self._redact_each(data)
        return data if redacted == data else redacted

    def _redact_each(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, dict):
            return {self.redact(str(k)): self._redact_each(v) for k, v in data.items()}
        if isinstance(data, (list, tuple)):
            return [self._redact_each(item) for item in data]
        return data

    def redact_json_text(self, text: str) -> str:
        """Serialized JSON (a record, a report) with its strings redacted; `text` as it
        was when nothing had to change, else re-serialized in the same layout."""
        try:
            loaded = json.loads(text)
        except ValueError:
            return self.redact(text)  # it was no JSON to begin with
        redacted = self.redact_json(loaded)
        if redacted is loaded:
            return text
        indent = 2 if "\n" in text.strip() else None
        ending = "\n" if text.endswith("\n") else ""
        return json.dumps(redacted, indent=indent, ensure_ascii=False) + ending

    def __repr__(self) -> str:
        # Never show the secrets themselves, only how many there are.
        return f"Redactor({len(self._secrets)} secrets)"


DEFAULT_REDACTOR = Redactor()


def redact(text: str, *, also: Iterable[str] = ()) -> str:
    """Redact `text` with the process-wide `DEFAULT_REDACTOR`, and also every form of the
    secrets in `also` (a credential the caller holds, registered or not)."""
    redacted = DEFAULT_REDACTOR.redact(text)
    extra = [secret for secret in also if secret]
    return Redactor(extra).redact(redacted) if extra else redacted
