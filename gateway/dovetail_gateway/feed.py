"""The live feed behind subscriptions: one Kafka consumer per gateway process, no consumer group (every replica
reads every partition from its end), fanned out to the subscribers of each topic."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer
from dovetail_shared.logging import get_logger

from dovetail_gateway.config import GatewaySettings

log = get_logger(__name__)


@dataclass(frozen=True)
class FeedEvent:
    topic: str
    event_type: str
    subject: str


def _header(record: object, name: str) -> str:
    for key, value in getattr(record, "headers", None) or ():
        if key == name:
            return bytes(value).decode("utf-8", "replace")
    return ""


class EventFeed:
    """Started by the first subscriber of a topic (a gateway nobody subscribes to never connects to Kafka).

    No consumer group: a group would split the partitions between replicas, and a subscriber on one replica
    would miss the events read by another. Reading starts at the end: a subscription
    promises what happens from now on, not a replay.
    """

    QUEUE = 100

    def __init__(self, settings: GatewaySettings) -> None:
        self.settings = settings
        self._subscribers: dict[str, set[asyncio.Queue[FeedEvent]]] = {}
        self._live: dict[str, asyncio.Event] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def is_live(self, topic: str) -> bool:
        """True once the topic's partitions are assigned and positioned: events from then on are delivered."""
        return topic in self._live and self._live[topic].is_set()

    async def wait_live(self, topic: str) -> None:
        await self._live.setdefault(topic, asyncio.Event()).wait()

    async def events(self, topic: str) -> AsyncIterator[FeedEvent]:
        queue: asyncio.Queue[FeedEvent] = asyncio.Queue(self.QUEUE)
        self._subscribers.setdefault(topic, set()).add(queue)
        if topic not in self._tasks:
            self._live.setdefault(topic, asyncio.Event())
            self._tasks[topic] = asyncio.create_task(self._consume(topic))
        try:
            while True:
                yield await queue.get()
        finally:
            self._subscribers[topic].discard(queue)

    async def _consume(self, topic: str) -> None:
        # Without a group id, aiokafka assigns this consumer every partition of the topic by itself.
        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            client_id="dovetail-gateway-feed",
        )
        await consumer.start()
        try:
            # Topics are made by the services' `migrate`: wait for the partitions rather than fail.
            while not consumer.assignment():  # noqa: ASYNC110 - aiokafka signals no event for its assignment
                await asyncio.sleep(0.2)
            for tp in consumer.assignment():
                await consumer.position(tp)  # resolves "latest" now: what is committed from here on is delivered
            self._live[topic].set()
            log.info("feed.live", topic=topic, partitions=len(consumer.assignment()))
            async for record in consumer:
                event = FeedEvent(topic, _header(record, "ce_type"), _header(record, "ce_subject"))
                for queue in list(self._subscribers.get(topic, ())):
                    if queue.full():
                        # A subscriber that does not keep up loses events rather than holding everyone back.
                        log.warning("feed.subscriber_behind", topic=topic)
                        continue
                    queue.put_nowait(event)
        finally:
            await consumer.stop()

    async def close(self) -> None:
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
