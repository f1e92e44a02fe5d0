"""Every service's migrated schema matches its table definitions (Alembic's autogenerate comparison)."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from dovetail_shared import registry
from dovetail_shared.db import make_engine
from dovetail_shared.runtime import ServiceSpec
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.plugin import migrate_once
from sqlmodel import SQLModel

pytestmark = pytest.mark.integration

SERVICES = registry.specs()  # every registered service, without a list to keep


def schema_drift(connection: sa.Connection, metadata: sa.MetaData, schema: str) -> list[Any]:
    """What autogenerate would put in a new migration of ``schema``: empty when migrations match the models."""

    def include_name(name: str | None, type_: str, parent_names: dict[str, Any]) -> bool:
        return name == schema if type_ == "schema" else True

    def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        table = obj if type_ == "table" else getattr(obj, "table", None)
        if table is None:
            return True
        # The shared metadata holds every service's tables; each service is compared on its own schema.
        return table.schema == schema and name != "alembic_version"

    context = MigrationContext.configure(
        connection,
        opts={
            "include_schemas": True,
            "include_name": include_name,
            "include_object": include_object,
            "compare_type": True,
            "version_table_schema": schema,
        },
    )
    return list(compare_metadata(context, metadata))


@pytest.fixture(params=SERVICES, ids=lambda s: s.name)
def migrated(request: pytest.FixtureRequest) -> tuple[ServiceSpec, ServiceSettings]:
    # Sync on purpose: migrate_once drives Alembic with asyncio.run.
    spec: ServiceSpec = request.param
    return spec, migrate_once(spec)


async def test_migrations_match_the_table_definitions(migrated: tuple[ServiceSpec, ServiceSettings]) -> None:
    spec, settings = migrated
    engine = make_engine(settings, pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            drift = await conn.run_sync(schema_drift, SQLModel.metadata, settings.db_schema)
    finally:
        await engine.dispose()
    assert drift == [], f"{spec.name}: migrations and tables.py disagree; add a migration: {drift}"
