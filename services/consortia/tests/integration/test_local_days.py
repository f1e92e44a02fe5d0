"""Days are the organisation's own (ADR 0015): with the app's clock fixed at 17:30 UTC on 1 March, it is already
2 March in Shanghai. A Shanghai-led consortium's dates and a Shanghai member's ledger lines fall on 2 March; a
UTC organisation's on 1 March. Timestamps and event times are the clock's instant."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from consortia.main import SPEC
from dovetail_shared.clock import FixedClock
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.plugin import service_client
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Api, Org

AT = datetime(2026, 3, 1, 17, 30, tzinfo=UTC)  # 01:30 on 2 March in Shanghai (UTC+8)
UTC_DAY, SHANGHAI_DAY = "2026-03-01", "2026-03-02"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(AT)


@pytest.fixture
async def client(settings: ServiceSettings, clock: FixedClock) -> AsyncIterator[httpx.AsyncClient]:
    """The real app with the clock above: what its ``Now`` hands every use case."""
    async for c in service_client(SPEC, settings, clock):
        yield c


async def org_in(api: Api, kind: str, time_zone: str | None) -> Org:
    overrides = {} if time_zone is None else {"time_zone": time_zone}
    body = await api.register(kind, **overrides)
    await api.verify(body)
    org_id = uuid.UUID(body["id"])
    return Org(id=org_id, kind=kind, admin=api.as_("college_admin" if kind == "college" else "firm_admin", org=org_id))


def joined_on(c: dict[str, Any], org: Org) -> str:
    [m] = [m for m in c["memberships"] if m["organization_id"] == str(org.id)]
    on: str = m["joined_on"]
    return on


async def test_time_zone_defaults_to_utc_and_must_be_an_iana_name(api: Api) -> None:
    body = await api.register("college")
    assert body["time_zone"] == "UTC"
    assert (await api.register("college", time_zone="Asia/Shanghai"))["time_zone"] == "Asia/Shanghai"

    for bad in ("+08:00", "CST-8", "asia/shanghai", "Mars/Olympus_Mons", "../../etc/passwd", ""):
        body = api.org_body("college", time_zone=bad)
        r = await api.client.post("/organizations", json=body, headers=api.as_("learner"))
        api.problem(r, 422, "validation-failed", field="time_zone", rule="iana_time_zone")


async def test_a_shanghai_led_consortium_keeps_shanghai_days(api: Api) -> None:
    shanghai = await org_in(api, "college", "Asia/Shanghai")
    london = await org_in(api, "college", "Europe/London")
    firm = await org_in(api, "enterprise", None)

    c = await api.form(shanghai)
    assert joined_on(c, shanghai) == SHANGHAI_DAY
    assert c["created_at"] == c["updated_at"] == "2026-03-01T17:30:00Z"
    other = await api.form(london)
    assert joined_on(other, london) == UTC_DAY  # London is on UTC in March

    # The consortium's own dates follow its lead's calendar, whoever the member is.
    c = await api.admit(c, shanghai, firm)
    assert (c["status"], c["activated_on"], joined_on(c, firm)) == ("active", SHANGHAI_DAY, SHANGHAI_DAY)

    r = await api.client.post(f"/consortia/{c['id']}/dissolve", headers=shanghai.admin_if(c["version"]))
    assert r.status_code == 200, r.text
    assert r.json()["dissolved_on"] == SHANGHAI_DAY


async def test_a_ledger_line_may_be_dated_today_in_its_members_time_zone(api: Api, engine: AsyncEngine) -> None:
    lead = await org_in(api, "college", None)
    shanghai_firm = await org_in(api, "enterprise", "Asia/Shanghai")
    utc_firm = await org_in(api, "enterprise", "UTC")
    c = await api.form(lead)
    c = await api.admit(c, lead, shanghai_firm)
    c = await api.admit(c, lead, utc_firm)
    line = {"kind": "mentor_hours", "quantity": "8", "unit": "hours", "valuation": "800.00"}
    url = f"/consortia/{c['id']}/contributions"

    # 2 March is today in Shanghai, whoever records the line (the member, or the lead on its behalf).
    r = await api.client.post(url, json={**line, "contributed_on": SHANGHAI_DAY}, headers=shanghai_firm.admin)
    assert r.status_code == 201, r.text
    assert (r.json()["contributed_on"], r.json()["created_at"]) == (SHANGHAI_DAY, "2026-03-01T17:30:00Z")
    body = {**line, "contributed_on": SHANGHAI_DAY, "organization_id": str(shanghai_firm.id)}
    r = await api.client.post(url, json=body, headers=lead.admin)
    assert r.status_code == 201, r.text

    # ... and still the future for a member on UTC.
    r = await api.client.post(url, json={**line, "contributed_on": SHANGHAI_DAY}, headers=utc_firm.admin)
    api.problem(r, 422, "validation-failed", field="contributed_on", rule="contributed_on_not_future")
    r = await api.client.post(url, json={**line, "contributed_on": UTC_DAY}, headers=utc_firm.admin)
    assert r.status_code == 201, r.text

    # The events carry the clock's instant too (ce_time comes from the outbox row).
    outbox = SPEC.messaging.outbox
    async with engine.connect() as conn:
        times = set(
            (
                await conn.execute(
                    sa.select(outbox.c.occurred_at).where(
                        outbox.c.event_type == "dovetail.consortia.contribution.recorded.v1",
                        outbox.c.subject == c["id"],
                    )
                )
            ).scalars()
        )
    assert times == {AT}
