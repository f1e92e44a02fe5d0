"""The organisations projection keeps each organisation's time zone from consortia's events (ADR 0015): an event
from before time zones (none carried) reads as UTC and never overwrites a known one; an event without a time is
stamped with the runtime's clock, not the system's."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from curricula.main import SPEC
from curricula.tables import organizations
from dovetail_shared.clock import FixedClock
from dovetail_shared.events.base import EventPayload
from dovetail_shared.events.consortia import OrganizationRegistered, OrganizationVerified
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.runtime import Runtime
from dovetail_shared.settings import ServiceSettings

CLOCK_AT = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)


@pytest.fixture
async def runtime(settings: ServiceSettings) -> AsyncIterator[Runtime]:
    rt = Runtime(SPEC, settings, clock=FixedClock(CLOCK_AT))
    yield rt
    await rt.close()


async def deliver(runtime: Runtime, payload: EventPayload, *, time: datetime | None) -> None:
    """Hands one event to the projection's handler in a unit of work, as the consumer does."""
    event = ReceivedEvent(
        id=uuid.uuid4(),
        type=payload.event_type,
        source="/dovetail/consortia",
        subject=None,
        time=time,
        data=payload.model_dump(mode="json", exclude_none=True),
        correlation_id=None,
        traceparent=None,
        topic="t",
        partition=0,
        offset=0,
    )
    async with runtime.uow() as uow:
        await organizations.handlers[payload.event_type](uow, event)
        await uow.commit()


def registered(org_id: uuid.UUID, **extra: Any) -> OrganizationRegistered:
    return OrganizationRegistered(
        organization_id=org_id, name="Suzhou College", kind="college", region="CN-JS", registration_number="1", **extra
    )


async def known(runtime: Runtime, org_id: uuid.UUID) -> Any:
    async with runtime.uow() as uow:
        return await organizations.directory(uow.session).get(org_id)


async def test_an_event_without_a_time_zone_reads_as_utc_and_keeps_a_known_one(runtime: Runtime) -> None:
    old, new = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 2, 1, tzinfo=UTC)
    await deliver(runtime, registered(old), time=at)  # an event from before time zones
    assert (await known(runtime, old)).time_zone == "UTC"

    await deliver(runtime, registered(new, time_zone="Asia/Shanghai"), time=at)
    verified = OrganizationVerified(organization_id=new, name="Suzhou College", kind="college", region="CN-JS")
    await deliver(runtime, verified, time=datetime(2026, 2, 2, tzinfo=UTC))  # carries none: the known one stays
    org = await known(runtime, new)
    assert (org.status, org.time_zone) == ("verified", "Asia/Shanghai")


async def test_an_event_without_a_time_is_stamped_by_the_runtime_clock(runtime: Runtime) -> None:
    org_id = uuid.uuid4()
    await deliver(runtime, registered(org_id), time=None)
    table = organizations.table
    async with runtime.engine.connect() as conn:
        updated_at = await conn.scalar(table.select().with_only_columns(table.c.updated_at).where(table.c.id == org_id))
    assert updated_at == CLOCK_AT
