"""Production verification: RS256/ES256 keys from a JWKS URL (a loopback server stands in for the IdP)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from dovetail_shared.auth import TokenVerifier
from dovetail_shared.errors import Unauthorized
from dovetail_shared.principal import Role
from dovetail_shared.settings import ServiceSettings
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
STRANGER = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwk(public_key: Any, kid: str, alg: str) -> dict[str, Any]:
    algorithm = RSAAlgorithm if alg.startswith("RS") else ECAlgorithm
    jwk: dict[str, Any] = json.loads(algorithm.to_jwk(public_key))
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    body = json.dumps(
        {"keys": [_jwk(RSA_KEY.public_key(), "rsa-1", "RS256"), _jwk(EC_KEY.public_key(), "ec-1", "ES256")]}
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    finally:
        server.shutdown()


def _settings(jwks_url: str) -> ServiceSettings:
    return ServiceSettings(
        environment="production",
        jwt_algorithms=["RS256", "ES256"],
        jwks_url=jwks_url,
        jwt_issuer="https://idp.example",
        jwt_audience="dovetail",
        database_url="postgresql+asyncpg://svc:s3cret@db/dovetail",
    )


def _token(key: Any, alg: str, kid: str, **overrides: Any) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": "u-1",
        "org": str(uuid.uuid4()),
        "roles": ["firm_admin"],
        "iss": "https://idp.example",
        "aud": "dovetail",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        **overrides,
    }
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


@pytest.mark.parametrize(("key", "alg", "kid"), [(RSA_KEY, "RS256", "rsa-1"), (EC_KEY, "ES256", "ec-1")])
async def test_tokens_signed_by_the_identity_provider_are_accepted(jwks_url: str, key: Any, alg: str, kid: str) -> None:
    principal = await TokenVerifier(_settings(jwks_url)).verify(_token(key, alg, kid))
    assert principal.sub == "u-1" and principal.roles == frozenset({Role.FIRM_ADMIN})


async def test_a_token_signed_by_another_key_is_refused(jwks_url: str) -> None:
    with pytest.raises(Unauthorized):
        await TokenVerifier(_settings(jwks_url)).verify(_token(STRANGER, "RS256", "rsa-1"))


async def test_hs256_with_the_public_key_as_secret_is_refused(jwks_url: str) -> None:
    # The classic algorithm-confusion attack: algorithms are pinned, so HS256 never reaches a key.
    forged = jwt.encode(
        {"sub": "x", "iss": "https://idp.example", "aud": "dovetail", "exp": datetime.now(UTC) + timedelta(minutes=5)},
        "any-secret-of-sufficient-length-0123456789",
        algorithm="HS256",
        headers={"kid": "rsa-1"},
    )
    with pytest.raises(Unauthorized):
        await TokenVerifier(_settings(jwks_url)).verify(forged)


async def test_wrong_issuer_is_refused_even_with_a_valid_signature(jwks_url: str) -> None:
    with pytest.raises(Unauthorized):
        await TokenVerifier(_settings(jwks_url)).verify(_token(RSA_KEY, "RS256", "rsa-1", iss="https://evil"))
