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
import statistics
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
from dovetail_shared.db import asyncpg_dsn
from dovetail_shared.events.base import topic_for
from dovetail_shared.logging import configure_logging
from dovetail_shared.messaging.envelope import encode
from dovetail_shared.messaging.kafka import ensure_topics, make_producer
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.testing.probe import (
    ProbeHappened,
    create_probe_schema,
    effects,
    messaging,
    probe_settings,
    reset_probe,
    topic,
)


def fresh_settings(**overrides: object):  # type: ignore[no-untyped-def]
    return probe_settings(topic_prefix=f"bench-{uuid.uuid4().hex[:8]}", **overrides)


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


INBOX_INSERT = (
    'INSERT INTO probe.inbox (consumer_group, event_id, event_type, topic, partition, "offset") '
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING"
)
EFFECT_INSERT = "INSERT INTO probe.effects (event_id, seq) VALUES ($1, $2)"


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


async def consumer_throughput(probe, n: int) -> float:  # type: ignore[no-untyped-def]
    consumer = probe.consumer()
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


async def latency(rate: int, seconds: int) -> tuple[float, float, float, int]:
    """Events committed through the real unit of work at ``rate``/s; relay and consumer running."""
    settings = fresh_settings()
    probe = await reset_probe(settings)
    relay = OutboxRelay(settings, probe.engine, messaging)
    consumer = probe.consumer()
    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(consumer.run())]
    await asyncio.wait_for(consumer.ready.wait(), timeout=60)
    await probe.emit(-1)  # warm-up
    while consumer.stats.handled < 1:
        await asyncio.sleep(0.05)
    total = rate * seconds
    # Open loop: each event is its own task, started on schedule whether or not earlier commits are done,
    # so a slow commit shows up as latency (and a lower achieved rate), not as a quietly lowered load.
    emits: list[asyncio.Task[uuid.UUID]] = []
    start = time.perf_counter()
    for i in range(total):
        emits.append(asyncio.create_task(probe.emit(i)))
        delay = start + (i + 1) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    await asyncio.gather(*emits)
    achieved = total / (time.perf_counter() - start)
    while consumer.stats.handled < total + 1:
        await asyncio.sleep(0.05)
    relay.stop()
    consumer.stop()
    await asyncio.gather(*tasks)
    async with probe.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(effects.c.handled_at, messaging.outbox.c.occurred_at)
                .join(messaging.outbox, messaging.outbox.c.event_id == effects.c.event_id)
                .where(effects.c.seq >= 0)
            )
        ).all()
    await probe.engine.dispose()
    ms = sorted((h - o).total_seconds() * 1000 for h, o in rows)
    p50 = statistics.median(ms)
    p99 = ms[int(len(ms) * 0.99) - 1]
    return achieved, p50, p99, len(ms)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=15)
    args = parser.parse_args()
    configure_logging("bench", "WARNING")

    await create_probe_schema(probe_settings())
    settings = fresh_settings()
    probe = await reset_probe(settings)
    base_produce = await baseline_producer(settings, args.events)
    relay_rate = await relay_throughput(probe, args.events)
    base_consume = await baseline_consumer(settings, args.events)
    base_pg = await baseline_inbox_asyncpg(settings, args.events)
    consume_rate = await consumer_throughput(probe, args.events)
    await probe.engine.dispose()
    achieved, p50, p99, count = await latency(args.rate, args.seconds)

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
        ("(bare consumer, no database)", f"{base_consume:,.0f} events/s", "", "", ""),
        (f"generator: offered {args.rate}/s", f"achieved {achieved:,.0f}/s", f"{count} events", "", ""),
        ("commit → handled p50", f"{p50:,.1f} ms", "", "", ""),
        ("commit → handled p99", f"{p99:,.1f} ms", "", "", "<= 100 ms"),
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
