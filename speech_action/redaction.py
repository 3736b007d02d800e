"""Secret redaction: every text the action prints, annotates, summarises or writes goes
through one `Redactor`.

Two layers, because neither alone is enough:
- registered secrets (the speech key, the connection string, the GitHub token, ...) are
  replaced wherever they occur, also in their URL-encoded form;
- credentials that look like credentials are replaced by pattern even if nobody registered
  them: SAS signatures (`sig=...` in a query string or a SAS token) and the `AccountKey=` /
  `SharedAccessSignature=` parts of Azure Storage connection strings. Those arrive from
  places we do not control (a SAS URL in a service error, an SDK exception message).

The redactor is an object passed around; `DEFAULT_REDACTOR` is the process-wide instance
for the edge (cli), and `redact(text)` uses it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

MASK = "***"

# Shorter than this, a line of a multi-line secret is too likely to be ordinary text
# (`}`, `-----`) to be redacted everywhere; the whole value is still redacted.
_MIN_LINE_SECRET = 4

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
        re.compile(r"((?:AccountKey|SharedAccessSignature|SharedAccessKey)=)[^;\s\"']+"),
        r"\1" + MASK,
    ),
)


def secret_forms(value: str) -> list[str]:
    """The strings to hide for one secret: itself, its lines, its URL-encoded forms."""
    forms = [value]
    lines = [line.strip() for line in value.splitlines()]
    if len(lines) > 1:
        forms.extend(line for line in lines if len(line) >= _MIN_LINE_SECRET)
    for encoded in (quote(value, safe=""), quote_plus(value, safe="")):
        if encoded != value:
            forms.append(encoded)
    return list(dict.fromkeys(form for form in forms if form))


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
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text

    def __repr__(self) -> str:
        # Never show the secrets themselves, only how many there are.
        return f"Redactor({len(self._secrets)} secrets)"


DEFAULT_REDACTOR = Redactor()


def redact(text: str) -> str:
    """Redact `text` with the process-wide `DEFAULT_REDACTOR`."""
    return DEFAULT_REDACTOR.redact(text)
