"""The Prometheus series move with the real outbox, broker and consumer."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from dovetail_shared.messaging.consumer import EventConsumer
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.testing.probe import Probe, messaging, wait_until
from prometheus_client import REGISTRY

from .conftest import Background

SERVICE = "probe"


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": SERVICE, **labels}) or 0.0


async def test_the_backlog_gauges_grow_with_unpublished_rows_and_drain(probe: Probe, background: Background) -> None:
    settings = probe.settings.with_overrides(relay_poll_interval_s=0.2)
    for i in range(7):
        await probe.emit(i)
    relay = OutboxRelay(settings, probe.engine, messaging)
    await relay.sample_backlog()
    assert value("dovetail_outbox_backlog") == 7
    assert value("dovetail_outbox_oldest_unpublished_age_seconds") > 0
    published_before = value("dovetail_relay_published_total")

    background.start(relay)

    async def drained() -> bool:
        return value("dovetail_outbox_backlog") == 0 and value("dovetail_outbox_oldest_unpublished_age_seconds") == 0

    await wait_until(drained, timeout=30)
    assert value("dovetail_relay_published_total") - published_before == 7


class LaggingConsumer(EventConsumer):
    """After its first batch, more records arrive on the broker before it reads again: lag must show."""

    probe: Probe
    seen_lag: float = 0.0
    _held = False

    async def before_offset_commit(self, batch: Any) -> None:
        if not self._held:
            self._held = True
            key = uuid.UUID(next(iter(batch.values()))[0].key.decode())
            for i in range(10):
                await self.probe.emit(100 + i, key=key)
            await asyncio.sleep(3)  # the relay publishes them and the fetcher sees the new end offset

    async def _sample_lag(self, consumer: Any) -> None:
        await super()._sample_lag(consumer)
        for tp in consumer.assignment():
            labels = {"group": self.group_id, "topic": tp.topic, "partition": str(tp.partition)}
            self.seen_lag = max(self.seen_lag, value("dovetail_consumer_lag", **labels))


async def test_consumer_lag_appears_and_handled_and_dead_letter_counters_increment(
    probe: Probe, background: Background
) -> None:
    settings = probe.settings.with_overrides(relay_poll_interval_s=0.2)
    key = uuid.uuid4()
    await probe.emit(1, key=key)
    await probe.emit(2, key=key, poison=True)
    background.start(OutboxRelay(settings, probe.engine, messaging))
    consumer = probe.consumer(LaggingConsumer)
    assert isinstance(consumer, LaggingConsumer)
    consumer.probe = probe
    group = consumer.group_id
    handled_before = value("dovetail_consumer_events_total", group=group, outcome="handled")
    dead_before = value("dovetail_dead_lettered_total", group=group)
    background.start(consumer)
    await wait_until(lambda: _eq(consumer.stats.handled, 11))
    assert consumer.seen_lag >= 1
    assert value("dovetail_consumer_events_total", group=group, outcome="handled") - handled_before == 11
    assert value("dovetail_dead_lettered_total", group=group) - dead_before == 1


async def _eq(actual: int, expected: int) -> bool:
    return actual == expected
