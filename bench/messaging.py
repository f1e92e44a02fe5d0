"""Benchmark (not a test): relay and consumer throughput, and commit-to-handled latency at a fixed rate.

Each figure is printed beside a baseline measured in the same run on the same broker and database,
and the targets are ratios to those baselines (the machine is shared, so absolute numbers are noisy):

- relay ≥ 0.5 x a bare idempotent ``acks=all`` producer sending the same records;
- consumer (inbox + effect through the framework) ≥ 0.5 x a bare aiokafka consumer that does the same
  inbox and effect inserts with bare asyncpg, one transaction per fetched batch;
- commit → handled p99 ≤ 100 ms at 200 events/s offered; the generator is open-loop (one task per
  event at the offered rate) and prints the offered and the achieved rate, so a generator that cannot
  keep up is visible instead of silently lowering the load.

Benchmarks print, they never assert.

    make bench            # or: .venv/bin/python bench/messaging.py --events 10000 --rate 200 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from dovetail_shared.db import MessagingTables, asyncpg_dsn, make_engine, make_session_factory
from dovetail_shared.events.base import DomainEvent, topic_for
from dovetail_shared.logging import configure_logging
from dovetail_shared.messaging.consumer import EventConsumer
from dovetail_shared.messaging.envelope import ReceivedEvent, encode
from dovetail_shared.messaging.handlers import HandlerRegistry
from dovetail_shared.messaging.kafka import ensure_topics, make_producer
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.testing.probe import ProbeHappened, ProbeSettings
from dovetail_shared.uow import SqlUnitOfWork

# A schema and topic prefix of this run's own: tests and other benches in the same database use the
# ``probe`` schema and drop it at will, which once stalled a run half-way.
# Set once in the parent's environment, so the worker process (spawned, it imports this module afresh) uses
# the same schema.
RUN = os.environ.setdefault("DOVETAIL_BENCH_RUN", uuid.uuid4().hex[:8])
SCHEMA = f"bench_{RUN}"
metadata = sa.MetaData()
messaging = MessagingTables(metadata, SCHEMA)
effects = sa.Table(
    "effects",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    # Database clock at handling time: commit-to-handled latency is read off it.
    sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.text("clock_timestamp()")),
    schema=SCHEMA,
)
INSERT_EFFECT = sa.insert(effects)
handlers: HandlerRegistry[SqlUnitOfWork] = HandlerRegistry(SqlUnitOfWork)
per_event_handlers: HandlerRegistry[SqlUnitOfWork] = HandlerRegistry(SqlUnitOfWork)


@handlers.on(ProbeHappened)
async def handle(uow: SqlUnitOfWork, payload: ProbeHappened, event: ReceivedEvent) -> None:
    """One effect row per event, staged: the unit of work writes a chunk's rows in one executemany."""
    uow.stage(INSERT_EFFECT, {"event_id": event.id, "seq": payload.seq})


@per_event_handlers.on(ProbeHappened)
async def handle_per_event(uow: SqlUnitOfWork, payload: ProbeHappened, event: ReceivedEvent) -> None:
    """The same effect as its own statement per event, for comparison."""
    await uow.session.execute(sa.insert(effects).values(event_id=event.id, seq=payload.seq))


def fresh_settings(database_url: str) -> ProbeSettings:
    return ProbeSettings(
        environment="test",
        database_url=database_url,
        topic_prefix=f"bench-{RUN}-{uuid.uuid4().hex[:4]}",
        relay_poll_interval_s=0.5,
    )


def topic(settings: ProbeSettings) -> str:
    return topic_for(settings.topic_prefix, "probe", ProbeHappened.aggregate)


class Bench:
    """The probe service on the bench's private schema: emit through the real unit of work, run its consumer."""

    def __init__(self, settings: ProbeSettings) -> None:
        self.settings = settings
        # When the machine cannot commit at the offered rate, the open-loop generator's tasks queue for a
        # pooled connection: that must show as latency and a lower achieved rate, not end the run.
        self.engine = make_engine(settings, pool_timeout=600)
        self.sessions = make_session_factory(self.engine)

    def uow(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, messaging, self.settings.topic_prefix)

    async def emit(self, seq: int) -> tuple[uuid.UUID, datetime]:
        """Commit one event; returns its id and the wall-clock time the commit returned."""
        event = DomainEvent(payload=ProbeHappened(seq=seq), subject=uuid.uuid4(), time=datetime.now(UTC))
        async with self.uow() as uow:
            uow.emit(event)
            await uow.commit()
        return event.id, datetime.now(UTC)

    def consumer(self, *, per_event: bool = False) -> EventConsumer:
        chosen = per_event_handlers if per_event else handlers
        purpose = "probe-per-event" if per_event else "probe"
        return EventConsumer(self.settings, self.uow, purpose, chosen, [topic(self.settings)])


