"""The ESCO skills taxonomy in a service's own schema: tables, a one-time loader, and id checks."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from pathlib import Path

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from dovetail_shared.logging import get_logger

log = get_logger(__name__)

# The full extract sits beside the repository (../shared/data/taxonomy); a small committed sample stands in
# where it is absent, so the ids are always real ESCO ids. DOVETAIL_TAXONOMY_DIR overrides both.
DEFAULT_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "taxonomy"
SAMPLE_DIR = Path(__file__).resolve().parents[1] / "data" / "taxonomy-sample"


def taxonomy_dir() -> Path:
    configured = os.environ.get("DOVETAIL_TAXONOMY_DIR")
    if configured:
        return Path(configured)
    return DEFAULT_DIR if (DEFAULT_DIR / "skills.csv").exists() else SAMPLE_DIR


class TaxonomyTables:
    def __init__(self, metadata: sa.MetaData, schema: str) -> None:
        self.schema = schema
        self.skills = sa.Table(
            "taxonomy_skills",
            metadata,
            sa.Column("id", sa.Text, primary_key=True),
            sa.Column("label", sa.Text, nullable=False),
            schema=schema,
        )
        self.occupations = sa.Table(
            "taxonomy_occupations",
            metadata,
            sa.Column("id", sa.Text, primary_key=True),
            sa.Column("label", sa.Text, nullable=False),
            sa.Column("isco_group", sa.Text, nullable=True),
            schema=schema,
        )

    def create(self, bind: sa.Connection) -> None:
        self.skills.create(bind)
        self.occupations.create(bind)


class TaxonomyLookup:
    """Id checks against one service's taxonomy tables, bound to the unit of work's session."""

    def __init__(self, session: AsyncSession, tables: TaxonomyTables) -> None:
        self.session = session
        self.skills = tables.skills
        self.occupations = tables.occupations

    async def unknown_skills(self, ids: Iterable[str]) -> set[str]:
        """Ids not in the taxonomy; an empty taxonomy (data not loaded) knows nothing and refuses nothing."""
        wanted = set(ids)
        unstorable = {i for i in wanted if "\x00" in i}  # cannot be an id, and Postgres refuses to compare it
        wanted -= unstorable
        if not wanted or not await self._loaded(self.skills):
            return unstorable
        found = await self.session.scalars(sa.select(self.skills.c.id).where(self.skills.c.id.in_(wanted)))
        return (wanted - set(found)) | unstorable

    async def unknown_occupation(self, occupation_id: str) -> bool:
        if not await self._loaded(self.occupations):
            return False
        if "\x00" in occupation_id:
            return True
        stmt = sa.select(self.occupations.c.id).where(self.occupations.c.id == occupation_id)
        return (await self.session.scalar(stmt)) is None

    async def _loaded(self, table: sa.Table) -> bool:
        return (await self.session.scalar(sa.select(table.c.id).limit(1))) is not None


def _read_csv(directory: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str, str | None]]]:
    with open(directory / "skills.csv", newline="") as f:
        skills = [(r["id"], r["label"]) for r in csv.DictReader(f)]
    with open(directory / "occupations.csv", newline="") as f:
        occupations = [(r["id"], r["label"], r.get("isco_group") or None) for r in csv.DictReader(f)]
    return skills, occupations


async def load_taxonomy(dsn: str, schema: str, directory: Path | None = None) -> int:
    """Copy skills and occupations into ``schema`` if they are not there yet; returns rows loaded."""
    directory = directory or taxonomy_dir()
    if not (directory / "skills.csv").exists():
        log.warning("taxonomy.missing", directory=str(directory))
        return 0
    conn = await asyncpg.connect(dsn)
    try:
        # The schema is the service's own constant, never input.
        if await conn.fetchval(f'SELECT EXISTS (SELECT 1 FROM "{schema}".taxonomy_skills)'):  # noqa: S608
            return 0
        skills, occupations = _read_csv(directory)
        async with conn.transaction():
            await conn.copy_records_to_table("taxonomy_skills", schema_name=schema, records=skills)
            await conn.copy_records_to_table("taxonomy_occupations", schema_name=schema, records=occupations)
        log.info("taxonomy.loaded", schema=schema, skills=len(skills), occupations=len(occupations))
        return len(skills) + len(occupations)
    finally:
        await conn.close()
