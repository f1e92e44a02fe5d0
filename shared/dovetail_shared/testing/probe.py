"""A tiny probe service (schema ``probe``) exercising the shared outbox → Kafka → inbox path (tests, bench)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from dovetail_shared.db import MessagingTables, make_engine, make_session_factory
from dovetail_shared.events.base import DomainEvent, EventPayload, topic_for
from dovetail_shared.messaging.consumer import EventConsumer
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.messaging.handlers import HandlerRegistry
from dovetail_shared.messaging.kafka import ensure_topics
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.plugin import KAFKA, SESSION_PREFIX, TEST_DATABASE_URL
from dovetail_shared.uow import SqlUnitOfWork

SCHEMA = "probe"
metadata = sa.MetaData()
messaging = MessagingTables(metadata, SCHEMA)
# No unique constraint on purpose: a second application of one event must be countable, not an error.
effects = sa.Table(
    "effects",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    # Database clock at handling time: commit-to-handled latency is read off it in the benchmark.
    sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("clock_timestamp()")),
    schema=SCHEMA,
)


class ProbeHappened(EventPayload):
    event_type: ClassVar[str] = "dovetail.probe.thing.happened.v1"
    aggregate: ClassVar[str] = "thing"

    seq: int
    poison: bool = False
    transient_failures: int = 0
    note: str = ""
    # The effect row is staged with a NULL seq: it fails at commit, not in the handler.
    bad_effect: bool = False


class ProbeSettings(ServiceSettings):
    service_name: ClassVar[str] = "probe"


def probe_settings(**overrides: Any) -> ProbeSettings:
    """Settings of the probe service on the test servers, with a topic prefix of its own."""
    values: dict[str, Any] = {
        "environment": "test",
        "database_url": TEST_DATABASE_URL,
        "kafka_bootstrap_servers": KAFKA,
        "topic_prefix": f"{SESSION_PREFIX}-{uuid.uuid4().hex[:4]}",
        "relay_poll_interval_s": 0.5,
        "consumer_retry_base_s": 0.05,
        "consumer_max_retries": 4,
    }
    values.update(overrides)
    return ProbeSettings(**values)


def topic(settings: ServiceSettings) -> str:
    return topic_for(settings.topic_prefix, "probe", ProbeHappened.aggregate)


_attempts: dict[uuid.UUID, int] = {}
INSERT_EFFECT = sa.insert(effects)


handlers: HandlerRegistry[SqlUnitOfWork] = HandlerRegistry(SqlUnitOfWork)


@handlers.on(ProbeHappened)
async def handle(uow: SqlUnitOfWork, payload: ProbeHappened, event: ReceivedEvent) -> None:
    if payload.poison:
        raise ValueError(f"probe {payload.seq} is poison")
    seen = _attempts.get(event.id, 0)
    if seen < payload.transient_failures:
        _attempts[event.id] = seen + 1
        from dovetail_shared.messaging.consumer import TransientError

        raise TransientError(f"probe {payload.seq}: simulated outage {seen + 1}")
    # Staged, not executed: a consumer chunk's effects go in one executemany at commit.
    uow.stage(INSERT_EFFECT, {"event_id": event.id, "seq": None if payload.bad_effect else payload.seq})


class Probe:
    """Handles on the probe service: write events through the real unit of work, count effects."""

    def __init__(self, settings: ProbeSettings, engine: AsyncEngine) -> None:
        self.settings = settings
        self.engine = engine
        self.sessions = make_session_factory(engine)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, messaging, self.settings.topic_prefix)

    async def emit(self, seq: int, *, key: uuid.UUID | None = None, **fields: Any) -> uuid.UUID:
        event = DomainEvent(
            payload=ProbeHappened(seq=seq, **fields), subject=key or uuid.uuid4(), time=datetime.now(UTC)
        )
        async with self.uow() as uow:
            uow.emit(event)
            await uow.commit()
        return event.id

    def consumer(self, cls: type[EventConsumer] = EventConsumer) -> EventConsumer:
        return cls(self.settings, self.uow, "probe", handlers, [topic(self.settings)])

    async def scalar(self, stmt: Any) -> Any:
        async with self.engine.connect() as conn:
            return (await conn.execute(stmt)).scalar()

    async def effect_counts(self) -> tuple[int, int]:
        """(rows, distinct events): equal means no event was applied twice."""
        async with self.engine.connect() as conn:
            row = (await conn.execute(sa.select(sa.func.count(), sa.func.count(sa.distinct(effects.c.event_id))))).one()
        return int(row[0]), int(row[1])

    async def unpublished(self) -> int:
        return int(
            await self.scalar(
                sa.select(sa.func.count())
                .select_from(messaging.outbox)
                .where(messaging.outbox.c.published_at.is_(None))
            )
        )


async def wait_until(predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.2) -> None:  # noqa: ASYNC109
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        if await predicate():
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(interval)


async def create_probe_schema(settings: ServiceSettings) -> None:
    engine = make_engine(settings)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        await conn.execute(sa.text(f'CREATE SCHEMA "{SCHEMA}"'))
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


async def reset_probe(settings: ServiceSettings) -> Probe:
    engine = make_engine(settings)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'TRUNCATE "{SCHEMA}".outbox, "{SCHEMA}".inbox, "{SCHEMA}".effects'))
    await ensure_topics(settings, [topic(settings)])
    return Probe(settings, engine)
