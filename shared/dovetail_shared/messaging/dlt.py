"""Dead-letter operations: list, show and redrive a consumer group's dead-lettered events.

Reads a dead-letter topic from its beginning up to the end offsets taken at the start, so every command
terminates by itself even while new records arrive. Redrive re-publishes each record to its origin topic
with its original headers (the ``dlt_*`` ones dropped); the event id is unchanged, so a group that did
handle it absorbs the repeat in its inbox, and redriving twice applies nothing twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from rich.console import Console
from rich.progress import Progress

from dovetail_shared.messaging.kafka import dead_letter_topic, make_producer
from dovetail_shared.settings import ServiceSettings


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    timestamp: datetime
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]

    def header(self, name: str) -> str | None:
        return next((v.decode(errors="replace") for k, v in self.headers if k == name), None)

    @property
    def origin_topic(self) -> str | None:
        return self.header("dlt_origin_topic")

    def summary(self) -> dict[str, Any]:
        return {
            "partition": self.partition,
            "offset": self.offset,
            "time": self.timestamp.isoformat(),
            "event_id": self.header("ce_id"),
            "event_type": self.header("ce_type"),
            "origin": f"{self.origin_topic}[{self.header('dlt_origin_partition')}]@{self.header('dlt_origin_offset')}",
            "error_type": self.header("dlt_error_type"),
            "error": (self.header("dlt_error") or "")[:200],
        }


async def read_dead_letters(
    settings: ServiceSettings, group: str, *, since: datetime | None = None, limit: int | None = None
) -> list[DeadLetter]:
    """The group's dead letters, oldest first per partition, up to the end offsets seen at the start."""
    topic = dead_letter_topic(settings.topic_prefix, group)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[DeadLetter] = []
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        # A group-less consumer's first metadata may not list the topic yet (a busy broker, a topic made
        # moments ago): ask for it by name, a few times, before concluding there is no dead-letter topic.
        for _attempt in range(5):
            if partitions:
                break
            await consumer._client.add_topic(topic)
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
            if not partitions:
                await asyncio.sleep(0.2)
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        # Explicit offsets, not seek_to_beginning(): its reset is lazy and could lose to the default "latest".
        starts = await consumer.beginning_offsets(tps)
        for tp in tps:
            consumer.seek(tp, starts[tp])
        remaining = {tp for tp in tps if ends[tp] > 0}
        for tp in list(remaining):
            if await consumer.position(tp) >= ends[tp]:
                remaining.discard(tp)
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=1000)
            for tp, records in batch.items():
                for r in records:
                    if r.offset >= ends[tp]:
                        break
                    ts = datetime.fromtimestamp(r.timestamp / 1000, tz=UTC)
                    if since is None or ts >= since:
                        found.append(DeadLetter(r.partition, r.offset, ts, r.key, r.value, list(r.headers or [])))
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    found.sort(key=lambda d: (d.timestamp, d.partition, d.offset))
    return found[:limit] if limit is not None else found


async def redrive(
    settings: ServiceSettings, letters: Sequence[DeadLetter], *, console: Console | None = None
) -> Counter[str]:
    """Re-publish ``letters`` to their origin topics; returns how many went to each topic."""
    console = console or Console(stderr=True)
    sent: Counter[str] = Counter()
    producer = make_producer(settings)
    await producer.start()
    try:
        with Progress(console=console, transient=True, disable=len(letters) < 50) as progress:
            task = progress.add_task("redriving", total=len(letters))
            for letter in letters:
                origin = letter.origin_topic
                if origin is None:
                    sent["<no origin: skipped>"] += 1
                    continue
                headers = [(k, v) for k, v in letter.headers if not k.startswith("dlt_")]
                await producer.send(origin, value=letter.value, key=letter.key, headers=headers)
                sent[origin] += 1
                progress.advance(task)
            await producer.flush()
    finally:
        await producer.stop()
    return sent


def _since(text: str) -> datetime:
    parsed = datetime.fromisoformat(text)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def cli(settings: ServiceSettings, groups: list[str], argv: list[str], prog: str) -> int:
    """``dlt list|show|redrive [--group G] [--since T] [--limit N]``."""
    parser = argparse.ArgumentParser(prog=f"{prog} dlt", description="Dead-lettered events of this service")
    parser.add_argument("command", choices=("list", "show", "redrive"))
    parser.add_argument("--group", choices=groups, action="append", help="consumer group (default: all)")
    parser.add_argument("--since", type=_since, help="only records dead-lettered at or after this ISO time")
    parser.add_argument("--limit", type=int, help="at most this many records per group")
    args = parser.parse_args(argv)
    console = Console()
    for group in args.group or groups:
        letters = asyncio.run(read_dead_letters(settings, group, since=args.since, limit=args.limit))
        if args.command == "list":
            for letter in letters:
                console.print_json(json.dumps({"group": group, **letter.summary()}))
        elif args.command == "show":
            for letter in letters:
                detail = {**letter.summary(), "key": (letter.key or b"").decode(errors="replace")}
                detail["traceback"] = letter.header("dlt_traceback")
                detail["value"] = (letter.value or b"").decode(errors="replace")
                console.print_json(json.dumps({"group": group, **detail}))
        else:
            sent = asyncio.run(redrive(settings, letters))
            console.print(f"{group}: redrove {sum(sent.values())} of {len(letters)} dead letters {dict(sent)}")
        if args.command != "redrive":
            console.print(f"{group}: {len(letters)} dead letters")
    return 0
