"""Prometheus metrics every service exposes at /metrics (and worker roles on their own metrics port)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

# Every series carries `service`, so one Prometheus can scrape all services without relabelling.

HTTP_REQUESTS = Counter(
    "dovetail_http_requests_total",
    "HTTP requests by route template and status.",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "dovetail_http_request_duration_seconds",
    "HTTP request latency by route template.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
OUTBOX_BACKLOG = Gauge("dovetail_outbox_backlog", "Outbox rows not yet published (parked rows excluded).", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "dovetail_outbox_oldest_unpublished_age_seconds",
    "Age of the oldest unpublished outbox row; 0 if none.",
    ["service"],
)
RELAY_PUBLISHED = Counter("dovetail_relay_published_total", "Outbox rows the relay published.", ["service"])
RELAY_ERRORS = Counter(
    "dovetail_relay_errors_total",
    "Relay failures: batches retried (`retry`) and rows parked (`parked`).",
    ["service", "kind"],
)
CONSUMER_LAG = Gauge(
    "dovetail_consumer_lag", "Records behind the partition's end offset.", ["service", "group", "topic", "partition"]
)
CONSUMER_HANDLED = Counter(
    "dovetail_consumer_events_total",
    "Events a consumer group processed, by outcome (handled, duplicate, ignored).",
    ["service", "group", "outcome"],
)
CONSUMER_RETRIES = Counter(
    "dovetail_consumer_retries_total", "Transient handler failures retried.", ["service", "group"]
)
DEAD_LETTERED = Counter("dovetail_dead_lettered_total", "Events sent to the dead-letter topic.", ["service", "group"])
KAFKA_CONNECTION_RETRIES = Counter(
    "dovetail_kafka_connection_retries_total", "Failed attempts to reach the Kafka broker.", ["service"]
)
KAFKA_UP = Gauge("dovetail_kafka_reachable", "1 while the broker is reachable, 0 while it is not.", ["service"])
