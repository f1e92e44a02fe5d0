"""Demands over the real app: posting (with occupation defaults), refusals as problems, cancel, lists, expiry."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from dovetail_shared.clock import FixedClock
from dovetail_shared.runtime import Runtime
from dovetail_shared.settings import ServiceSettings
from talent_pipelines.main import SPEC
from talent_pipelines.messaging.jobs import EXPIRY
from talent_pipelines.tables import messaging
from talent_pipelines.taxonomy import graph

from .conftest import OCCUPATION, Api

pytestmark = pytest.mark.integration


async def outbox_types(api: Api, subject: str) -> list[str]:
    t = messaging.outbox
    async with api.engine.connect() as conn:
        rows = await conn.execute(sa.select(t.c.event_type).where(t.c.subject == subject).order_by(t.c.id))
        return [r[0] for r in rows]


async def test_a_verified_firm_posts_a_demand_and_the_posting_is_an_event(api: Api) -> None:
    d = await api.demand()
    assert d["status"] == "open" and d["firm_id"] == str(api.orgs.firm) and len(d["skills"]) == 4
    assert await outbox_types(api, d["id"]) == ["dovetail.talent-pipelines.demand.posted.v1"]
    r = await api.client.get(f"/demands/{d['id']}", headers=api.firm())
    assert r.status_code == 200 and r.headers["ETag"] == '"1"'


async def test_only_the_occupation_defaults_its_essential_and_optional_skills(api: Api) -> None:
    d = await api.demand(skills=[], occupation_id=OCCUPATION)
    g = graph()
    essential = [s["skill_id"] for s in d["skills"] if s["weight"] == 10]
    assert essential == g.essential[OCCUPATION]
    assert {s["skill_id"] for s in d["skills"] if s["weight"] == 3} <= set(g.optional.get(OCCUPATION, []))


async def test_bad_input_is_a_problem_naming_field_and_rule(api: Api) -> None:
    body = api.demand_body(skills=[{"skill_id": "esco:invented", "weight": 5, "min_level": 2}])
    r = await api.client.post("/demands", json=body, headers=api.firm())
    api.problem(r, 422, field="skills[0].skill_id", rule="known_skill")
    r = await api.client.post("/demands", json=api.demand_body(skills=[]), headers=api.firm())
    api.problem(r, 422, field="skills", rule="skills_or_occupation")
    r = await api.client.post("/demands", json=api.demand_body(needed_by="2020-01-01"), headers=api.firm())
    api.problem(r, 422, field="needed_by", rule="date_order")
    r = await api.client.post("/demands", json=api.demand_body(headcount=0), headers=api.firm())
    api.problem(r, 422, field="headcount")


async def test_unverified_unknown_and_non_firm_callers_are_refused(api: Api) -> None:
    r = await api.client.post("/demands", json=api.demand_body(), headers=api.firm(api.orgs.pending_firm))
    api.problem(r, 422, field="firm_id", rule="verified_firm_required")
    r = await api.client.post("/demands", json=api.demand_body(), headers=api.firm(uuid.uuid4()))
    api.problem(r, 409, field="firm_id", rule="organization_not_known_yet")
    r = await api.client.post("/demands", json=api.demand_body(), headers=api.as_("college_admin", api.orgs.college))
    api.problem(r, 403)


async def test_cancel_by_the_firm_admin_with_if_match(api: Api) -> None:
    d = await api.demand()
    r = await api.client.post(f"/demands/{d['id']}/cancel", headers=api.as_("firm_admin", api.orgs.firm, if_match=7))
    api.problem(r, 409)
    r = await api.client.post(f"/demands/{d['id']}/cancel", headers=api.as_("recruiter", api.orgs.firm))
    api.problem(r, 403)
    r = await api.client.post(f"/demands/{d['id']}/cancel", headers=api.firm())
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = await api.client.post(f"/demands/{d['id']}/cancel", headers=api.firm())
    api.problem(r, 409)


async def test_the_firm_admin_edits_an_open_demand_under_the_rules_of_posting(api: Api) -> None:
    d = await api.demand()
    url = f"/demands/{d['id']}"
    r = await api.client.patch(url, json={"headcount": 3}, headers=api.as_("firm_admin", api.orgs.firm, if_match=7))
    api.problem(r, 409)
    r = await api.client.patch(url, json={"headcount": 3}, headers=api.as_("recruiter", api.orgs.firm))
    api.problem(r, 403)
    body = {"role_title": "Senior technician", "headcount": 3, "region": None, "needed_by": "2030-01-31"}
    r = await api.client.patch(url, json=body, headers=api.as_("firm_admin", api.orgs.firm, if_match=1))
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["role_title"], got["headcount"], got["region"], got["needed_by"]) == (
        "Senior technician",
        3,
        None,
        "2030-01-31",
    )
    assert got["skills"] == d["skills"] and r.headers["ETag"] == '"2"'
    types = await outbox_types(api, d["id"])
    # The edit may move its top (fit factors changed): at most a matches.changed besides the update.
    assert types[:2] == ["dovetail.talent-pipelines.demand.posted.v1", "dovetail.talent-pipelines.demand.updated.v1"]
    assert set(types[2:]) <= {"dovetail.talent-pipelines.matches.changed.v1"}
    # The rules of posting, as problems naming field and rule; nothing changes.
    r = await api.client.patch(url, json={"needed_by": "2020-01-01"}, headers=api.firm())
    api.problem(r, 422, field="needed_by", rule="date_order")
    r = await api.client.patch(url, json={"skills": [{"skill_id": "esco:invented"}]}, headers=api.firm())
    api.problem(r, 422, field="skills[0].skill_id", rule="known_skill")
    r = await api.client.patch(url, json={"skills": []}, headers=api.firm())
    api.problem(r, 422, field="skills", rule="skills_or_occupation")
    r = await api.client.patch(url, json={"headcount": 0}, headers=api.firm())
    api.problem(r, 422, field="headcount")
    # The same values again: no event.
    r = await api.client.patch(url, json={"headcount": 3}, headers=api.firm())
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'
    assert await outbox_types(api, d["id"]) == types
    # Only an open demand is edited.
    assert (await api.client.post(f"{url}/cancel", headers=api.firm())).status_code == 200
    r = await api.client.patch(url, json={"headcount": 4}, headers=api.firm())
    api.problem(r, 409)


async def test_lists_show_a_firm_its_own_demands_only(api: Api) -> None:
    mine, theirs = await api.demand(), await api.demand(api.orgs.other_firm)
    r = await api.client.get("/demands", params={"limit": 200}, headers=api.firm())
    ids = {x["id"] for x in r.json()["items"]}
    assert mine["id"] in ids and theirs["id"] not in ids
    r = await api.client.get(f"/demands/{theirs['id']}", headers=api.firm())
    api.problem(r, 404)


async def test_the_expiry_job_expires_open_demands_after_their_needed_by_day(
    api: Api, settings: ServiceSettings
) -> None:
    d = await api.demand(needed_by="2029-01-10")
    keep = await api.demand(needed_by="2029-01-12")
    clock = FixedClock(datetime(2029, 1, 10, 23, 0, tzinfo=UTC))
    runtime = Runtime(SPEC, settings, clock=clock)
    try:
        await runtime.run_job_once(EXPIRY)
        r = await api.client.get(f"/demands/{d['id']}", headers=api.firm())
        assert r.json()["status"] == "open"  # the needed-by day itself is still in time
        clock.advance(timedelta(hours=2))
        assert await runtime.run_job_once(EXPIRY) >= 1
        assert await runtime.run_job_once(EXPIRY) == 0  # a second pass finds nothing left to expire
    finally:
        await runtime.close()
    r = await api.client.get(f"/demands/{d['id']}", headers=api.firm())
    assert r.json()["status"] == "expired"
    assert "dovetail.talent-pipelines.demand.expired.v1" in await outbox_types(api, d["id"])
    r = await api.client.get(f"/demands/{keep['id']}", headers=api.firm())
    assert r.json()["status"] == "open"
