"""Kafka clients made the same way everywhere, and topic creation from code (auto-create is off)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from dovetail_shared.logging import get_logger
from dovetail_shared.settings import ServiceSettings

log = get_logger(__name__)


def make_producer(settings: ServiceSettings, **overrides: object) -> AIOKafkaProducer:
    options: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "acks": "all",
        "enable_idempotence": settings.kafka_enable_idempotence,
        "linger_ms": 5,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": 30000,
        "client_id": f"dovetail-{settings.service_name}",
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


def kafka_group_id(prefix: str, consumer_group: str) -> str:
    """The group id on the broker: prefixed like topics, so environments sharing a broker never share a group.

    The inbox key stays the bare ``consumer_group`` (each environment has its own database), and the
    dead-letter topic ``<prefix>.<group>.dlt`` already carries the prefix: one rule, see ADR 0010.
    """
    return f"{prefix}.{consumer_group}" if prefix else consumer_group


def make_consumer(settings: ServiceSettings, group_id: str, *topics: str, **overrides: object) -> AIOKafkaConsumer:
    """A consumer in ``group_id`` (the bare group name; the environment prefix is added here)."""
    options: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "group_id": kafka_group_id(settings.topic_prefix, group_id),
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "client_id": f"dovetail-{settings.service_name}-{group_id}",
        "max_poll_records": 500,
        # A subscribed topic whose partitions were not yet visible when the group formed (just created, a
        # busy broker) is picked up within seconds, not after the 5-minute default metadata age.
        "metadata_max_age_ms": 10_000,
    }
    options.update(overrides)
    return AIOKafkaConsumer(*topics, **options)


async def ensure_topics(settings: ServiceSettings, topics: Iterable[str]) -> None:
    """Create the topics that are missing; existing ones are left as they are."""
    wanted = sorted(set(topics))
    if not wanted:
        return
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in wanted if t not in existing]
        if not missing:
            return
        new = [
            NewTopic(
                name=t,
                num_partitions=settings.kafka_topic_partitions,
                replication_factor=settings.kafka_replication_factor,
            )
            for t in missing
        ]
        # Another process may create one between our list and create: that is the goal anyway.
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics(new)
        log.info("topics.created", topics=missing)
    finally:
        await admin.close()


def dead_letter_topic(prefix: str, consumer_group: str) -> str:
    """One dead-letter topic per consumer group: a poison message is that group's problem, not the topic's."""
    return f"{prefix}.{consumer_group}.dlt" if prefix else f"{consumer_group}.dlt"
