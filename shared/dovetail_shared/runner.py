"""One entrypoint for every service: ``api``, ``relay``, ``consumer``, ``all`` or ``migrate``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import signal
import sys
from collections.abc import Awaitable, Callable

import uvicorn
from prometheus_client import start_http_server

from dovetail_shared.db import asyncpg_dsn
from dovetail_shared.http.app import create_service_app
from dovetail_shared.logging import configure_logging, get_logger
from dovetail_shared.messaging import dlt
from dovetail_shared.messaging.consumer import EventConsumer
from dovetail_shared.messaging.kafka import dead_letter_topic, ensure_topics
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.migrations import alembic_config
from dovetail_shared.runtime import JobSpec, Runtime, ServiceSpec
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.taxonomy import load_taxonomy
from dovetail_shared.tracing import configure_tracing

log = get_logger(__name__)
ROLES = ("api", "relay", "consumer", "all", "migrate")


def build_consumers(spec: ServiceSpec, runtime: Runtime) -> list[EventConsumer]:
    return [
        EventConsumer(runtime.settings, runtime.uow, c.purpose, c.handlers, c.topics(runtime.settings))
        for c in spec.consumers
    ]


def all_topics(spec: ServiceSpec, settings: ServiceSettings) -> list[str]:
    topics = list(spec.published_topics(settings))
    for c in spec.consumers:
        topics += c.topics(settings)
        topics.append(dead_letter_topic(settings.topic_prefix, settings.consumer_group(c.purpose)))
    return topics


def migrate(spec: ServiceSpec, settings: ServiceSettings) -> None:
    """Alembic to head, then the service's topics; a step of its own, before any process starts."""
    from alembic import command

    command.upgrade(alembic_config(spec, settings), "head")
    if spec.taxonomy is not None:
        asyncio.run(load_taxonomy(asyncpg_dsn(settings.database_url), settings.db_schema))
    asyncio.run(ensure_topics(settings, all_topics(spec, settings)))
    log.info("migrate.done", service=spec.name)


async def _run_job(runtime: Runtime, job: JobSpec, stopping: asyncio.Event) -> None:
    """A scheduled job every ``interval_s`` until the process stops; a failed pass is logged and retried."""
    while not stopping.is_set():
        try:
            changed = await runtime.run_job_once(job)
            if changed:
                log.info("job.pass", job=job.name, changed=changed)
        except Exception:  # the next pass retries; a failing job must not take the consumers down
            log.exception("job.failed", job=job.name)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=job.interval_s)


async def _run_workers(spec: ServiceSpec, settings: ServiceSettings, role: str) -> None:
    runtime = Runtime(spec, settings)
    tasks: list[Callable[[], Awaitable[None]]] = []
    stoppers: list[Callable[[], None]] = []
    if role in ("relay", "all"):
        relay = OutboxRelay(settings, runtime.engine, spec.messaging)
        tasks.append(relay.run)
        stoppers.append(relay.stop)
    if role in ("consumer", "all"):
        for consumer in build_consumers(spec, runtime):
            tasks.append(consumer.run)
            stoppers.append(consumer.stop)
        stopping = asyncio.Event()
        for job in spec.jobs:
            tasks.append(functools.partial(_run_job, runtime, job, stopping))
        stoppers.append(stopping.set)
    if role in ("relay", "consumer") and settings.metrics_port:
        # Worker roles have no HTTP app; Prometheus scrapes this port instead.
        start_http_server(settings.metrics_port, addr=settings.http_host)
        log.info("metrics.serving", port=settings.metrics_port)
    server: uvicorn.Server | None = None
    if role in ("api", "all"):
        app = create_service_app(spec, settings)
        server = uvicorn.Server(
            uvicorn.Config(app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False)
        )
        tasks.append(server.serve)

        def _stop_server() -> None:
            assert server is not None
            server.should_exit = True

        stoppers.append(_stop_server)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, lambda: [s() for s in stoppers])
    log.info("service.start", service=spec.name, role=role)
    try:
        await asyncio.gather(*(t() for t in tasks))
    finally:
        await runtime.close()
        log.info("service.stop", service=spec.name, role=role)


def main(spec: ServiceSpec, argv: list[str] | None = None) -> None:
    argv = list(argv) if argv is not None else sys.argv[1:]
    if argv[:1] == ["dlt"]:
        # An operator's command, not a role: its own arguments (list|show|redrive ...).
        settings = spec.settings_factory()
        groups = [settings.consumer_group(c.purpose) for c in spec.consumers]
        configure_logging(spec.name, "WARNING", settings.log_json)
        sys.exit(dlt.cli(settings, groups, argv[1:], prog=f"dovetail-{spec.name}"))
    parser = argparse.ArgumentParser(prog=f"dovetail-{spec.name}", description=f"Run the {spec.name} service")
    parser.add_argument(
        "role", choices=ROLES, help="api | relay | consumer | all (local runs) | migrate; or: dlt list|show|redrive"
    )
    parser.add_argument("--port", type=int, default=None, help="HTTP port for api/all (overrides settings)")
    args = parser.parse_args(argv)
    settings = spec.settings_factory()
    if args.port is not None:
        settings = settings.with_overrides(http_port=args.port)
    configure_logging(spec.name, settings.log_level, settings.log_json)
    configure_tracing(spec.name, settings.otel_exporter, settings.otel_endpoint)
    if args.role == "migrate":
        migrate(spec, settings)
        return
    asyncio.run(_run_workers(spec, settings, args.role))
