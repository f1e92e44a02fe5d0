"""Reading topics with a plain Kafka client, as an outside consumer would."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition


async def read_topic(
    bootstrap: str, topic: str, *, want: int = 1, timeout_s: float = 20.0, match: Any = None
) -> list[Any]:
    """Read ``topic`` from the beginning until ``want`` records (optionally filtered by ``match``) arrive."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        client_id=f"test-reader-{uuid.uuid4().hex[:6]}",
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout_s
        partitions: set[int] | None = None
        while partitions is None and time.monotonic() < deadline:
            partitions = consumer.partitions_for_topic(topic)
            if partitions is None:
                await consumer._client.force_metadata_update()
                partitions = consumer.partitions_for_topic(topic)
                if partitions is None:
                    await asyncio.sleep(0.2)
        if not partitions:
            return []
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        found: list[Any] = []
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for records in batch.values():
                found += [r for r in records if match is None or match(r)]
            if len(found) >= want:
                # Give a duplicate a moment to show up, so "exactly one" assertions mean something.
                await asyncio.sleep(0.5)
                for records in (await consumer.getmany(timeout_ms=300)).values():
                    found += [r for r in records if match is None or match(r)]
                return found
        return found
    finally:
        await consumer.stop()


def header(record: Any, name: str) -> str | None:
    for key, value in record.headers or []:
        if key == name:
            return bytes(value).decode()
    return None
