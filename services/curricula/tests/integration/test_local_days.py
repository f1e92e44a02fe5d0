"""A version published without an effective date takes effect on the owning college's local date (ADR 0015):
at 17:30 UTC on 1 March a Shanghai college's today is already 2 March, a UTC college's is not. The college's time
zone comes from the organisations projection; the clock is the app's (a ``FixedClock`` here)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from curricula.main import SPEC
from dovetail_shared.clock import FixedClock
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.plugin import service_client
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Api, Orgs, add_org, version_of

AT = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Shanghai (UTC+8)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(AT)


@pytest.fixture
async def client(settings: ServiceSettings, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    async for c in service_client(SPEC, settings, clock):
        yield c


@pytest.fixture(params=[("Asia/Shanghai", "2026-03-02"), ("UTC", "2026-03-01")], ids=["shanghai", "utc"])
def college_zone(request: pytest.FixtureRequest) -> tuple[str, str]:
    """The college's time zone and its local date at ``AT``."""
    zone: tuple[str, str] = request.param
    return zone


@pytest.fixture
async def orgs(engine: AsyncEngine, college_zone: tuple[str, str]) -> Orgs:
    return Orgs(
        college=await add_org(engine, kind="college", status="verified", time_zone=college_zone[0]),
        other_college=await add_org(engine, kind="college", status="verified"),
        firm_a=await add_org(engine, kind="enterprise", status="verified"),
        firm_b=await add_org(engine, kind="enterprise", status="verified"),
        outsider=await add_org(engine, kind="enterprise", status="verified"),
        pending_firm=await add_org(engine, kind="enterprise", status="pending"),
        rejected_firm=await add_org(engine, kind="enterprise", status="rejected"),
        institute=await add_org(engine, kind="research_institute", status="verified"),
    )


async def test_publication_takes_effect_on_the_colleges_local_date(
    api: Api, college_zone: tuple[str, str], engine: AsyncEngine
) -> None:
    c = await api.published()

    v1 = version_of(c, 1)
    assert v1["effective_date"] == college_zone[1]
    assert v1["published_at"] == c["updated_at"] == "2026-03-01T17:30:00Z"
    outbox = SPEC.messaging.outbox
    async with engine.connect() as conn:
        occurred = await conn.scalar(
            sa.select(outbox.c.occurred_at).where(
                outbox.c.event_type == "dovetail.curricula.version.published.v1", outbox.c.subject == c["id"]
            )
        )
    assert occurred == AT


async def test_the_colleges_day_turns_at_its_own_midnight(
    api: Api, clock: FixedClock, college_zone: tuple[str, str]
) -> None:
    """Shanghai's 1 March ends at 16:00 UTC: a second earlier, both colleges are still on 1 March."""
    clock.at = datetime(2026, 3, 1, 15, 59, 59, tzinfo=UTC)
    c = await api.published()
    assert version_of(c, 1)["effective_date"] == "2026-03-01"

    clock.advance(timedelta(seconds=1))
    c = await api.step(c, "/draft", expect=201)
    c = await api.put_draft(c, [api.module("W1")])
    c = await api.step(c, "/draft/submit")
    c = await api.step(c, "/publish")
    expected = "2026-03-02" if college_zone[0] == "Asia/Shanghai" else "2026-03-01"
    assert version_of(c, 2)["effective_date"] == expected
    assert version_of(c, 1)["status"] == "retired"
