"""Kafka and Postgres restarted while events flow: nothing lost, nothing applied twice."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from pathlib import Path

import sqlalchemy as sa
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.testing.probe import Probe, messaging, wait_until

from .conftest import Background

ROOT = Path(__file__).resolve().parents[3]


async def restart(script: str) -> None:
    """Stop and start one of our servers with the project's own script (as an operator would)."""
    for action in ("down", "up"):
        proc = await asyncio.create_subprocess_exec(
            "bash",
            str(ROOT / "scripts" / "infra" / script),
            action,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
        assert proc.returncode == 0, out.decode()


async def keep_emitting(probe: Probe, stop: asyncio.Event, committed: list[uuid.UUID]) -> None:
    """Write events through the real unit of work; a failed commit is retried, a successful one recorded."""
    seq = 0
    while not stop.is_set():
        try:
            committed.append(await probe.emit(seq))
            seq += 1
        except Exception:  # the database may be down for a moment: that is the point of the test
            await asyncio.sleep(0.2)
        await asyncio.sleep(0.02)


async def flow_through_restart(probe: Probe, background: Background, script: str) -> None:
    background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    consumer = background.start(probe.consumer())
    stop = asyncio.Event()
    committed: list[uuid.UUID] = []
    writer = asyncio.create_task(keep_emitting(probe, stop, committed))
    await wait_until(lambda: _at_least(consumer.stats.handled, 20), timeout=60)
    await restart(script)
    await asyncio.sleep(2)
    stop.set()
    await writer
    assert len(committed) > 40

    async def all_applied() -> bool:
        try:
            async with probe.engine.connect() as conn:
                outbox = set((await conn.execute(sa.select(messaging.outbox.c.event_id))).scalars())
                applied = set((await conn.execute(sa.text("SELECT event_id FROM probe.effects"))).scalars())
        except Exception:
            return False
        return outbox == applied

    # Every committed event (the outbox is the truth: a commit that raised may still have landed) is applied.
    await wait_until(all_applied, timeout=120, interval=0.5)
    rows, distinct = await probe.effect_counts()
    assert rows == distinct, f"{rows - distinct} events applied twice"
    async with probe.engine.connect() as conn:
        outbox = set((await conn.execute(sa.select(messaging.outbox.c.event_id))).scalars())
    assert set(committed) <= outbox


async def test_kafka_restart_while_events_flow_loses_nothing_and_applies_nothing_twice(
    probe: Probe, background: Background
) -> None:
    await flow_through_restart(probe, background, "kafka.sh")


async def test_postgres_restart_while_events_flow_loses_nothing_and_applies_nothing_twice(
    probe: Probe, background: Background
) -> None:
    await flow_through_restart(probe, background, "postgres.sh")


async def _at_least(value: int, expected: int) -> bool:
    return value >= expected
