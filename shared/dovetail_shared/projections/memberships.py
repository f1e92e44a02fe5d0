"""The consortium-membership projection: which organisations are active members of which consortia.

From consortia's events (formed, activated, dissolved, member joined/left/role changed). Joint programs,
internships, talent pipelines and curricula ask it "is organisation X an active member of consortium C".
Included like the organisations projection: ``memberships = MembershipsProjection(metadata, SCHEMA)``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from dovetail_shared.events.base import topic_for
from dovetail_shared.events.consortia import (
    ConsortiumActivated,
    ConsortiumDissolved,
    ConsortiumFormed,
    MemberJoined,
    MemberLeft,
    MemberRoleChanged,
)
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.messaging.handlers import HandlerRegistry
from dovetail_shared.runtime import ConsumerSpec
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.uow import SqlUnitOfWork
from dovetail_shared.vocabulary import ConsortiumStatus


class Membership(StrEnum):
    """The answer to "is X an active member of C", with "not known here yet" told apart."""

    UNKNOWN_CONSORTIUM = "unknown_consortium"  # no event of it arrived yet (or it does not exist)
    DISSOLVED = "dissolved"
    NOT_A_MEMBER = "not_a_member"  # never joined, or left
    ACTIVE = "active"


def _tables(metadata: sa.MetaData, schema: str) -> tuple[sa.Table, sa.Table]:
    consortia = sa.Table(
        "known_consortia",
        metadata,
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=schema,
    )
    members = sa.Table(
        "consortium_members",
        metadata,
        sa.Column("consortium_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("organization_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("joined_on", sa.Date, nullable=True),
        sa.Column("left_on", sa.Date, nullable=True),
        # "Which consortia is X in" is the question joint programs ask of a firm.
        sa.Index(f"ix_{schema}_consortium_members_org", "organization_id"),
        schema=schema,
    )
    return consortia, members


class MembershipDirectory:
    def __init__(self, session: AsyncSession, consortia: sa.Table, members: sa.Table) -> None:
        self.session, self.consortia, self.members = session, consortia, members

    async def membership(self, organization_id: uuid.UUID, consortium_id: uuid.UUID) -> Membership:
        c, m = self.consortia, self.members
        row = (
            await self.session.execute(
                sa.select(c.c.status, m.c.left_on, m.c.organization_id)
                .select_from(
                    c.outerjoin(m, sa.and_(m.c.consortium_id == c.c.id, m.c.organization_id == organization_id))
                )
                .where(c.c.id == consortium_id)
            )
        ).first()
        if row is None:
            return Membership.UNKNOWN_CONSORTIUM
        if row.status == ConsortiumStatus.DISSOLVED:
            return Membership.DISSOLVED
        if row.organization_id is None or row.left_on is not None:
            return Membership.NOT_A_MEMBER
        return Membership.ACTIVE

    async def set_consortium(self, consortium_id: uuid.UUID, *, at: datetime, **values: Any) -> None:
        stmt = pg_insert(self.consortia).values(id=consortium_id, updated_at=at, name=values.pop("name", ""), **values)
        update = {k: stmt.excluded[k] for k in [*values, "updated_at"]}
        await self.session.execute(stmt.on_conflict_do_update(index_elements=[self.consortia.c.id], set_=update))

    async def set_member(self, consortium_id: uuid.UUID, organization_id: uuid.UUID, **values: Any) -> None:
        stmt = pg_insert(self.members).values(consortium_id=consortium_id, organization_id=organization_id, **values)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[self.members.c.consortium_id, self.members.c.organization_id],
                set_={k: stmt.excluded[k] for k in values},
            )
        )


def _at(uow: SqlUnitOfWork, event: ReceivedEvent) -> datetime:
    # When the fact happened at its source (replays give the same answer); the runtime's clock only for an
    # event that does not say (CloudEvents makes ``time`` optional; Dovetail's relay always sets it).
    return event.time or uow.clock.now()


class MembershipsProjection:
    """Tables, directory, handlers and topics of the membership projection in one service schema."""

    purpose = "memberships"

    def __init__(self, metadata: sa.MetaData, schema: str) -> None:
        self.consortia, self.members = _tables(metadata, schema)
        self.handlers: HandlerRegistry[SqlUnitOfWork] = HandlerRegistry(SqlUnitOfWork)
        on = self.handlers.on

        # Events of one consortium share its key, so they arrive in order; the inbox absorbs redeliveries.
        @on(ConsortiumFormed)
        async def formed(uow: SqlUnitOfWork, e: ConsortiumFormed, event: ReceivedEvent) -> None:
            await self.directory(uow.session).set_consortium(
                e.consortium_id, at=_at(uow, event), name=e.name, status=ConsortiumStatus.FORMING
            )

        @on(ConsortiumActivated)
        async def activated(uow: SqlUnitOfWork, e: ConsortiumActivated, event: ReceivedEvent) -> None:
            await self.directory(uow.session).set_consortium(
                e.consortium_id, at=_at(uow, event), status=ConsortiumStatus.ACTIVE
            )

        @on(ConsortiumDissolved)
        async def dissolved(uow: SqlUnitOfWork, e: ConsortiumDissolved, event: ReceivedEvent) -> None:
            await self.directory(uow.session).set_consortium(
                e.consortium_id, at=_at(uow, event), status=ConsortiumStatus.DISSOLVED
            )

        @on(MemberJoined)
        async def joined(uow: SqlUnitOfWork, e: MemberJoined, event: ReceivedEvent) -> None:
            await self.directory(uow.session).set_member(
                e.consortium_id, e.organization_id, role=e.role, joined_on=e.joined_on, left_on=None
            )

        @on(MemberLeft)
        async def left(uow: SqlUnitOfWork, e: MemberLeft, event: ReceivedEvent) -> None:
            await self.directory(uow.session).set_member(
                e.consortium_id, e.organization_id, role=e.role, left_on=e.left_on
            )

        @on(MemberRoleChanged)
        async def role_changed(uow: SqlUnitOfWork, e: MemberRoleChanged, event: ReceivedEvent) -> None:
            await self.directory(uow.session).set_member(e.consortium_id, e.organization_id, role=e.role)

    def directory(self, session: AsyncSession) -> MembershipDirectory:
        return MembershipDirectory(session, self.consortia, self.members)

    @staticmethod
    def topics(settings: ServiceSettings) -> list[str]:
        return [topic_for(settings.topic_prefix, "consortia", ConsortiumFormed.aggregate)]

    def consumer(self) -> ConsumerSpec:
        """The consumer group ``<service>-memberships`` that keeps this projection."""
        return ConsumerSpec(purpose=self.purpose, topics=self.topics, handlers=self.handlers)


def create_memberships_projection(op: Any, schema: str) -> None:
    """Creates the projection's tables in a service's migration (from the same definitions the code uses)."""
    for table in _tables(sa.MetaData(), schema):
        table.create(op.get_bind())
