"""Handlers that keep curricula's projection of organisations (from consortia's events)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from dovetail_shared.events.consortia import OrganizationRegistered, OrganizationRejected, OrganizationVerified
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.uow import SqlUnitOfWork

from curricula.uow import CurriculaUnitOfWork


def _at(event: ReceivedEvent) -> datetime:
    return event.time or datetime.now(UTC)


async def organization_registered(uow: SqlUnitOfWork, event: ReceivedEvent) -> None:
    uow = cast(CurriculaUnitOfWork, uow)  # the spec builds this service's unit of work
    e = OrganizationRegistered.model_validate(event.data)
    await uow.organizations.upsert(
        e.organization_id, at=_at(event), name=e.name, kind=e.kind, size=e.size, status="pending"
    )


async def organization_verified(uow: SqlUnitOfWork, event: ReceivedEvent) -> None:
    uow = cast(CurriculaUnitOfWork, uow)  # the spec builds this service's unit of work
    e = OrganizationVerified.model_validate(event.data)
    await uow.organizations.upsert(
        e.organization_id, at=_at(event), name=e.name, kind=e.kind, size=e.size, status="verified"
    )


async def organization_rejected(uow: SqlUnitOfWork, event: ReceivedEvent) -> None:
    uow = cast(CurriculaUnitOfWork, uow)  # the spec builds this service's unit of work
    e = OrganizationRejected.model_validate(event.data)
    existing = await uow.organizations.get(e.organization_id)
    name = existing["name"] if existing else ""
    await uow.organizations.upsert(e.organization_id, at=_at(event), name=name, kind=e.kind, status="rejected")


HANDLERS = {
    OrganizationRegistered.event_type: organization_registered,
    OrganizationVerified.event_type: organization_verified,
    OrganizationRejected.event_type: organization_rejected,
}