async def create_schema(database_url: str) -> None:
    engine = make_engine(fresh_settings(database_url))
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA "{SCHEMA}"'))
        await conn.run_sync(metadata.create_all)
    await engine.dispose()


async def drop_schema(database_url: str) -> None:
    engine = make_engine(fresh_settings(database_url))
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
    await engine.dispose()


async def reset(settings: ProbeSettings) -> Bench:
    bench = Bench(settings)
    async with bench.engine.begin() as conn:
        await conn.execute(sa.text(f'TRUNCATE "{SCHEMA}".outbox, "{SCHEMA}".inbox, "{SCHEMA}".effects'))
    await ensure_topics(settings, [topic(settings)])
    return bench


def outbox_rows(settings, n: int) -> list[dict]:  # type: ignore[no-untyped-def]
    now = datetime.now(UTC)
    rows = []
    for i in range(n):
        eid = uuid.uuid4()
        rows.append(
            {
                "event_id": eid,
                "event_type": ProbeHappened.event_type,
                "topic": topic(settings),
                "key": str(uuid.uuid4()),
                "subject": str(eid),
                "payload": {"seq": i, "poison": False, "transient_failures": 0},
                "headers": {"correlation_id": uuid.uuid4().hex},
                "occurred_at": now,
            }
        )
    return rows


async def prefill(probe, n: int) -> None:  # type: ignore[no-untyped-def]
    rows = outbox_rows(probe.settings, n)
    async with probe.engine.begin() as conn:
        for i in range(0, n, 2000):
            await conn.execute(sa.insert(messaging.outbox), rows[i : i + 2000])


async def baseline_producer(settings, n: int) -> float:  # type: ignore[no-untyped-def]
    """Bare idempotent acks=all producer sending the same CloudEvents records: the ceiling for the relay."""
    records = [
        encode(
            event_id=r["event_id"],
            event_type=r["event_type"],
            source="/bench",
            subject=r["subject"],
            time=r["occurred_at"],
            payload=r["payload"],
            key=r["key"],
        )
        for r in outbox_rows(settings, n)
    ]
    t = topic_for(settings.topic_prefix, "baseline", "producer")
    await ensure_topics(settings, [t])
    producer = make_producer(settings)
    await producer.start()
    try:
        start = time.perf_counter()
        futures = [await producer.send(t, value=v, key=k, headers=h) for k, v, h in records]
        await asyncio.gather(*futures)
        return n / (time.perf_counter() - start)
    finally:
        await producer.stop()


async def relay_throughput(probe, n: int) -> float:  # type: ignore[no-untyped-def]
    await prefill(probe, n)
    relay = OutboxRelay(probe.settings, probe.engine, messaging)
    start = time.perf_counter()
    task = asyncio.create_task(relay.run())
    while relay.published < n:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - start
    relay.stop()
    await task
    return n / elapsed


