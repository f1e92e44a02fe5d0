"""pytest plugin: a real test database migrated once per session, a private topic prefix, tokens, clients."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from dovetail_shared.auth import issue_token
from dovetail_shared.clock import Clock
from dovetail_shared.db import MessagingTables
from dovetail_shared.http.app import create_service_app
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.runner import migrate
from dovetail_shared.runtime import ServiceSpec
from dovetail_shared.settings import ServiceSettings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

# Before any settings are read: the suite runs on local servers with the shipped placeholders.
os.environ.setdefault("DOVETAIL_ENVIRONMENT", "test")

TEST_DATABASE_URL = os.environ.get(
    "DOVETAIL_TEST_DATABASE_URL", "postgresql+asyncpg://dovetail:dovetail@127.0.0.1:55432/dovetail_test"
)
KAFKA = os.environ.get("DOVETAIL_TEST_KAFKA", "127.0.0.1:19092")
# One prefix per test session: topics of earlier runs (and of `make run`) never leak into assertions.
SESSION_PREFIX = f"test-{uuid.uuid4().hex[:8]}"


def _reachable(hostport: str) -> bool:
    host, port = hostport.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def require_infrastructure() -> None:
    """Integration tests fail (never skip) without the real servers: a skipped test proves nothing."""
    missing = [name for name, hp in (("PostgreSQL", "127.0.0.1:55432"), ("Kafka", KAFKA)) if not _reachable(hp)]
    if missing:
        pytest.fail(f"{' and '.join(missing)} not reachable: run `make infra-up` (or `make test`, which does it)")


def settings_for(spec: ServiceSpec, **overrides: Any) -> ServiceSettings:
    base = spec.settings_factory()
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": TEST_DATABASE_URL,
        "kafka_bootstrap_servers": KAFKA,
        "topic_prefix": SESSION_PREFIX,
        "relay_poll_interval_s": 0.5,
        "consumer_retry_base_s": 0.05,
        "log_json": True,
    }
    values.update(overrides)
    return type(base).model_validate({**base.model_dump(), **values})


_migrated: set[str] = set()


def migrate_once(spec: ServiceSpec) -> ServiceSettings:
    """Real Alembic migrations of a service into the test database, once per session, from scratch."""
    require_infrastructure()
    settings = settings_for(spec)
    if spec.name not in _migrated:
        _drop_schema(settings)
        migrate(spec, settings)
        _migrated.add(spec.name)
    return settings


def _drop_schema(settings: ServiceSettings) -> None:
    import asyncpg

    from dovetail_shared.db import asyncpg_dsn

    async def drop() -> None:
        conn = await asyncpg.connect(asyncpg_dsn(settings.database_url))
        try:
            await conn.execute(f'DROP SCHEMA IF EXISTS "{settings.db_schema}" CASCADE')
        finally:
            await conn.close()

    asyncio.run(drop())


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    require_infrastructure()
    return KAFKA


@pytest.fixture(scope="session")
def topic_prefix() -> str:
    return SESSION_PREFIX


def make_token(settings: ServiceSettings) -> Callable[..., str]:
    def token(*roles: str, org: uuid.UUID | None = None, sub: str | None = None) -> str:
        return issue_token(settings, sub=sub or f"user-{uuid.uuid4().hex[:6]}", org=org, roles=list(roles))

    return token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def service_client(
    spec: ServiceSpec, settings: ServiceSettings, clock: Clock | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the real app (real lifespan, real database) without opening a port.

    ``clock`` (e.g. a ``FixedClock``) is the app's clock: what ``Now``/``Today`` and so every use case see.
    """
    app = create_service_app(spec, settings, clock)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


async def running_relay(
    settings: ServiceSettings, engine: AsyncEngine, messaging: MessagingTables
) -> AsyncIterator[OutboxRelay]:
    """The real relay, as the ``relay`` role runs it, for as long as the caller holds it."""
    relay = OutboxRelay(settings, engine, messaging)
    task = asyncio.create_task(relay.run())
    try:
        yield relay
    finally:
        relay.stop()
        await asyncio.wait_for(task, timeout=30)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "/integration/" in str(item.path) or "/tests/e2e/" in str(item.path):
            item.add_marker(pytest.mark.integration)


__all__ = [
    "auth",
    "make_token",
    "migrate_once",
    "require_infrastructure",
    "service_client",
    "settings_for",
]
