"""Alembic helpers: the shared environment every service migrates with, and creators of the shared tables."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from dovetail_shared.db import MessagingTables
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.taxonomy import TaxonomyTables

if TYPE_CHECKING:
    from alembic.config import Config

    from dovetail_shared.runtime import ServiceSpec

# env.py and script.py.mako are shared; a service has only its ``migrations/versions``.
SHARED_SCRIPT_LOCATION = Path(__file__).parent / "alembic"


def alembic_config(spec: ServiceSpec, settings: ServiceSettings) -> Config:
    """Alembic's configuration for one service, built in code (no alembic.ini per service)."""
    from alembic.config import Config

    if spec.migrations is None:
        raise RuntimeError(f"{spec.name} declares no migrations")
    cfg = Config()
    cfg.set_main_option("script_location", str(SHARED_SCRIPT_LOCATION))
    cfg.set_main_option("version_locations", spec.migrations)
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["spec"] = spec
    cfg.attributes["settings"] = settings
    return cfg


def run_env(context: Any, metadata: sa.MetaData, settings_factory: Any) -> None:
    """Body of the shared ``alembic/env.py``: async, version table inside the service's schema."""
    settings: ServiceSettings = context.config.attributes.get("settings") or settings_factory()
    schema = settings.db_schema

    def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        if type_ == "schema":
            return name == schema
        return True

    def do_run(connection: sa.Connection) -> None:
        connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
        context.configure(
            connection=connection,
            target_metadata=metadata,
            version_table_schema=schema,
            include_schemas=True,
            include_name=include_name,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(settings.database_url)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
            await connection.commit()
        await engine.dispose()

    if context.is_offline_mode():
        context.configure(
            url=settings.database_url,
            target_metadata=metadata,
            literal_binds=True,
            version_table_schema=schema,
            include_schemas=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(run_async())


def create_messaging_tables(op: Any, schema: str) -> None:
    """The outbox and inbox every service schema has; called from each service's first migration.

    Built from the same Core definitions the code uses, so the two cannot drift. A later change to them
    needs a migration of its own in every service.
    """
    tables = MessagingTables(sa.MetaData(), schema)
    bind = op.get_bind()
    tables.outbox.create(bind)
    tables.inbox.create(bind)


def create_taxonomy_tables(op: Any, schema: str) -> None:
    """The taxonomy tables of a service that validates skill and occupation ids (data loaded by ``migrate``)."""
    TaxonomyTables(sa.MetaData(), schema).create(op.get_bind())
