"""Idempotent Kafka consumer: inbox + handler + new outbox rows in one transaction, offsets after commit."""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from aiokafka import AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt, wait_exponential

from dovetail_shared import metrics
from dovetail_shared.logging import correlation_id_var, get_logger, new_correlation_id, traceparent_var
from dovetail_shared.messaging import health
from dovetail_shared.messaging.envelope import ReceivedEvent, decode
from dovetail_shared.messaging.handlers import Handler
from dovetail_shared.messaging.kafka import dead_letter_topic, ensure_topics, make_consumer, make_producer
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.tracing import consumer_span
from dovetail_shared.uow import SqlUnitOfWork

log = get_logger(__name__)


class TransientError(Exception):
    """Raise from a handler for a failure worth retrying (a dependency briefly unavailable)."""


TRANSIENT = (TransientError, OperationalError, InterfaceError, ConnectionError, OSError, asyncio.TimeoutError)


# SQLSTATE classes and codes worth retrying: serialization/deadlock (40), insufficient resources (53),
# connection (08), operator intervention such as a restart (57: includes statement timeout 57014), lock
# not available (55P03).
_TRANSIENT_SQLSTATE_PREFIXES = ("40", "53", "08", "57", "55P03")


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(
            getattr(exc.orig, "__cause__", None), "sqlstate", None
        )
        return bool(sqlstate) and str(sqlstate).startswith(_TRANSIENT_SQLSTATE_PREFIXES)
    return False


_INBOX_COLUMNS = ("consumer_group", "event_id", "event_type", "topic", "partition", "offset")


def inbox_insert(inbox: sa.Table) -> sa.Insert:
    """``INSERT … SELECT unnest(…) … ON CONFLICT DO NOTHING RETURNING event_id``, one array per column.

    Its shape does not depend on how many rows go in, so SQLAlchemy compiles it once and asyncpg prepares
    it once; a multi-row ``VALUES`` list is a new statement for every chunk size and was the consumer's
    main cost.
    """
    arrays = [
        sa.func.unnest(sa.cast(sa.bindparam(name, type_=ARRAY(inbox.c[name].type)), ARRAY(inbox.c[name].type)))
        for name in _INBOX_COLUMNS
    ]
    return (
        pg_insert(inbox)
        .from_select(list(_INBOX_COLUMNS), sa.select(*arrays))
        .on_conflict_do_nothing()
        .returning(inbox.c.event_id)
    )


@dataclass
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0
    ignored: int = 0
    dead_lettered: int = 0
    retries: int = 0


