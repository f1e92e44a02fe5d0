"""Broker reachability: one log line when Kafka goes away, one when it is back, a counter in between.

aiokafka logs every failed connection attempt of every background task (metadata sync, fetcher,
heartbeat, sender), which is about 2,000 lines a second while the broker is down. Those records are
swallowed here and counted instead; the state change is what gets logged.
"""

from __future__ import annotations

import logging
import re
import time

from aiokafka.errors import KafkaConnectionError, KafkaError

from dovetail_shared import metrics
from dovetail_shared.logging import get_logger

log = get_logger(__name__)

_CONNECTION_FAILURE = re.compile(
    r"^(Unable connect to|Unable to request metadata|Unable to update metadata|Unable to bootstrap|"
    r"Failed fetch (messages|offsets)|Group Coordinator Request failed|Heartbeat send request failed|"
    r"Cannot send|Could not send|FindCoordinator Request failed|OffsetCommit failed|LeaveGroup request failed)"
)
_AIOKAFKA_LOGGERS = (
    "aiokafka",
    "aiokafka.client",
    "aiokafka.conn",
    "aiokafka.cluster",
    "aiokafka.consumer.consumer",
    "aiokafka.consumer.fetcher",
    "aiokafka.consumer.group_coordinator",
    "aiokafka.producer.producer",
    "aiokafka.producer.sender",
)


class BrokerHealth:
    """Process-wide: every client of the process talks to the same broker."""

    def __init__(self) -> None:
        self.service = "unknown"
        self.reachable = True
        self.down_since: float | None = None
        self.retries_while_down = 0
        self.last_error = ""

    def failed(self, error: object) -> bool:
        """Count one failed attempt; True (and one structured log line) only on the up → down change."""
        metrics.KAFKA_CONNECTION_RETRIES.labels(self.service).inc()
        self.retries_while_down += 1
        self.last_error = str(error)[:300]
        if not self.reachable:
            return False
        self.reachable = False
        self.down_since = time.monotonic()
        self.retries_while_down = 1
        metrics.KAFKA_UP.labels(self.service).set(0)
        log.warning("kafka.unreachable", error=self.last_error)
        return True

    def ok(self) -> None:
        """A client just talked to the broker successfully."""
        if self.reachable:
            return
        self.reachable = True
        down_for = time.monotonic() - (self.down_since or time.monotonic())
        metrics.KAFKA_UP.labels(self.service).set(1)
        log.info("kafka.reachable", down_for_s=round(down_for, 1), failed_attempts=self.retries_while_down)


broker = BrokerHealth()


class _CountConnectionFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING and _CONNECTION_FAILURE.match(str(record.msg)):
            broker.failed(record.getMessage())
            return False
        return True


_filter = _CountConnectionFailures()


def install(service: str) -> None:
    """Route aiokafka's connection-failure records into ``broker`` (idempotent)."""
    broker.service = service
    metrics.KAFKA_UP.labels(service).set(1 if broker.reachable else 0)
    for name in _AIOKAFKA_LOGGERS:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)


def is_connection_error(exc: BaseException) -> bool:
    """A failure that says 'the broker is not there' rather than 'the broker said no'."""
    return isinstance(exc, KafkaConnectionError | ConnectionError | OSError) or (
        isinstance(exc, KafkaError) and exc.retriable and "connect" in str(exc).lower()
    )
