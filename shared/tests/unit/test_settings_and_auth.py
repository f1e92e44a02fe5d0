"""Settings refuse placeholders outside development; tokens are verified with pinned algorithms and claims."""

import uuid
from datetime import timedelta

import jwt
import pytest
from dovetail_shared.auth import TokenVerifier, issue_token
from dovetail_shared.errors import Unauthorized
from dovetail_shared.principal import Role
from dovetail_shared.settings import ServiceSettings
from pydantic import ValidationError


@pytest.mark.parametrize("environment", ["staging", "production"])
def test_anything_but_development_and_test_refuses_the_development_secret(environment: str) -> None:
    with pytest.raises(ValidationError, match="placeholder secret"):
        ServiceSettings(environment=environment)


def test_production_accepts_a_real_secret_and_password() -> None:
    s = ServiceSettings(
        environment="production",
        jwt_secret="x" * 48,
        database_url="postgresql+asyncpg://svc:s3cret@db/dovetail",
    )
    assert s.environment == "production"


def test_production_with_asymmetric_keys_needs_a_jwks_url() -> None:
    with pytest.raises(ValidationError, match="jwks_url"):
        ServiceSettings(environment="production", jwt_algorithms=["RS256"], database_url="postgresql://a:b@h/d")


def test_alg_none_is_never_accepted() -> None:
    with pytest.raises(ValidationError, match="none"):
        ServiceSettings(jwt_algorithms=["none"])


def test_service_prefix_wins_over_the_shared_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    from typing import ClassVar

    from pydantic_settings import SettingsConfigDict

    class Demo(ServiceSettings):
        model_config = SettingsConfigDict(env_prefix="DEMO_", extra="ignore")
        service_name: ClassVar[str] = "demo"

    monkeypatch.setenv("DOVETAIL_TOPIC_PREFIX", "shared")
    assert Demo().topic_prefix == "shared"
    monkeypatch.setenv("DEMO_TOPIC_PREFIX", "mine")
    assert Demo().topic_prefix == "mine"


def test_a_valid_token_becomes_a_principal_with_known_roles_only() -> None:
    s = ServiceSettings()
    org = uuid.uuid4()
    token = issue_token(s, sub="u1", org=org, roles=["college_admin", "someone_elses_role"])
    p = TokenVerifier(s).verify_sync(token)
    assert p.sub == "u1" and p.org == org and p.roles == frozenset({Role.COLLEGE_ADMIN})


@pytest.mark.parametrize("change", ["expired", "wrong_audience", "wrong_issuer", "wrong_key", "hs512"])
def test_tokens_that_break_a_rule_are_refused(change: str) -> None:
    s = ServiceSettings()
    claims = {"sub": "u", "org": None, "roles": [], "iss": s.jwt_issuer, "aud": s.jwt_audience}
    key, alg = s.jwt_secret.get_secret_value(), "HS256"
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    claims["exp"] = now + timedelta(minutes=5)
    if change == "expired":
        claims["exp"] = now - timedelta(minutes=5)
    elif change == "wrong_audience":
        claims["aud"] = "someone-else"
    elif change == "wrong_issuer":
        claims["iss"] = "evil"
    elif change == "wrong_key":
        key = "another-secret-that-is-long-enough-000000"
    elif change == "hs512":
        alg = "HS512"  # not in the pinned list
    token = jwt.encode(claims, key, algorithm=alg)
    with pytest.raises(Unauthorized):
        TokenVerifier(s).verify_sync(token)


def test_issuing_tokens_is_refused_in_production() -> None:
    s = ServiceSettings(environment="production", jwt_secret="y" * 48, database_url="postgresql://a:b@h/d")
    with pytest.raises(RuntimeError):
        issue_token(s, sub="u", org=None, roles=[])
