"""A service's process-wide resources (engine, sessions, verifier) and how each service is described."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from dovetail_shared.auth import TokenVerifier
from dovetail_shared.db import MessagingTables, make_engine, make_session_factory
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.taxonomy import TaxonomyTables
from dovetail_shared.uow import SqlUnitOfWork

if TYPE_CHECKING:
    from fastapi import APIRouter

    from dovetail_shared.messaging.handlers import Handler


@dataclass(frozen=True)
class ConsumerSpec:
    """One consumer group of a service: its purpose, the topics it reads, and handlers by event type."""

    purpose: str
    topics: Callable[[ServiceSettings], list[str]]
    handlers: Mapping[str, Handler]


@dataclass(frozen=True)
class ServiceSpec:
    """Everything the shared runner needs to start any role of a service; one per service."""

    name: str
    settings_factory: Callable[[], ServiceSettings]
    messaging: MessagingTables
    routers: Sequence[APIRouter]
    uow_class: type[SqlUnitOfWork] = SqlUnitOfWork
    consumers: Sequence[ConsumerSpec] = ()
    published_topics: Callable[[ServiceSettings], list[str]] = lambda _s: []
    alembic_ini: str | None = None
    taxonomy: TaxonomyTables | None = None
    title: str = ""
    description: str = ""


class Runtime:
    """Made once per process (in ``lifespan`` or a worker's start), closed on shutdown."""

    def __init__(self, spec: ServiceSpec, settings: ServiceSettings, engine: AsyncEngine | None = None) -> None:
        self.spec = spec
        self.settings = settings
        self.engine = engine or make_engine(settings)
        self.session_factory: async_sessionmaker[AsyncSession] = make_session_factory(self.engine)
        self.verifier = TokenVerifier(settings)

    def uow(self) -> SqlUnitOfWork:
        return self.spec.uow_class(self.session_factory, self.spec.messaging, self.settings.topic_prefix)

    async def close(self) -> None:
        await self.engine.dispose()
