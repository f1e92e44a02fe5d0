"""Bearer JWT verification (HS256 locally, RS256/ES256 via JWKS in production) into a ``Principal``."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt

from dovetail_shared.errors import Unauthorized
from dovetail_shared.principal import Principal, Role
from dovetail_shared.settings import ServiceSettings

ASYMMETRIC = ("RS", "ES", "PS", "Ed")


class TokenVerifier:
    """Verifies signature, ``exp``, ``iss`` and ``aud`` with the algorithms pinned in settings."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.algorithms = list(settings.jwt_algorithms)
        self._jwks: jwt.PyJWKClient | None = None
        if any(a.startswith(ASYMMETRIC) for a in self.algorithms):
            if not settings.jwks_url:
                raise ValueError("jwks_url is required for asymmetric JWT algorithms")
            self._jwks = jwt.PyJWKClient(settings.jwks_url, cache_keys=True, lifespan=300)

    def _key(self, token: str) -> Any:
        if self._jwks is not None:
            return self._jwks.get_signing_key_from_jwt(token).key
        return self.settings.jwt_secret.get_secret_value()

    def verify_sync(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                key=self._key(token),
                algorithms=self.algorithms,
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"invalid token: {exc}") from exc
        return principal_from_claims(claims)

    async def verify(self, token: str) -> Principal:
        if self._jwks is not None:
            # PyJWKClient fetches keys with blocking I/O; keep it off the event loop.
            return await asyncio.to_thread(self.verify_sync, token)
        return self.verify_sync(token)


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    raw_roles = claims.get("roles", [])
    if not isinstance(raw_roles, list):
        raise Unauthorized("invalid token: 'roles' must be a list")
    roles: set[Role] = set()
    for r in raw_roles:
        try:
            roles.add(Role(r))
        except ValueError:
            continue  # roles of other applications sharing the identity provider are not ours
    org = claims.get("org")
    try:
        org_id = uuid.UUID(str(org)) if org else None
    except ValueError as exc:
        raise Unauthorized("invalid token: 'org' is not a UUID") from exc
    return Principal(sub=str(claims["sub"]), org=org_id, roles=frozenset(roles))


def issue_token(
    settings: ServiceSettings,
    *,
    sub: str,
    org: uuid.UUID | None,
    roles: list[str] | list[Role],
    ttl: timedelta = timedelta(hours=8),
) -> str:
    """Mint an HS256 token for local runs, demos and tests; refused in production."""
    if not settings.environment.is_local:
        raise RuntimeError(f"tokens are issued by the identity provider in {settings.environment}")
    now = datetime.now(UTC)
    claims = {
        "sub": sub,
        "org": str(org) if org else None,
        "roles": [str(r) for r in roles],
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
