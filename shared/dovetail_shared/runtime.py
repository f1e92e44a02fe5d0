"""A service's process-wide resources (engine, sessions, verifier) and how each service is described."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pydantic_settings import SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dovetail_shared.auth import TokenVerifier
from dovetail_shared.clock import Clock, SystemClock
from dovetail_shared.db import MessagingTables, make_engine, make_session_factory
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.taxonomy import TaxonomyTables
from dovetail_shared.uow import SqlUnitOfWork

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI

    from dovetail_shared.messaging.handlers import Handler


@dataclass(frozen=True)
class ConsumerSpec:
    """One consumer group of a service: its purpose, the topics it reads, and handlers by event type."""

    purpose: str
    topics: Callable[[ServiceSettings], list[str]]
    handlers: Mapping[str, Handler]


@dataclass(frozen=True)
class JobSpec:
    """A scheduled job of a service, run by the ``consumer`` role every ``interval_s`` seconds.

    ``run(uow, now)`` does one pass in one unit of work (committed by the runner when it returns); ``now`` is the
    runtime's clock, so a test passes a ``FixedClock`` and calls ``run_job_once``. Replicas may run it at the
    same time: a job locks what it changes (``FOR UPDATE SKIP LOCKED``) and is idempotent.
    """

    name: str
    interval_s: float
    run: Callable[[Any, datetime], Awaitable[int]]


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the shared runner needs to start any role of a service; one per service.

    The one place a service is declared (its ``main.py``); scripts and targets find every spec through the
    ``dovetail.services`` entry points (``dovetail_shared.registry``).
    """

    name: str
    settings_factory: Callable[[], ServiceSettings]
    messaging: MessagingTables
    routers: Sequence[APIRouter]
    uow_class: type[SqlUnitOfWork] = SqlUnitOfWork
    consumers: Sequence[ConsumerSpec] = ()
    published_topics: Callable[[ServiceSettings], list[str]] = lambda _s: []
    jobs: Sequence[JobSpec] = ()
    # The folder of the service's Alembic revisions (env.py and the template are shared).
    migrations: str | None = None
    metadata: sa.MetaData | None = None
    taxonomy: TaxonomyTables | None = None
    title: str = ""
    description: str = ""

    @property
    def schema(self) -> str:
        return self.messaging.schema

    def create_app(self, settings: ServiceSettings | None = None, clock: Clock | None = None) -> FastAPI:
        from dovetail_shared.http.app import create_service_app

        return create_service_app(self, settings, clock)

    def cli(self, argv: list[str] | None = None) -> None:
        """``dovetail-<name> <role>``: the console script points here (``<pkg>.main:SPEC.cli``)."""
        from dovetail_shared.runner import main

        main(self, argv)


def settings_class(name: str, port: int) -> type[ServiceSettings]:
    """A service's settings: ``<NAME>_*`` variables first, then ``DOVETAIL_*``; schema ``name``; port ``port``."""
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__qualname__": f"{name.title().replace('_', '')}Settings",
        "__annotations__": {"http_port": int},
        "model_config": SettingsConfigDict(env_prefix=f"{name.upper()}_", extra="ignore", env_file=None),
        "service_name": name,
        "http_port": port,
    }
    return type(namespace["__qualname__"], (ServiceSettings,), namespace)


def define_service(
    name: str,
    *,
    port: int,
    package_file: str,
    messaging: MessagingTables,
    routers: Sequence[APIRouter],
    **options: Any,
) -> ServiceSpec:
    """The spec of a service laid out as ``services/<name>/<name>/`` with ``services/<name>/migrations/versions``.

    ``package_file`` is the ``__file__`` of the module calling this (its ``main.py``).
    """
    settings = settings_class(name, port)
    versions = Path(package_file).resolve().parents[1] / "migrations" / "versions"
    options.setdefault("metadata", messaging.outbox.metadata)
    return ServiceSpec(
        name=name,
        settings_factory=settings,
        messaging=messaging,
        routers=routers,
        migrations=str(versions),
        **options,
    )


class Runtime:
    """Made once per process (in ``lifespan`` or a worker's start), closed on shutdown."""

    def __init__(
        self,
        spec: ServiceSpec,
        settings: ServiceSettings,
        engine: AsyncEngine | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.spec = spec
        self.clock: Clock = clock or SystemClock()
        self.settings = settings
        self.engine = engine or make_engine(settings)
        self.session_factory: async_sessionmaker[AsyncSession] = make_session_factory(self.engine)
        self.verifier = TokenVerifier(settings)

    def uow(self) -> SqlUnitOfWork:
        return self.spec.uow_class(
            self.session_factory, self.spec.messaging, self.settings.topic_prefix, clock=self.clock
        )

    async def run_job_once(self, job: JobSpec) -> int:
        """One pass of ``job`` at the runtime's clock, committed; returns what the job reports it changed."""
        async with self.uow() as uow:
            changed = await job.run(uow, self.clock.now())
            await uow.commit()
        return changed

    async def close(self) -> None:
        await self.engine.dispose()
