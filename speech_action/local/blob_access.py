"""File download URLs as Azure Blob would hand them out, with or without a SAS token.

The API description (`sasLifetimeMinutes`): "For speech resources that don't have BYOS
enabled, the default SAS validity duration is 12 hours. For speech resources with BYOS,
returned urls do not contain an SAS token." So without BYOS a file's `links.contentUrl`
carries a signed, expiring token and works as is; with BYOS it is the bare blob URL, and
fetching it without storage credentials fails as Blob answers an anonymous request for
a private blob (401 NoAuthenticationInformation). The local engine does not verify
storage credentials: any `Authorization` header counts as one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

__all__ = ["DEFAULT_SAS_MINUTES", "BlobAccess", "Refusal", "load_key"]

DEFAULT_SAS_MINUTES = 12 * 60
_SAS_VERSION = "2025-01-05"
_KEY_FILE = "blob-sas.key"
_TIME = "%Y-%m-%dT%H:%M:%SZ"


def load_key(data_dir: Path) -> bytes:
    """The signing key of a data dir, made once: a restarted service (same data dir)
    still honours the URLs it handed out, as Blob SAS URLs outlive any one request."""
    path = data_dir / _KEY_FILE
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()
    key = secrets.token_bytes(32)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
    return key


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str


@dataclass(frozen=True)
class BlobAccess:
    key: bytes
    byos: bool = False

    def _signature(self, path: str, expiry: str) -> str:
        digest = hmac.new(self.key, f"{path}\n{expiry}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def url(self, base_url: str, path: str, now: datetime, minutes: int) -> str:
        if self.byos:
            return f"{base_url}{path}"
        expiry = (now + timedelta(minutes=minutes)).strftime(_TIME)
        query = {"sv": _SAS_VERSION, "se": expiry, "sr": "b", "sp": "r",
                 "sig": self._signature(path, expiry)}
        return f"{base_url}{path}?{urlencode(query)}"

    def check(self, path: str, query: dict[str, str], authorization: str | None,
              now: datetime) -> Refusal | None:
        """None when the download may go ahead; else Blob's answer."""
        if self.byos:
            if authorization:
                return None
            return Refusal(401, "NoAuthenticationInformation",
                           "Server failed to authenticate the request. Please refer to the "
                           "information in the www-authenticate header.")
        signature, expiry = query.get("sig"), query.get("se", "")
        if not signature:
            return Refusal(401, "NoAuthenticationInformation",
                           "Server failed to authenticate the request: no SAS token.")
        if not hmac.compare_digest(signature, self._signature(path, expiry)):
            return Refusal(403, "AuthenticationFailed",
                           "Server failed to authenticate the request. Make sure the value "
                           "of Authorization header is formed correctly including the "
                           "signature.")
        if expiry <= now.strftime(_TIME):
            return Refusal(403, "AuthenticationFailed",
                           "Signature not valid in the specified time frame.")
        return None
