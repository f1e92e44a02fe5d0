"""The organisations projection: what a service knows of consortia's organisations, from their events.

A service includes it in one line of ``tables.py`` (``organizations = OrganizationsProjection(metadata, SCHEMA)``),
binds ``organizations.directory(session)`` in its unit of work, adds ``organizations.consumer()`` to its spec
and calls ``create_organizations_projection(op, SCHEMA)`` in a migration (a service whose projection predates
time zones adds the column with ``add_organization_time_zone(op, SCHEMA)``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from dovetail_shared.clock import DEFAULT_TIME_ZONE
from dovetail_shared.events.base import topic_for
from dovetail_shared.events.consortia import OrganizationRegistered, OrganizationRejected, OrganizationVerified
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.messaging.handlers import HandlerRegistry
from dovetail_shared.runtime import ConsumerSpec
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.uow import SqlUnitOfWork
from dovetail_shared.vocabulary import OrganizationKind, VerificationStatus


@dataclass(frozen=True)
class KnownOrganization:
    """One organisation as the projection knows it."""

    id: uuid.UUID
    name: str
    kind: str
    size: str | None
    status: VerificationStatus
    # IANA name: the organisation's local calendar, for rules about days ("today" is its date, not UTC's).
    time_zone: str = DEFAULT_TIME_ZONE

    def is_verified(self, kind: OrganizationKind) -> bool:
        return self.kind == kind and self.status == VerificationStatus.VERIFIED


def _table(metadata: sa.MetaData, schema: str) -> sa.Table:
    return sa.Table(
        "organizations",
        metadata,
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("size", sa.Text, nullable=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _time_zone_column(),
        schema=schema,
    )


def _time_zone_column() -> sa.Column[str]:
    # Events from before time zones carry none: such an organisation keeps UTC days until it says otherwise.
    return sa.Column("time_zone", sa.Text, nullable=False, server_default=DEFAULT_TIME_ZONE)


class OrganizationDirectory:
    """Reads and writes the projection inside one unit of work's session."""

    def __init__(self, session: AsyncSession, table: sa.Table) -> None:
        self.session = session
        self.table = table

    @staticmethod
    def _of(row: Any) -> KnownOrganization:
        return KnownOrganization(
            row.id, row.name, row.kind, row.size, VerificationStatus(row.status), row.time_zone or DEFAULT_TIME_ZONE
        )

    async def upsert(self, org_id: uuid.UUID, *, at: datetime, **values: Any) -> None:
        stmt = pg_insert(self.table).values(id=org_id, updated_at=at, **values)
        update = {k: stmt.excluded[k] for k in [*values, "updated_at"]}
        # Events of one organisation arrive in order (one key), but a replay must not move it backwards.
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[self.table.c.id], set_=update, where=self.table.c.updated_at <= stmt.excluded.updated_at
            )
        )

    async def get(self, org_id: uuid.UUID) -> KnownOrganization | None:
        row = (await self.session.execute(sa.select(self.table).where(self.table.c.id == org_id))).first()
        return None if row is None else self._of(row)

    async def many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, KnownOrganization]:
        if not ids:
            return {}
        rows = (await self.session.execute(sa.select(self.table).where(self.table.c.id.in_(ids)))).all()
        return {r.id: self._of(r) for r in rows}


def _at(uow: SqlUnitOfWork, event: ReceivedEvent) -> datetime:
    # When the fact happened at its source (replays give the same answer); the runtime's clock only for an
    # event that does not say (CloudEvents makes ``time`` optional; Dovetail's relay always sets it).
    return event.time or uow.clock.now()


class OrganizationsProjection:
    """Table, directory, handlers and topics of the organisations projection in one service schema."""

    purpose = "organizations"

    def __init__(self, metadata: sa.MetaData, schema: str) -> None:
        self.table = _table(metadata, schema)
        self.handlers: HandlerRegistry[SqlUnitOfWork] = HandlerRegistry(SqlUnitOfWork)
        on = self.handlers.on

        async def known(
            uow: SqlUnitOfWork,
            e: OrganizationRegistered | OrganizationVerified,
            event: ReceivedEvent,
            status: VerificationStatus,
        ) -> None:
            values: dict[str, Any] = {"name": e.name, "kind": e.kind, "size": e.size, "status": status}
            # Absent (an event older than time zones) leaves what is known; a new row gets the UTC default.
            if e.time_zone is not None:
                values["time_zone"] = e.time_zone
            await self.directory(uow.session).upsert(e.organization_id, at=_at(uow, event), **values)

        @on(OrganizationRegistered)
        async def registered(uow: SqlUnitOfWork, e: OrganizationRegistered, event: ReceivedEvent) -> None:
            await known(uow, e, event, VerificationStatus.PENDING)

        @on(OrganizationVerified)
        async def verified(uow: SqlUnitOfWork, e: OrganizationVerified, event: ReceivedEvent) -> None:
            await known(uow, e, event, VerificationStatus.VERIFIED)

        @on(OrganizationRejected)
        async def rejected(uow: SqlUnitOfWork, e: OrganizationRejected, event: ReceivedEvent) -> None:
            directory = self.directory(uow.session)
            known = await directory.get(e.organization_id)
            await directory.upsert(
                e.organization_id,
                at=_at(uow, event),
                name=known.name if known else "",
                kind=e.kind,
                status=VerificationStatus.REJECTED,
            )

    def directory(self, session: AsyncSession) -> OrganizationDirectory:
        return OrganizationDirectory(session, self.table)

    @staticmethod
    def topics(settings: ServiceSettings) -> list[str]:
        return [topic_for(settings.topic_prefix, "consortia", OrganizationRegistered.aggregate)]

    def consumer(self) -> ConsumerSpec:
        """The consumer group ``<service>-organizations`` that keeps this projection."""
        return ConsumerSpec(purpose=self.purpose, topics=self.topics, handlers=self.handlers)


def create_organizations_projection(op: Any, schema: str) -> None:
    """Creates the projection's table in a service's migration (from the same definition the code uses)."""
    _table(sa.MetaData(), schema).create(op.get_bind())


def add_organization_time_zone(op: Any, schema: str) -> None:
    """Adds ``time_zone`` to a projection created before organisations had one (every known one gets UTC)."""
    op.add_column("organizations", _time_zone_column(), schema=schema)


def drop_organization_time_zone(op: Any, schema: str) -> None:
    op.drop_column("organizations", "time_zone", schema=schema)