class EventConsumer:
    """Consumes ``topics`` as group ``<service>-<purpose>`` and dispatches by CloudEvents type.

    For each record: parse → open a unit of work → insert the inbox row (a duplicate inserts nothing and
    is skipped) → run the handler → commit (inbox, effects, and any events the handler emitted go to the
    outbox atomically). Offsets are committed only after the database commit, so a crash in between makes
    Kafka redeliver and the inbox absorbs it. Poison messages go to the dead-letter topic with the error in
    headers and the partition keeps moving; transient errors retry with backoff, and if they persist the
    consumer rewinds to the last committed offset and starts over rather than dropping anything.
    """

    def __init__(
        self,
        settings: ServiceSettings,
        uow_factory: Callable[[], SqlUnitOfWork],
        purpose: str,
        handlers: Mapping[str, Handler],
        topics: list[str],
    ) -> None:
        self.settings = settings
        self.uow_factory = uow_factory
        self.group_id = settings.consumer_group(purpose)
        self.handlers = dict(handlers)
        self.topics = topics
        self.dlt = dead_letter_topic(settings.topic_prefix, self.group_id)
        self.stats = ConsumerStats()
        self._inbox_insert: dict[sa.Table, sa.Insert] = {}
        self._stopping = asyncio.Event()
        self.ready = asyncio.Event()
        health.install(settings.service_name)

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        backoff = 0.5
        while not self._stopping.is_set():
            try:
                await self._consume()
                backoff = 0.5
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.ready.clear()
                if health.is_connection_error(exc):
                    health.broker.failed(exc)  # logs once per outage, not once per retry
                else:
                    log.warning("consumer.restart", group=self.group_id, error=repr(exc), retry_in_s=backoff)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=backoff)
                backoff = min(backoff * 2, 10.0)

    async def _consume(self) -> None:
        await ensure_topics(self.settings, [*self.topics, self.dlt])
        consumer = make_consumer(self.settings, self.group_id, *self.topics)
        producer = make_producer(self.settings)
        await consumer.start()
        # The previous batch's offset commit, left in flight while the next batch is fetched and handled: its
        # effects are already committed in the database, so a commit lost to a crash only means a redelivery
        # the inbox absorbs. At most one is in flight, and each is awaited before the next one starts, so
        # offsets are committed in order and a failed commit still restarts the consumer (ADR 0040).
        committing: asyncio.Task[None] | None = None
        try:
            await producer.start()
            health.broker.ok()
            while not self._stopping.is_set():
                batch = await consumer.getmany(timeout_ms=500, max_records=500)
                if not self.ready.is_set() and consumer.assignment():
                    self.ready.set()
                if batch:
                    # Every partition's records in one pass: partitions are concatenated, so each keeps its
                    # order, and a chunk's transaction may span partitions. One transaction and one offset
                    # commit per fetch instead of one per partition: a record no longer waits in the fetcher
                    # while the partitions before it are committed one by one (ADR 0040).
                    await self.process_batch([r for records in batch.values() for r in records], producer)
                    # After every record of the batch is durably handled (or dead-lettered).
                    await self.before_offset_commit(batch)
                    if committing is not None:
                        await committing
                    offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
                    committing = asyncio.create_task(consumer.commit(offsets))
                await self._sample_lag(consumer)
            if committing is not None:
                await committing
        finally:
            self.ready.clear()
            if committing is not None and not committing.done():
                with contextlib.suppress(BaseException):
                    await asyncio.wait_for(asyncio.shield(committing), timeout=5)
            with contextlib.suppress(Exception):
                await producer.stop()
            with contextlib.suppress(Exception):
                await consumer.stop()

    async def _sample_lag(self, consumer: Any) -> None:
        """Lag per assigned partition: the end offset the last fetch saw minus the next offset to read."""
        for tp in consumer.assignment():
            end = consumer.highwater(tp)
            if end is None:
                continue
            lag = max(0, end - await consumer.position(tp))
            metrics.CONSUMER_LAG.labels(self.settings.service_name, self.group_id, tp.topic, str(tp.partition)).set(lag)

    def _count(self, outcome: str, n: int = 1) -> None:
        if n:
            metrics.CONSUMER_HANDLED.labels(self.settings.service_name, self.group_id, outcome).inc(n)

    async def before_offset_commit(self, batch: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]]) -> None:
        """Between the database commit and the offset commit: the crash window tests simulate a kill in."""

    async def process_batch(self, records: list[ConsumerRecord[Any, Any]], producer: AIOKafkaProducer) -> None:
        """Handle records in order (per partition): in chunks of one transaction each, one by one if a chunk fails.

        One commit per chunk instead of per record is what makes the inbox fast; a handler error anywhere
        in a chunk rolls the chunk back and replays it record by record, so retries and dead-lettering
        stay per record and one bad message never takes good ones down with it. A record that cannot be
        read is dead-lettered only after the records before it are handled, so a rewind never writes it twice.
        """
        pending: list[tuple[ConsumerRecord[Any, Any], ReceivedEvent, Handler]] = []
        for record in records:
            try:
                decoded = self._decode(record)
            except Exception as exc:  # anything unreadable is poison: it will never read better
                await self._flush(pending, producer)
                pending = []
                log.error(
                    "consumer.poison",
                    group=self.group_id,
                    error=repr(exc)[:500],
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                )
                await self._dead_letter(record, producer, exc)
                continue
            if decoded is not None:
                pending.append((record, *decoded))
                if len(pending) >= max(1, self.settings.consumer_batch_size):
                    await self._flush(pending, producer)
                    pending = []
        await self._flush(pending, producer)

    async def _flush(
        self, chunk: list[tuple[ConsumerRecord[Any, Any], ReceivedEvent, Handler]], producer: AIOKafkaProducer
    ) -> None:
        if not chunk:
            return
        try:
            handled, duplicates = await self._handle_chunk(chunk)
        except Exception as exc:
            log.info("consumer.chunk_fallback", group=self.group_id, size=len(chunk), error=repr(exc)[:200])
            for record, event, handler in chunk:
                await self._process_decoded(record, event, handler, producer)
            return
        self.stats.handled += handled
        self.stats.duplicates += duplicates
        self._count("handled", handled)
        self._count("duplicate", duplicates)

    async def process(self, record: ConsumerRecord[Any, Any], producer: AIOKafkaProducer) -> str:
        """Handle one record; returns what happened: handled | duplicate | ignored | dead_lettered."""
        try:
            decoded = self._decode(record)
        except Exception as exc:
            log.error("consumer.poison", group=self.group_id, error=repr(exc)[:500], offset=record.offset)
            await self._dead_letter(record, producer, exc)
            return "dead_lettered"
        if decoded is None:
            return "ignored"
        return await self._process_decoded(record, *decoded, producer)

    def _decode(self, record: ConsumerRecord[Any, Any]) -> tuple[ReceivedEvent, Handler] | None:
        """The event and its handler; None for a type this group ignores. Raises for an unreadable record."""
        event = decode(
            key=record.key,
            value=record.value,
            headers=record.headers,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
        handler = self.handlers.get(event.type)
        if handler is None:
            self._count("ignored")
            self.stats.ignored += 1  # other event types on the topic; consumers ignore what they don't need
            return None
        return event, handler

    def _span(self, event: ReceivedEvent) -> AbstractContextManager[Any]:
        return consumer_span(
            f"{self.group_id} handle {event.type}",
            event.traceparent,
            **{
                "messaging.system": "kafka",
                "messaging.destination.name": event.topic,
                "messaging.message.id": str(event.id),
                "messaging.kafka.offset": event.offset,
            },
        )

    def _bind_context(self, event: ReceivedEvent) -> None:
        correlation_id_var.set(event.correlation_id or new_correlation_id())
        traceparent_var.set(event.traceparent)

    async def _process_decoded(
        self,
        record: ConsumerRecord[Any, Any],
        event: ReceivedEvent,
        handler: Handler,
        producer: AIOKafkaProducer,
    ) -> str:
        self._bind_context(event)
        where = {
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "event_id": str(event.id),
            "event_type": event.type,
        }

        def count_retry(state: RetryCallState) -> None:
            self.stats.retries += 1
            metrics.CONSUMER_RETRIES.labels(self.settings.service_name, self.group_id).inc()
            error = state.outcome.exception() if state.outcome else None
            log.warning("consumer.retry", group=self.group_id, attempt=state.attempt_number, error=repr(error), **where)

        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.settings.consumer_max_retries),
            wait=wait_exponential(multiplier=self.settings.consumer_retry_base_s, max=10),
            retry=retry_if_exception(is_transient),
            before_sleep=count_retry,
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    outcome = await self._handle_once(event, handler)
        except Exception as exc:
            if is_transient(exc):
                # Still failing: rewind (no offset commit) instead of dead-lettering a good message.
                log.error("consumer.transient_exhausted", group=self.group_id, error=repr(exc), **where)
                raise
            log.error("consumer.poison", group=self.group_id, error=repr(exc), **where)
            await self._dead_letter(record, producer, exc)
            return "dead_lettered"
        if outcome == "duplicate":
            self.stats.duplicates += 1
            self._count("duplicate")
            log.info("consumer.duplicate", group=self.group_id, **where)
        else:
            self.stats.handled += 1
            self._count("handled")
        return outcome

    async def _insert_inbox(self, uow: SqlUnitOfWork, events: list[ReceivedEvent]) -> set[Any]:
        """Inbox rows for ``events``; returns the ids that were new (the rest are redeliveries)."""
        inbox = uow.messaging.inbox
        stmt = self._inbox_insert.get(inbox)
        if stmt is None:
            stmt = self._inbox_insert[inbox] = inbox_insert(inbox)
        params = {
            "consumer_group": [self.group_id] * len(events),
            "event_id": [e.id for e in events],
            "event_type": [e.type for e in events],
            "topic": [e.topic for e in events],
            "partition": [e.partition for e in events],
            "offset": [e.offset for e in events],
        }
        return set((await uow.session.execute(stmt, params)).scalars())

    async def _handle_chunk(
        self, chunk: list[tuple[ConsumerRecord[Any, Any], ReceivedEvent, Handler]]
    ) -> tuple[int, int]:
        """All records of ``chunk`` in one transaction; raises (having rolled back) if any handler fails."""
        async with self.uow_factory() as uow:
            # Redelivery within one chunk (same id twice) must count once: dedupe before the insert.
            unique: dict[Any, tuple[ReceivedEvent, Handler]] = {}
            for _record, event, handler in chunk:
                unique.setdefault(event.id, (event, handler))
            fresh = await self._insert_inbox(uow, [e for e, _ in unique.values()])
            for event_id, (event, handler) in unique.items():
                if event_id in fresh:
                    self._bind_context(event)
                    with self._span(event):
                        await handler(uow, event)
            await uow.commit()
            return len(fresh), len(chunk) - len(fresh)

    async def _handle_once(self, event: ReceivedEvent, handler: Handler) -> str:
        async with self.uow_factory() as uow:
            if not await self._insert_inbox(uow, [event]):
                return "duplicate"
            with self._span(event):
                await handler(uow, event)
            await uow.commit()
            return "handled"

    async def _dead_letter(
        self, record: ConsumerRecord[Any, Any], producer: AIOKafkaProducer, exc: BaseException
    ) -> None:
        headers = list(record.headers or [])
        headers += [
            ("dlt_error", str(exc)[:2000].encode()),
            ("dlt_error_type", type(exc).__name__.encode()),
            ("dlt_traceback", "".join(traceback.format_exception(exc))[-4000:].encode()),
            ("dlt_origin_topic", record.topic.encode()),
            ("dlt_origin_partition", str(record.partition).encode()),
            ("dlt_origin_offset", str(record.offset).encode()),
            ("dlt_consumer_group", self.group_id.encode()),
        ]
        try:
            await producer.send_and_wait(self.dlt, value=record.value, key=record.key, headers=headers)
        except KafkaError:
            raise TransientError("could not write to the dead-letter topic") from exc
        self.stats.dead_lettered += 1
        metrics.DEAD_LETTERED.labels(self.settings.service_name, self.group_id).inc()


__all__ = ["EventConsumer", "Handler", "TopicPartition", "TransientError"]
