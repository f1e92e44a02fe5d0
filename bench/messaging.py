"""Benchmark (not a test): relay and consumer throughput, and commit-to-handled latency at a fixed rate.

Each figure is printed beside a baseline measured in the same run on the same broker and database:
a bare aiokafka producer / consumer doing the same volume without the outbox or the inbox.

    make bench            # or: .venv/bin/python bench/messaging.py --events 20000 --rate 200 --seconds 15
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from aiokafka import AIOKafkaConsumer
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
    start = time.perf_counter()
    for i in range(total):
        await probe.emit(i)
        delay = start + (i + 1) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
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
    parser.add_argument("--events", type=int, default=20000)
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
    consume_rate = await consumer_throughput(probe, args.events)
    await probe.engine.dispose()
    achieved, p50, p99, count = await latency(args.rate, args.seconds)

    rows = [
        (
            "relay: outbox → Kafka",
            f"{relay_rate:,.0f} events/s",
            f"bare producer {base_produce:,.0f} events/s",
            ">= 5,000 events/s",
        ),
        (
            "consumer: Kafka → inbox + effect",
            f"{consume_rate:,.0f} events/s",
            f"bare consumer {base_consume:,.0f} events/s",
            ">= 2,000 events/s",
        ),
        (f"commit → handled p50 @ {achieved:,.0f}/s", f"{p50:,.1f} ms", f"{count} events", ""),
        (f"commit → handled p99 @ {achieved:,.0f}/s", f"{p99:,.1f} ms", "", "<= 250 ms"),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    header = ("measure", "figure", "baseline (same run)", "target")
    widths = [max(w, len(h)) for w, h in zip(widths, header, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    asyncio.run(main())
