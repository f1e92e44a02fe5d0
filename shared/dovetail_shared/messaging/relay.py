"""Outbox relay: publishes committed outbox rows to Kafka in id order, one active relay per service."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import zlib
from collections.abc import Sequence
from typing import Any

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from sqlalchemy.ext.asyncio import AsyncEngine

from dovetail_shared import metrics
from dovetail_shared.db import MessagingTables, asyncpg_dsn
from dovetail_shared.logging import get_logger
from dovetail_shared.messaging import health
from dovetail_shared.messaging.envelope import encode
from dovetail_shared.messaging.kafka import ensure_topics, make_producer
from dovetail_shared.settings import ServiceSettings

log = get_logger(__name__)


# The lock connection holds this one advisory lock and nothing else.
LOCK_HELD = "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = pg_backend_pid() AND locktype = 'advisory' AND granted)"


class _Statements:
    """The relay's two statements, fixed in shape (an id array, not an IN list) so each is prepared once.

    They run as plain asyncpg on the lock connection: no pool checkout, ping or BEGIN/COMMIT per batch,
    and a mark can only land while the connection that holds the lock is alive.
    """

    def __init__(self, messaging: MessagingTables) -> None:
        outbox = f'"{messaging.schema}".outbox'
        self.unpublished = (
            # The payload as JSON text: it goes to Kafka as it is, never parsed here.
            "SELECT id, event_id, event_type, topic, key, subject, payload::text AS payload, headers, occurred_at "  # noqa: S608
            f"FROM {outbox} WHERE published_at IS NULL AND failed_at IS NULL ORDER BY id LIMIT $1"
        )
        self.mark_published = f"UPDATE {outbox} SET published_at = now() WHERE id = ANY($1::bigint[])"  # noqa: S608
        self.mark_parked = (
            f"UPDATE {outbox} AS o SET failed_at = now(), error = p.error "  # noqa: S608
            "FROM unnest($1::bigint[], $2::text[]) AS p(id, error) WHERE o.id = p.id"
        )


async def _init_connection(conn: asyncpg.Connection) -> None:
    await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog")
    # A lost mark only means a re-send that inboxes absorb, so marks need not wait for fsync; this
    # connection runs nothing else.
    await conn.execute("SET synchronous_commit TO OFF")


def advisory_lock_key(schema: str) -> int:
    # A stable 32-bit key per schema, so relays of different services never exclude each other.
    return zlib.crc32(f"dovetail-relay:{schema}".encode())


class OutboxRelay:
    """Reads unpublished rows in id order, sends them with an idempotent ``acks=all`` producer, marks them.

    A crash after sending but before marking re-sends those rows on restart (at-least-once); consumers'
    inboxes absorb the duplicates. Only the holder of a Postgres advisory lock publishes, so running two
    relays (e.g. during a rolling deploy) is safe: the second waits as a hot standby.
    """

    def __init__(
        self,
        settings: ServiceSettings,
        engine: AsyncEngine,
        messaging: MessagingTables,
        *,
        producer: AIOKafkaProducer | None = None,
    ) -> None:
        self.settings = settings
        self.engine = engine
        self.messaging = messaging
        self._producer = producer
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.published = 0
        self.is_leader = False
        self._known_topics: set[str] = set()
        self.source = f"/dovetail/{settings.wire_name}"
        self._sql = _Statements(messaging)
        health.install(settings.service_name)
        self._next_sample = 0.0

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        """Run until ``stop``; reconnects after Postgres or Kafka outages with a capped backoff."""
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                await self._lead_and_publish()
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.is_leader = False
                metrics.RELAY_ERRORS.labels(self.settings.service_name, "retry").inc()
                if health.is_connection_error(exc):
                    health.broker.failed(exc)  # logs once per outage, not once per retry
                else:
                    log.warning("relay.error", error=repr(exc), retry_in_s=backoff)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=backoff)
                backoff = min(backoff * 2, 10.0)

    async def _lead_and_publish(self) -> None:
        # A dedicated asyncpg connection holds the advisory lock and the LISTEN; if it dies, so does the
        # lock, and this loop starts over (another relay may have taken over meanwhile).
        conn: asyncpg.Connection = await asyncpg.connect(asyncpg_dsn(self.settings.database_url))
        await _init_connection(conn)
        producer = self._producer or make_producer(self.settings)
        own_producer = self._producer is None
        try:
            key = advisory_lock_key(self.messaging.schema)
            while not self._stopping.is_set():
                if await conn.fetchval("SELECT pg_try_advisory_lock($1)", key):
                    break
                await self.sample_backlog()  # a standby still reports, so the series never goes stale
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=self.settings.relay_poll_interval_s)
            if self._stopping.is_set():
                return
            self.is_leader = True
            log.info("relay.leading", schema=self.messaging.schema)
            await conn.add_listener(self.messaging.notify_channel, self._on_notify)
            if own_producer:
                await producer.start()
                health.broker.ok()
            while not self._stopping.is_set():
                self._wake.clear()
                # Leadership is proven before every batch: a lock connection that died (or was terminated)
                # means another relay may already be publishing, so this one must stop at once.
                if not await conn.fetchval(LOCK_HELD, timeout=5):
                    raise ConnectionError("relay lost its advisory lock")
                sent = await self.publish_batch(producer, conn)
                if time.monotonic() >= self._next_sample:
                    await self.sample_backlog()
                if sent >= self.settings.relay_batch_size:
                    continue  # more may be waiting: don't sleep
                with contextlib.suppress(asyncio.TimeoutError):
                    # The poll is the fallback for a lost NOTIFY (e.g. while reconnecting).
                    await asyncio.wait_for(self._wake.wait(), timeout=self.settings.relay_poll_interval_s)
        finally:
            self.is_leader = False
            if own_producer:
                with contextlib.suppress(Exception):
                    await producer.stop()
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)

    async def sample_backlog(self) -> None:
        """Set the backlog gauges (rows waiting, age of the oldest); at most once a second while leading."""
        self._next_sample = time.monotonic() + 1.0
        outbox = self.messaging.outbox
        async with self.engine.connect() as conn:
            count, oldest_age = (
                await conn.execute(
                    sa.select(
                        sa.func.count(),
                        sa.func.coalesce(
                            sa.func.extract("epoch", sa.func.now() - sa.func.min(outbox.c.occurred_at)), 0
                        ),
                    ).where(outbox.c.published_at.is_(None), outbox.c.failed_at.is_(None))
                )
            ).one()
            await conn.rollback()
        metrics.OUTBOX_BACKLOG.labels(self.settings.service_name).set(count)
        metrics.OUTBOX_OLDEST_AGE.labels(self.settings.service_name).set(max(0.0, float(oldest_age)))

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def publish_batch(self, producer: AIOKafkaProducer, conn: asyncpg.Connection) -> int:
        """Send one batch of unpublished rows and mark them (on ``conn``, the lock connection); returns the count."""
        rows = await conn.fetch(self._sql.unpublished, self.settings.relay_batch_size)
        if not rows:
            return 0
        topics = {r["topic"] for r in rows} - self._known_topics
        if topics:
            await ensure_topics(self.settings, topics)
            self._known_topics |= topics
        futures: list[tuple[Any, Any]] = []
        parked: dict[int, str] = {}
        for r in rows:
            trace = r["headers"] or {}
            key, value, headers = encode(
                event_id=r["event_id"],
                event_type=r["event_type"],
                source=self.source,
                subject=r["subject"],
                time=r["occurred_at"],
                payload=r["payload"].encode(),
                key=r["key"],
                correlation_id=trace.get("correlation_id"),
                traceparent=trace.get("traceparent"),
            )
            try:
                # send() only queues the record (the future resolves on the broker's ack): the whole batch
                # is in flight at once and the producer's linger groups it into few requests.
                futures.append((r, await producer.send(r["topic"], value=value, key=key, headers=headers)))
            except KafkaError as exc:
                if exc.retriable:
                    raise
                parked[r["id"]] = f"{type(exc).__name__}: {exc}"
        # Every ack is awaited (in order, which is cheaper than gathering them) before anything is marked.
        failure: Exception | None = None
        for r, future in futures:
            try:
                await future
            except KafkaError as exc:
                if exc.retriable:
                    failure = failure or exc
                else:
                    parked[r["id"]] = f"{type(exc).__name__}: {exc}"
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure  # retriable or unknown: the batch is re-sent later, inboxes absorb the repeats
        await self.after_send_hook(rows)
        sent_ids = [r["id"] for r in rows if r["id"] not in parked]
        if sent_ids:
            await conn.execute(self._sql.mark_published, sent_ids)
        if parked:
            await conn.execute(self._sql.mark_parked, list(parked), [e[:2000] for e in parked.values()])
        for row_id, error in parked.items():
            log.error("relay.parked", schema=self.messaging.schema, outbox_id=row_id, error=error[:500])
        self.published += len(rows) - len(parked)
        metrics.RELAY_PUBLISHED.labels(self.settings.service_name).inc(len(rows) - len(parked))
        if parked:
            metrics.RELAY_ERRORS.labels(self.settings.service_name, "parked").inc(len(parked))
        health.broker.ok()
        log.debug("relay.published", count=len(rows), last_id=rows[-1]["id"])
        return len(rows)

    async def after_send_hook(self, rows: Sequence[Any]) -> None:
        """Between send and mark: the crash window. Tests override it to simulate a kill right here."""
