"""Microsoft Entra ID access tokens at the local service, as a resource that only takes them.

Under `start_local_service(..., bearer=BearerPolicy(...))` every Speech to text request must
carry `Authorization: Bearer <JWT>` whose audience is the Cognitive Services resource
(`https://cognitiveservices.azure.com`) and whose `exp` (and `nbf`, if present) admit the
service's current time; keys are refused, as on a resource with `disableLocalAuth`. With a
`verification_key` (the issuer's public key, PEM or a PyJWT key) the signature is verified
too, with PyJWT; without one the signature is NOT verified: the engine then trusts any
well-formed token with the right audience and expiry (enough to try the keyless path offline,
no security boundary).

Answers follow the service: 401 with the message Azure AI services give for a missing,
invalid, wrong-audience or expired token, and 403 `PermissionDenied` for a principal
(`oid`) without a role when `permitted_object_ids` is set (no role is carried in an access
token: Azure checks role assignments on its side, which this set stands in for).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import jwt

__all__ = ["SPEECH_AUDIENCE", "TOKEN_REFUSED", "BearerPolicy", "BearerRefusal"]

SPEECH_AUDIENCE = "https://cognitiveservices.azure.com"
TOKEN_REFUSED = ("Access token is missing, invalid, audience is incorrect "
                 "(https://cognitiveservices.azure.com), or have expired.")
NO_ACCESS = "Principal does not have access to API/Operation."


@dataclass(frozen=True)
class BearerRefusal:
    status: int
    code: str
    message: str

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}


@dataclass(frozen=True)
class BearerPolicy:
    audience: str = SPEECH_AUDIENCE
    verification_key: Any = None
    algorithms: tuple[str, ...] = ("RS256",)
    permitted_object_ids: Collection[str] | None = None
    clock: Callable[[], float] = field(default=time.time)

    def check(self, authorization: str | None) -> BearerRefusal | None:
        """None when the request may go ahead; else the service's refusal."""
        claims = self.claims(authorization)
        if claims is None:
            return BearerRefusal(401, "401", TOKEN_REFUSED)
        if (self.permitted_object_ids is not None
                and claims.get("oid") not in self.permitted_object_ids):
            return BearerRefusal(403, "PermissionDenied", NO_ACCESS)
        return None

    def claims(self, authorization: str | None) -> dict[str, Any] | None:
        """The token's claims if it is a valid, current token for our audience; else None."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            claims: dict[str, Any] = jwt.decode(
                token.strip(), key=self.verification_key, algorithms=list(self.algorithms),
                audience=self.audience,
                # exp/nbf are checked below against `clock`, the service's own time.
                options={"verify_signature": self.verification_key is not None,
                         "verify_aud": True, "verify_exp": False, "verify_nbf": False,
                         "require": ["exp", "aud"]})
        except jwt.PyJWTError:
            return None
        now = self.clock()
        if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= now:
            return None
        not_before = claims.get("nbf")
        if isinstance(not_before, int | float) and not_before > now:
            return None
        return claims
