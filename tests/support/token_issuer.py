"""Signing JWTs as a stand-in identity provider does: RS256 with a key made per test."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey


class TokenIssuer:
    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = uuid.uuid4().hex

    @property
    def public_key(self) -> RSAPublicKey:
        return self._key.public_key()

    def issue(self, audience: str, lifetime_s: float, **claims: Any) -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "aud": audience, "iat": now, "nbf": now,
                   "exp": now + int(lifetime_s), "jti": uuid.uuid4().hex, **claims}
        return jwt.encode(payload, self._key, algorithm="RS256", headers={"kid": self.kid})

    def verify(self, token: str, audience: str) -> dict[str, Any]:
        """The claims of a token this issuer signed for `audience`; raises PyJWTError else."""
        claims: dict[str, Any] = jwt.decode(token, self.public_key, algorithms=["RS256"],
                                            audience=audience, issuer=self.issuer)
        return claims
