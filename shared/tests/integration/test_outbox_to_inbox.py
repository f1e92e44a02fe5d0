"""The outbox → relay → Kafka → consumer → inbox path on the real Postgres and Kafka, crash cases included."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from dovetail_shared.messaging.consumer import EventConsumer
from dovetail_shared.messaging.kafka import dead_letter_topic
from dovetail_shared.messaging.relay import OutboxRelay, advisory_lock_key
from dovetail_shared.testing.kafka import header, read_topic
from dovetail_shared.testing.probe import Probe, messaging, topic, wait_until

from .conftest import Background


class SimulatedCrash(BaseException):
    """A kill -9 stand-in: not an Exception, so no retry loop catches it."""


class RelayKilledAfterSend(OutboxRelay):
    async def after_send_hook(self, rows: Any) -> None:
        raise SimulatedCrash


class ConsumerKilledBeforeOffsetCommit(EventConsumer):
    async def before_offset_commit(self, batch: Any) -> None:
        raise SimulatedCrash


async def run_until_crash(worker: Any) -> None:
    with pytest.raises(SimulatedCrash):
        await asyncio.wait_for(worker.run(), timeout=60)


async def test_relay_publishes_every_row_once_in_order_and_marks_it(probe: Probe, background: Background) -> None:
    key = uuid.uuid4()
    ids = [await probe.emit(i, key=key) for i in range(20)]
    relay = background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    await wait_until(lambda: _zero(probe.unpublished()))
    await background.stop(relay)
    records = await read_topic(probe.settings.kafka_bootstrap_servers, topic(probe.settings), want=20)
    assert [header(r, "ce_id") for r in records] == [str(i) for i in ids]  # one key: one partition, in order
    assert {r.key for r in records} == {str(key).encode()}
    assert [json.loads(r.value)["seq"] for r in records] == list(range(20))


async def test_notify_wakes_the_relay_without_waiting_for_the_poll(probe: Probe, background: Background) -> None:
    settings = probe.settings.with_overrides(relay_poll_interval_s=30.0)
    relay = background.start(OutboxRelay(settings, probe.engine, messaging))
    await wait_until(lambda: _true(relay.is_leader))
    await probe.emit(1)
    # Well under the 30 s poll: only LISTEN/NOTIFY can have woken it.
    await wait_until(lambda: _zero(probe.unpublished()), timeout=10)


async def test_only_one_relay_publishes_at_a_time(probe: Probe, background: Background) -> None:
    first = background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    await wait_until(lambda: _true(first.is_leader))
    second = background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    for i in range(10):
        await probe.emit(i)
    await wait_until(lambda: _zero(probe.unpublished()))
    assert not second.is_leader and second.published == 0
    await background.stop(first)  # the standby takes over once the leader's lock is gone
    await wait_until(lambda: _true(second.is_leader))
    await probe.emit(99)
    await wait_until(lambda: _zero(probe.unpublished()))
    assert second.published == 1


async def test_relay_killed_after_send_before_mark_duplicates_are_absorbed_by_the_inbox(
    probe: Probe, background: Background
) -> None:
    ids = [await probe.emit(i) for i in range(5)]
    await run_until_crash(RelayKilledAfterSend(probe.settings, probe.engine, messaging))
    assert await probe.unpublished() == 5  # sent, never marked
    relay = background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    await wait_until(lambda: _zero(probe.unpublished()))
    await background.stop(relay)
    records = await read_topic(probe.settings.kafka_bootstrap_servers, topic(probe.settings), want=10)
    assert sorted(header(r, "ce_id") for r in records) == sorted(str(i) for i in ids * 2)

    consumer = background.start(probe.consumer())
    await wait_until(lambda: _eq(consumer.stats.handled + consumer.stats.duplicates, 10))
    assert consumer.stats.handled == 5 and consumer.stats.duplicates == 5
    assert await probe.effect_counts() == (5, 5)


async def test_consumer_killed_after_db_commit_before_offset_commit_redelivery_is_absorbed(
    probe: Probe, background: Background
) -> None:
    for i in range(6):
        await probe.emit(i)
    relay = background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    await wait_until(lambda: _zero(probe.unpublished()))
    await background.stop(relay)

    crashing = probe.consumer(ConsumerKilledBeforeOffsetCommit)
    await run_until_crash(crashing)
    handled_before_crash = crashing.stats.handled
    assert handled_before_crash > 0
    assert (await probe.effect_counts())[0] == handled_before_crash

    survivor = background.start(probe.consumer())
    await wait_until(lambda: _eq(survivor.stats.handled + survivor.stats.duplicates, 6))
    assert survivor.stats.duplicates == handled_before_crash  # redelivered, not re-applied
    assert await probe.effect_counts() == (6, 6)


class CountingConsumer(EventConsumer):
    """Counts the partitions of each fetch and the offset commits, to show a fetch is handled as one."""

    fetched_partitions: list[int]
    offset_commits: int = 0

    async def before_offset_commit(self, batch: Any) -> None:
        self.fetched_partitions.append(len(batch))
        self.offset_commits += 1


async def test_one_fetch_over_several_partitions_is_one_pass_and_one_offset_commit(
    probe: Probe, background: Background
) -> None:
    # Thirty keys spread the events over every partition; all are on the broker before the consumer starts,
    # so its first fetch spans several partitions. Handling them partition by partition (a transaction and
    # an offset commit each) kept a record waiting behind the others: ADR 0040.
    for i in range(30):
        await probe.emit(i, key=uuid.uuid4())
    relay = background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    await wait_until(lambda: _zero(probe.unpublished()))
    await background.stop(relay)
    consumer = probe.consumer(CountingConsumer)
    assert isinstance(consumer, CountingConsumer)
    consumer.fetched_partitions = []
    background.start(consumer)
    await wait_until(lambda: _eq(consumer.stats.handled, 30))
    assert max(consumer.fetched_partitions) > 1  # a fetch really spanned partitions ...
    assert consumer.offset_commits == len(consumer.fetched_partitions)  # ... and was committed once
    assert consumer.offset_commits < sum(consumer.fetched_partitions)
    assert await probe.effect_counts() == (30, 30)


async def test_poison_messages_go_to_the_dead_letter_topic_and_the_partition_keeps_moving(
    probe: Probe, background: Background
) -> None:
    key = uuid.uuid4()  # one key: poison and healthy records share a partition
    producer = AIOKafkaProducer(bootstrap_servers=probe.settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(topic(probe.settings), value=b"not a cloudevent", key=str(key).encode())
    finally:
        await producer.stop()
    await probe.emit(1, key=key, poison=True)  # valid envelope, handler refuses it deterministically
    await probe.emit(2, key=key)
    await probe.emit(3, key=key, transient_failures=2)  # retried, then applied once
    background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    consumer = background.start(probe.consumer())
    await wait_until(lambda: _eq(consumer.stats.handled, 2))
    assert consumer.stats.dead_lettered == 2
    assert consumer.stats.retries >= 2

    dlt = dead_letter_topic(probe.settings.topic_prefix, consumer.group_id)
    dead = await read_topic(probe.settings.kafka_bootstrap_servers, dlt, want=2)
    assert len(dead) == 2
    assert {header(r, "dlt_error_type") for r in dead} == {"EnvelopeError", "ValueError"}
    for r in dead:
        assert header(r, "dlt_origin_topic") == topic(probe.settings)
        assert header(r, "dlt_consumer_group") == consumer.group_id
        assert header(r, "dlt_origin_offset") is not None and header(r, "dlt_error")
    async with probe.engine.connect() as conn:
        seqs = sorted((await conn.execute(sa.text("SELECT seq FROM probe.effects"))).scalars())
    assert seqs == [2, 3]


async def test_a_staged_effect_that_fails_at_commit_dead_letters_only_its_own_event(
    probe: Probe, background: Background
) -> None:
    key = uuid.uuid4()  # one partition: the three are fetched, and fail, as one chunk
    for seq in (1, 3):
        await probe.emit(seq, key=key)
    await probe.emit(2, key=key, bad_effect=True)
    background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    consumer = background.start(probe.consumer())
    await wait_until(lambda: _eq(consumer.stats.handled + consumer.stats.dead_lettered, 3))
    assert (consumer.stats.handled, consumer.stats.dead_lettered) == (2, 1)
    dead = await read_topic(
        probe.settings.kafka_bootstrap_servers,
        dead_letter_topic(probe.settings.topic_prefix, consumer.group_id),
        want=1,
    )
    assert header(dead[0], "dlt_error_type") == "IntegrityError"
    async with probe.engine.connect() as conn:
        seqs = sorted((await conn.execute(sa.text("SELECT seq FROM probe.effects"))).scalars())
        inboxed = (await conn.execute(sa.text("SELECT count(*) FROM probe.inbox"))).scalar()
    assert seqs == [1, 3]  # the chunk was rolled back and replayed: nothing applied twice, nothing lost
    assert inboxed == 2


async def _zero(awaitable: Any) -> bool:
    return (await awaitable) == 0


async def _true(value: bool) -> bool:
    return value


async def _eq(value: int, expected: int) -> bool:
    return value == expected


async def test_a_row_kafka_refuses_for_good_is_parked_and_the_rest_keep_flowing(
    probe: Probe, background: Background
) -> None:
    await probe.emit(1)
    big = await probe.emit(2, note="x" * 1_200_000)  # over the producer's 1 MiB request limit
    after = await probe.emit(3)
    relay = background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    consumer = background.start(probe.consumer())
    await wait_until(lambda: _eq(consumer.stats.handled, 2))
    outbox = messaging.outbox
    async with probe.engine.connect() as conn:
        parked = (await conn.execute(sa.select(outbox).where(outbox.c.event_id == big))).one()
        delivered = (await conn.execute(sa.select(outbox).where(outbox.c.event_id == after))).one()
    assert parked.published_at is None and parked.failed_at is not None
    assert "MessageSizeTooLarge" in parked.error
    assert delivered.published_at is not None
    assert relay.published == 2


async def test_a_relay_that_loses_its_lock_stops_publishing_before_the_next_batch(
    probe: Probe, background: Background
) -> None:
    settings = probe.settings.with_overrides(relay_batch_size=50)
    await prefill(probe, 3000)
    first = background.start(OutboxRelay(settings, probe.engine, messaging))
    await wait_until(lambda: _true(first.published > 0), interval=0.01)
    second = background.start(OutboxRelay(settings, probe.engine, messaging))
    # An operator (or a network cut) kills the leader's lock session mid-backlog: the standby takes over,
    # and the old leader must notice before its next batch instead of publishing alongside.
    async with probe.engine.begin() as conn:
        await conn.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                "AND objid::bigint = :key AND pid <> pg_backend_pid()"
            ),
            {"key": advisory_lock_key(messaging.schema)},
        )
    await wait_until(lambda: _zero(probe.unpublished()), timeout=60)
    records = await read_topic(settings.kafka_bootstrap_servers, topic(settings), want=3000, timeout_s=60)
    ids = [header(r, "ce_id") for r in records]
    assert len(set(ids)) == 3000
    # At most the batch in flight when the lock vanished is sent twice (the inbox absorbs that).
    assert len(ids) - 3000 <= 50, f"{len(ids) - 3000} duplicates: two relays published side by side"
    assert second.published + first.published >= 3000


async def prefill(probe: Probe, n: int) -> None:
    rows = [
        {
            "event_id": uuid.uuid4(),
            "event_type": "dovetail.probe.thing.happened.v1",
            "topic": topic(probe.settings),
            "key": str(uuid.uuid4()),
            "subject": "s",
            "payload": {"seq": i},
            "headers": {},
            "occurred_at": __import__("datetime").datetime.now(__import__("datetime").UTC),
        }
        for i in range(n)
    ]
    async with probe.engine.begin() as conn:
        await conn.execute(sa.insert(messaging.outbox), rows)


async def test_broken_trace_context_is_dropped_and_the_event_still_handled(
    probe: Probe, background: Background
) -> None:
    from dovetail_shared.messaging.envelope import encode

    key, value, headers = encode(
        event_id=uuid.uuid4(),
        event_type="dovetail.probe.thing.happened.v1",
        source="/test",
        subject="s",
        time=__import__("datetime").datetime.now(__import__("datetime").UTC),
        payload={"seq": 7},
        key="k",
    )
    headers = [*headers, ("traceparent", b"\xff\xfe")]
    bad_type = [(n, b"\xff" if n == "ce_type" else v) for n, v in headers if n != "traceparent"]
    producer = AIOKafkaProducer(bootstrap_servers=probe.settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        await producer.send_and_wait(topic(probe.settings), value=value, key=key, headers=bad_type)
        await producer.send_and_wait(topic(probe.settings), value=value, key=key, headers=headers)
    finally:
        await producer.stop()
    consumer = background.start(probe.consumer())
    await wait_until(lambda: _eq(consumer.stats.handled, 1))
    assert consumer.stats.dead_lettered == 1  # the undecodable type, not the broken trace context


async def test_the_consumer_group_on_the_broker_carries_the_environment_prefix(
    probe: Probe, background: Background
) -> None:
    await probe.emit(1)
    background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    consumer = background.start(probe.consumer())
    await wait_until(lambda: _eq(consumer.stats.handled, 1))
    admin = AIOKafkaAdminClient(bootstrap_servers=probe.settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        groups = {g[0] for g in await admin.list_consumer_groups()}
    finally:
        await admin.close()
    assert f"{probe.settings.topic_prefix}.{consumer.group_id}" in groups
