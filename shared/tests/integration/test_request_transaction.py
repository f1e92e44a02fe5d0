"""The request owns the transaction: it commits before the response is sent and rolls back on any error."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from dovetail_shared.errors import Conflict
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.http.app import create_service_app
from dovetail_shared.http.deps import UoW
from dovetail_shared.runtime import ServiceSpec
from dovetail_shared.testing.probe import Probe, ProbeHappened, effects, messaging
from fastapi import APIRouter

router = APIRouter()


async def _write(uow: UoW, seq: int) -> DomainEvent:
    await uow.session.execute(sa.insert(effects).values(event_id=uuid.uuid4(), seq=seq))
    event = DomainEvent(payload=ProbeHappened(seq=seq), subject=uuid.uuid4(), time=datetime.now(UTC))
    uow.emit(event)
    return event


@router.post("/things/{seq}", status_code=201)
async def create_thing(seq: int, uow: UoW) -> dict[str, int]:
    """Writes a row and an event and returns: no commit here, the boundary does it."""
    await _write(uow, seq)
    return {"seq": seq}


@router.post("/things/{seq}/then-refuse")
async def write_then_refuse(seq: int, uow: UoW) -> dict[str, int]:
    await _write(uow, seq)
    raise Conflict("refused after writing")


@router.post("/things/{seq}/then-crash")
async def write_then_crash(seq: int, uow: UoW) -> dict[str, int]:
    await _write(uow, seq)
    raise RuntimeError("a bug after writing")


@router.post("/things/{seq}/commit-fails", status_code=201)
async def commit_fails(seq: int, uow: UoW) -> dict[str, int]:
    """The same event twice: the outbox's unique event id refuses it only when the boundary commits."""
    event = await _write(uow, seq)
    uow.emit(event)
    return {"seq": seq}


@pytest.fixture
async def client(probe: Probe) -> AsyncIterator[httpx.AsyncClient]:
    spec = ServiceSpec(name="probe", settings_factory=lambda: probe.settings, messaging=messaging, routers=[router])
    app = create_service_app(spec, probe.settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            yield c


async def _counts(probe: Probe, seq: int) -> tuple[int, int]:
    rows = await probe.scalar(sa.select(sa.func.count()).select_from(effects).where(effects.c.seq == seq))
    events = await probe.scalar(
        sa.select(sa.func.count())
        .select_from(messaging.outbox)
        .where(messaging.outbox.c.payload["seq"].as_integer() == seq)
    )
    return int(rows), int(events)


async def test_a_route_without_an_explicit_commit_persists_its_row_and_event(
    client: httpx.AsyncClient, probe: Probe
) -> None:
    r = await client.post("/things/1")
    assert r.status_code == 201
    assert await _counts(probe, 1) == (1, 1)


@pytest.mark.parametrize(("path", "status"), [("then-refuse", 409), ("then-crash", 500)])
async def test_a_route_that_raises_after_writing_leaves_no_row_and_no_event(
    client: httpx.AsyncClient, probe: Probe, path: str, status: int
) -> None:
    r = await client.post(f"/things/2/{path}")
    assert r.status_code == status
    assert r.headers["content-type"] == "application/problem+json"
    assert await _counts(probe, 2) == (0, 0)


async def test_a_commit_that_fails_is_answered_as_an_error_not_as_success(
    client: httpx.AsyncClient, probe: Probe
) -> None:
    r = await client.post("/things/3/commit-fails")
    assert r.status_code == 409, r.text
    assert r.json()["type"].endswith("/conflict")
    assert await _counts(probe, 3) == (0, 0)
