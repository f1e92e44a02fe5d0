"""The curriculum-versions projection: which versions curricula published or retired, with their skills.

From curricula's ``version.published`` and ``version.retired`` events. Joint programs pin a program to a
published version; internships and talent pipelines match on a version's skills. Included like the
organisations projection: ``curriculum_versions = CurriculumVersionsProjection(metadata, SCHEMA)``; a service
that must react to a retirement in the same transaction (joint programs flag their programs) passes
``on_retired``.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from dovetail_shared.events.base import topic_for
from dovetail_shared.events.curricula import CurriculumVersionPublished, CurriculumVersionRetired, SkillCoverage
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.messaging.handlers import HandlerRegistry
from dovetail_shared.runtime import ConsumerSpec
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.uow import SqlUnitOfWork


class VersionState(StrEnum):
    PUBLISHED = "published"
    RETIRED = "retired"


@dataclass(frozen=True)
class KnownVersion:
    """One curriculum version as the projection knows it (a retired one may lack what only publication carries)."""

    curriculum_id: uuid.UUID
    number: int
    version_id: uuid.UUID
    status: VersionState
    college_id: uuid.UUID | None
    title: str | None
    target_occupation: str | None
    level: str | None
    effective_date: date | None
    total_hours: int | None
    skills: tuple[SkillCoverage, ...]

    @property
    def is_published(self) -> bool:
        return self.status == VersionState.PUBLISHED


def _table(metadata: sa.MetaData, schema: str) -> sa.Table:
    return sa.Table(
        "curriculum_versions",
        metadata,
        sa.Column("curriculum_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("version_id", UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        # Only publication carries these; a retirement seen first (a projection started late) leaves them null.
        sa.Column("college_id", UUID(as_uuid=True), nullable=True),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("target_occupation", sa.Text, nullable=True),
        sa.Column("level", sa.Text, nullable=True),
        sa.Column("effective_date", sa.Date, nullable=True),
        sa.Column("total_hours", sa.Integer, nullable=True),
        sa.Column("skills", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=schema,
    )


class CurriculumVersionDirectory:
    """Reads and writes the projection inside one unit of work's session."""

    def __init__(self, session: AsyncSession, table: sa.Table) -> None:
        self.session, self.table = session, table

    @staticmethod
    def _of(row: Any) -> KnownVersion:
        return KnownVersion(
            curriculum_id=row.curriculum_id,
            number=row.number,
            version_id=row.version_id,
            status=VersionState(row.status),
            college_id=row.college_id,
            title=row.title,
            target_occupation=row.target_occupation,
            level=row.level,
            effective_date=row.effective_date,
            total_hours=row.total_hours,
            skills=tuple(SkillCoverage.model_validate(s) for s in row.skills or []),
        )

    async def get(self, curriculum_id: uuid.UUID, number: int) -> KnownVersion | None:
        t = self.table
        row = (
            await self.session.execute(sa.select(t).where(t.c.curriculum_id == curriculum_id, t.c.number == number))
        ).first()
        return None if row is None else self._of(row)

    async def current(self, curriculum_id: uuid.UUID) -> KnownVersion | None:
        """The curriculum's published version (curricula keeps at most one), or None."""
        t = self.table
        stmt = (
            sa.select(t)
            .where(t.c.curriculum_id == curriculum_id, t.c.status == VersionState.PUBLISHED.value)
            .order_by(t.c.number.desc())
            .limit(1)
        )
        row = (await self.session.execute(stmt)).first()
        return None if row is None else self._of(row)

    async def latest_number(self, curriculum_id: uuid.UUID) -> int | None:
        """The highest version number known of the curriculum (published or retired), None if none arrived yet."""
        t = self.table
        number: int | None = await self.session.scalar(
            sa.select(sa.func.max(t.c.number)).where(t.c.curriculum_id == curriculum_id)
        )
        return number

    async def published(self, e: CurriculumVersionPublished, at: datetime) -> None:
        values = {
            "version_id": e.version_id,
            "status": VersionState.PUBLISHED.value,
            "college_id": e.college_id,
            "title": e.title,
            "target_occupation": e.target_occupation,
            "level": e.level,
            "effective_date": e.effective_date,
            "total_hours": e.total_hours,
            "skills": [s.model_dump(mode="json") for s in e.skills],
            "updated_at": at,
        }
        stmt = pg_insert(self.table).values(curriculum_id=e.curriculum_id, number=e.version_number, **values)
        # Retirement is final: a redelivered publication must not bring a retired version back.
        set_ = {k: stmt.excluded[k] for k in values if k != "status"}
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=[self.table.c.curriculum_id, self.table.c.number], set_=set_)
        )

    async def retired(self, e: CurriculumVersionRetired, at: datetime) -> None:
        stmt = pg_insert(self.table).values(
            curriculum_id=e.curriculum_id,
            number=e.version_number,
            version_id=e.version_id,
            status=VersionState.RETIRED.value,
            updated_at=at,
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[self.table.c.curriculum_id, self.table.c.number],
                set_={"status": VersionState.RETIRED.value, "updated_at": at},
            )
        )


RetiredHook = Callable[[SqlUnitOfWork, CurriculumVersionRetired, ReceivedEvent], Awaitable[None]]


def _at(event: ReceivedEvent) -> datetime:
    return event.time or datetime.now(UTC)


class CurriculumVersionsProjection:
    """Table, directory, handlers and topics of the curriculum-versions projection in one service schema."""

    purpose = "curriculum-versions"

    def __init__(self, metadata: sa.MetaData, schema: str, *, on_retired: RetiredHook | None = None) -> None:
        self.table = _table(metadata, schema)
        self.handlers: HandlerRegistry[SqlUnitOfWork] = HandlerRegistry(SqlUnitOfWork)
        on = self.handlers.on

        # Events of one curriculum share its key, so publication (emitted first) precedes the retirement it causes.
        @on(CurriculumVersionPublished)
        async def published(uow: SqlUnitOfWork, e: CurriculumVersionPublished, event: ReceivedEvent) -> None:
            await self.directory(uow.session).published(e, _at(event))

        @on(CurriculumVersionRetired)
        async def retired(uow: SqlUnitOfWork, e: CurriculumVersionRetired, event: ReceivedEvent) -> None:
            await self.directory(uow.session).retired(e, _at(event))
            if on_retired is not None:
                await on_retired(uow, e, event)

    def directory(self, session: AsyncSession) -> CurriculumVersionDirectory:
        return CurriculumVersionDirectory(session, self.table)

    @staticmethod
    def topics(settings: ServiceSettings) -> list[str]:
        return [topic_for(settings.topic_prefix, "curricula", CurriculumVersionPublished.aggregate)]

    def consumer(self) -> ConsumerSpec:
        """The consumer group ``<service>-curriculum-versions`` that keeps this projection."""
        return ConsumerSpec(purpose=self.purpose, topics=self.topics, handlers=self.handlers)


def create_curriculum_versions_projection(op: Any, schema: str) -> None:
    """Creates the projection's table in a service's migration (from the same definition the code uses)."""
    _table(sa.MetaData(), schema).create(op.get_bind())