async def baseline_consumer(settings, n: int) -> float:  # type: ignore[no-untyped-def]
    """Bare consumer reading the relay's records without touching the database: the ceiling for the inbox."""
    consumer = AIOKafkaConsumer(
        topic(settings),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen, start = 0, time.perf_counter()
        while seen < n:
            batch = await consumer.getmany(timeout_ms=500, max_records=500)
            seen += sum(len(v) for v in batch.values())
        return n / (time.perf_counter() - start)
    finally:
        await consumer.stop()


# The schema name is this run's own hex id, never input.
INBOX_INSERT = (
    f'INSERT INTO "{SCHEMA}".inbox (consumer_group, event_id, event_type, topic, partition, "offset") '  # noqa: S608
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
)
EFFECT_INSERT = f'INSERT INTO "{SCHEMA}".effects (event_id, seq) VALUES ($1, $2)'  # noqa: S608


async def baseline_inbox_asyncpg(settings, n: int) -> float:  # type: ignore[no-untyped-def]
    """Bare consumer + bare asyncpg doing the same inbox and effect inserts in batches: the consumer's ceiling.

    Per fetched partition batch: one transaction with the inbox rows (``ON CONFLICT DO NOTHING``) and the
    effect rows, then the offset commit — the consumer's database work without the framework around it.
    """
    group = f"bench-pg-{uuid.uuid4().hex[:6]}"
    conn = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    consumer = AIOKafkaConsumer(
        topic(settings),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen, start = 0, None
        while seen < n:
            batch = await consumer.getmany(timeout_ms=500, max_records=500)
            for tp, records in batch.items():
                if start is None:
                    start = time.perf_counter()  # from the first batch: group join is not throughput
                inbox_rows, effect_rows = [], []
                for r in records:
                    headers = dict(r.headers)
                    event_id = uuid.UUID(headers["ce_id"].decode())
                    inbox_rows.append((group, event_id, headers["ce_type"].decode(), tp.topic, tp.partition, r.offset))
                    effect_rows.append((event_id, json.loads(r.value)["seq"]))
                async with conn.transaction():
                    await conn.executemany(INBOX_INSERT, inbox_rows)
                    await conn.executemany(EFFECT_INSERT, effect_rows)
                await consumer.commit({tp: records[-1].offset + 1})
                seen += len(records)
        return n / (time.perf_counter() - (start or time.perf_counter()))
    finally:
        await consumer.stop()
        await conn.close()


async def consumer_throughput(probe: Bench, n: int, *, per_event: bool = False) -> float:
    consumer = probe.consumer(per_event=per_event)
    task = asyncio.create_task(consumer.run())
    start = None
    while consumer.stats.handled < n:
        if start is None and consumer.stats.handled > 0:
            start = time.perf_counter()  # from the first handled record: group join is not throughput
            first = consumer.stats.handled
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - (start or time.perf_counter())
    consumer.stop()
    await task
    return (n - first) / elapsed


def percentiles(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), ms[int(len(ms) * 0.99) - 1]


async def handled(probe: Bench) -> int:
    async with probe.engine.connect() as conn:
        return int((await conn.execute(sa.select(sa.func.count()).select_from(effects))).scalar_one())


def _worker(database_url: str, topic_prefix: str, ready: object, stopping: object) -> None:
    """The worker process of the latency run: relay and consumer on the bench's schema and topics."""
    configure_logging("bench", "WARNING")
    asyncio.run(_work(database_url, topic_prefix, ready, stopping))


async def _work(database_url: str, topic_prefix: str, ready: Any, stopping: Any) -> None:
    settings = fresh_settings(database_url).with_overrides(topic_prefix=topic_prefix)
    worker = Bench(settings)
    relay = OutboxRelay(settings, worker.engine, messaging)
    consumer = worker.consumer()
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    await asyncio.wait_for(consumer.ready.wait(), timeout=60)
    ready.set()
    while not stopping.is_set():
        await asyncio.sleep(0.05)
    relay.stop()
    consumer.stop()
    await asyncio.gather(*tasks)
    await worker.engine.dispose()


async def latency(
    database_url: str, rate: int, seconds: int
) -> tuple[float, int, tuple[float, float], tuple[float, float]]:
    """Events committed through the real unit of work at ``rate``/s; relay and consumer running.

    Returns the achieved rate, the count, and (p50, p99) twice: from the commit returning to the effect
    row's ``clock_timestamp()`` (the target), and from the event's creation, which also counts the time a
    generator task waited for a pooled connection when the machine could not keep up.
    """
    settings = fresh_settings(database_url)
    probe = await reset(settings)
    # The relay and the consumer run in a worker process of their own, as in production (the API commits,
    # the `relay`/`consumer` roles publish and handle, each process on its own event loop and pool):
    # in one process the generator's 200 tasks a second and the worker's loop would stall each other.
    spawn = multiprocessing.get_context("spawn")
    ready, stopping = spawn.Event(), spawn.Event()
    worker = spawn.Process(
        target=_worker, args=(database_url, settings.topic_prefix, ready, stopping), name="bench-worker"
    )
    worker.start()
    try:
        deadline = time.monotonic() + 120
        while not ready.is_set():
            if time.monotonic() > deadline or not worker.is_alive():
                raise RuntimeError("the bench's worker process did not start")
            await asyncio.sleep(0.05)
        await probe.emit(-1)  # warm-up
        while await handled(probe) < 1:
            await asyncio.sleep(0.05)
        total = rate * seconds
        # Open loop: each event is its own task, started on schedule whether or not earlier commits are done,
        # so a slow commit shows up as latency (and a lower achieved rate), not as a quietly lowered load.
        emits: list[asyncio.Task[tuple[uuid.UUID, datetime]]] = []
        start = time.perf_counter()
        for i in range(total):
            emits.append(asyncio.create_task(probe.emit(i)))
            delay = start + (i + 1) / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
        committed = dict(await asyncio.gather(*emits))
        achieved = total / (time.perf_counter() - start)
        while await handled(probe) < total + 1:
            await asyncio.sleep(0.1)
    finally:
        stopping.set()
        await asyncio.to_thread(worker.join, 60)
        if worker.is_alive():
            worker.kill()
    async with probe.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(effects.c.event_id, effects.c.handled_at, messaging.outbox.c.occurred_at)
                .join(messaging.outbox, messaging.outbox.c.event_id == effects.c.event_id)
                .where(effects.c.seq >= 0)
            )
        ).all()
    await probe.engine.dispose()
    from_commit = percentiles([(h - committed[e]).total_seconds() * 1000 for e, h, _ in rows])
    from_creation = percentiles([(h - o).total_seconds() * 1000 for _, h, o in rows])
    return achieved, len(rows), from_commit, from_creation


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument(
        "--database-url",
        default=ProbeSettings(environment="test").database_url,
        help="defaults to DOVETAIL_DATABASE_URL; the run creates and drops a schema of its own in it",
    )
    args = parser.parse_args()
    configure_logging("bench", "WARNING")

    url = args.database_url
    await create_schema(url)
    try:
        settings = fresh_settings(url)
        probe = await reset(settings)
        base_produce = await baseline_producer(settings, args.events)
        relay_rate = await relay_throughput(probe, args.events)
        base_consume = await baseline_consumer(settings, args.events)
        base_pg = await baseline_inbox_asyncpg(settings, args.events)
        consume_rate = await consumer_throughput(probe, args.events)
        # A fifth of the events: it is only the comparison, and the slow path would dominate the run.
        per_event_rate = await consumer_throughput(probe, args.events // 5, per_event=True)
        await probe.engine.dispose()
        achieved, count, (p50, p99), (c50, c99) = await latency(url, args.rate, args.seconds)
    finally:
        await drop_schema(url)

    rows = [
        (
            "relay: outbox → Kafka",
            f"{relay_rate:,.0f} events/s",
            f"bare idempotent producer {base_produce:,.0f} events/s",
            f"{relay_rate / base_produce:.2f}×",
            ">= 0.5×",
        ),
        (
            "consumer: Kafka → inbox + effect",
            f"{consume_rate:,.0f} events/s",
            f"bare consumer + asyncpg batches {base_pg:,.0f} events/s",
            f"{consume_rate / base_pg:.2f}×",
            ">= 0.5×",
        ),
        (
            "(consumer, effect as one statement per event)",
            f"{per_event_rate:,.0f} events/s",
            "",
            f"{per_event_rate / base_pg:.2f}×",
            "",
        ),
        ("(bare consumer, no database)", f"{base_consume:,.0f} events/s", "", "", ""),
        (f"generator: offered {args.rate}/s", f"achieved {achieved:,.0f}/s", f"{count} events", "", ""),
        ("commit → handled p50", f"{p50:,.1f} ms", "", "", ""),
        ("commit → handled p99", f"{p99:,.1f} ms", "", "", "<= 100 ms"),
        ("(event created → handled p50 / p99)", f"{c50:,.1f} / {c99:,.1f} ms", "", "", ""),
    ]
    header = ("measure", "figure", "baseline (same run)", "ratio", "target")
    widths = [max(max(len(r[i]) for r in rows), len(header[i])) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    asyncio.run(main())
