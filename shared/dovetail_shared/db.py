"""Async engine, sessions and the outbox/inbox tables every service schema carries."""

from __future__ import annotations

from typing import Any

import pydantic_core
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from dovetail_shared.settings import ServiceSettings


def _json_serializer(value: Any) -> str:
    # pydantic_core knows UUID, Decimal, date and nested models; the stdlib json does not.
    return pydantic_core.to_json(value).decode()


def make_engine(settings: ServiceSettings, **overrides: Any) -> AsyncEngine:
    """One engine per process and service; created in ``lifespan`` or the worker's startup, never at import."""
    options: dict[str, Any] = {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_pool_size,
        "pool_pre_ping": True,
        "json_serializer": _json_serializer,
        "connect_args": {"server_settings": {"application_name": f"dovetail-{settings.service_name}"}},
    }
    options.update(overrides)
    return create_async_engine(settings.database_url, **options)


def make_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)


def asyncpg_dsn(database_url: str) -> str:
    """The plain libpq URL asyncpg wants, from an SQLAlchemy URL."""
    return database_url.replace("postgresql+asyncpg://", "postgresql://", 1)


class MessagingTables:
    """The outbox and inbox of one service schema (SQLAlchemy Core: infrastructure, not domain)."""

    def __init__(self, metadata: sa.MetaData, schema: str) -> None:
        self.schema = schema
        self.outbox = sa.Table(
            "outbox",
            metadata,
            # The bigserial id is the publication order.
            sa.Column("id", sa.BigInteger, sa.Identity(always=True), primary_key=True),
            sa.Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
            sa.Column("event_type", sa.Text, nullable=False),
            sa.Column("topic", sa.Text, nullable=False),
            sa.Column("key", sa.Text, nullable=False),
            sa.Column("subject", sa.Text, nullable=False),
            sa.Column("payload", JSONB, nullable=False),
            sa.Column("headers", JSONB, nullable=False, server_default=sa.text("'{}'::jsonb")),
            sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
            # A row Kafka refused for good (too large, invalid topic): parked, so it cannot block the rest.
            sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
            sa.Column("error", sa.Text, nullable=True),
            sa.Index(f"ix_{schema}_outbox_unpublished", "id", postgresql_where=sa.text("published_at IS NULL")),
            schema=schema,
        )
        self.inbox = sa.Table(
            "inbox",
            metadata,
            sa.Column("consumer_group", sa.Text, primary_key=True),
            sa.Column("event_id", UUID(as_uuid=True), primary_key=True),
            sa.Column("event_type", sa.Text, nullable=False),
            sa.Column("topic", sa.Text, nullable=False),
            sa.Column("partition", sa.Integer, nullable=False),
            sa.Column("offset", sa.BigInteger, nullable=False),
            sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
            schema=schema,
        )

    @property
    def notify_channel(self) -> str:
        return f"{self.schema}_outbox"
