"""Postings, applications, placements, logbook and evaluations over the real app and database."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from dovetail_shared.runtime import Runtime
from dovetail_shared.settings import ServiceSettings
from internships import service
from internships.main import SPEC
from internships.tables import messaging
from internships.uow import InternshipsUnitOfWork
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import NOW, SKILL_A, SKILL_B, Api, add_learner, add_program

pytestmark = pytest.mark.integration


def rules_of(r: Any) -> list[tuple[str, str]]:
    return [(v["field"], v["rule"]) for v in r.json()["violations"]]


async def outbox(engine: AsyncEngine, event_type: str, key: str) -> list[dict[str, Any]]:
    t = messaging.outbox
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(t.c.payload).where(t.c.event_type == event_type, t.c.key == key))
        return [r.payload for r in rows]


async def test_a_learner_goes_from_application_to_a_completed_placement_with_its_evidence(api: Api) -> None:
    flow = await api.accepted()
    assert flow.placement is not None and flow.application is not None
    pid = flow.placement["id"]
    assert flow.application["status"] == "accepted" and flow.placement["status"] == "confirmed"

    # Nothing is signed or insured yet: activation names every missing piece.
    await api.supervised(flow)
    r = await api.client.post(f"/placements/{pid}/activate", headers=api.college_admin())
    api.problem(r, 422, "validation-failed")
    assert {rule for _f, rule in rules_of(r)} == {"agreement_unsigned", "insurance_required"}

    await api.ok("POST", f"/placements/{pid}/sign", flow.learner)
    r = await api.client.post(f"/placements/{pid}/sign", headers=flow.learner)
    api.problem(r, 409, rule="already_signed")
    await api.ok("POST", f"/placements/{pid}/sign", api.firm_admin())
    r = await api.client.post(f"/placements/{pid}/activate", headers=api.college_admin())
    assert ("agreement", "agreement_unsigned") in rules_of(r) and "college" in r.json()["detail"]
    await api.ok("POST", f"/placements/{pid}/sign", api.college_admin())
    short = {"policy_number": "P-1", "insurer": "PICC", "valid_from": "2026-11-01", "valid_to": "2026-12-31"}
    r = await api.client.post(f"/placements/{pid}/insurance", json=short, headers=api.college_admin())
    api.problem(r, 422, field="valid_to", rule="insurance_covers_placement")
    cover = short | {"valid_to": "2027-02-28"}
    await api.ok("POST", f"/placements/{pid}/insurance", api.college_admin(), cover)
    placement = await api.ok("POST", f"/placements/{pid}/activate", api.college_admin())
    assert placement["status"] == "active"

    # The rule set: a 9-hour day and a 23:00 entry are refused with their rule and limit.
    r = await api.entry(flow, 422, start_time="08:00", end_time="18:00", break_minutes=60)
    api.problem(r, 422, field="end_time", rule="daily_hours")
    assert "at most 8 hours a day" in r.json()["detail"]
    r = await api.entry(flow, 422, entry_date="2026-12-01", start_time="23:00", end_time="23:45", break_minutes=0)
    api.problem(r, 422, field="start_time", rule="night_work")
    assert "22:00" in r.json()["detail"]
    r = await api.entry(flow, 422, entry_date="2026-10-30")
    api.problem(r, 422, field="entry_date", rule="outside_placement")
    r = await api.entry(flow, 422, entry_date="2026-12-07")
    api.problem(r, 422, field="entry_date", rule="future_date")

    monday = (await api.entry(flow)).json()  # 09:00-17:00 less an hour: 7 h
    assert monday["hours"] == 7 and monday["status"] == "submitted"
    # Times come back as written, HH:MM, as documented (not "09:00:00", which no JSON Schema format describes).
    assert (monday["start_time"], monday["end_time"]) == ("09:00", "17:00")
    r = await api.entry(flow, 422, start_time="17:00", end_time="18:30", break_minutes=0)
    api.problem(r, 422, rule="daily_hours")  # 7 h logged + 1.5 h > 8 h
    tuesday = (await api.entry(flow, entry_date="2026-12-01", skills=[SKILL_A, SKILL_B])).json()

    # Only the mentor signs or returns; a signed entry is immutable.
    r = await api.client.post(f"/logbook-entries/{monday['id']}/sign", headers=api.firm_admin())
    assert r.status_code in (403, 404)
    assert flow.mentor is not None and flow.teacher is not None
    signed = await api.ok("POST", f"/logbook-entries/{monday['id']}/sign", flow.mentor)
    assert signed["status"] == "signed" and signed["signed_by"]
    r = await api.client.post(f"/logbook-entries/{monday['id']}/return", json={"comment": "redo"}, headers=flow.mentor)
    api.problem(r, 409, rule="entry_immutable")
    await api.ok("POST", f"/logbook-entries/{tuesday['id']}/sign", flow.mentor)
    wednesday = (await api.entry(flow, entry_date="2026-12-02")).json()
    returned = await api.ok(
        "POST", f"/logbook-entries/{wednesday['id']}/return", flow.mentor, {"comment": "Wrong cell number"}
    )
    assert returned["status"] == "returned"
    weeks = await api.ok("GET", f"/placements/{pid}/logbook/weeks", flow.teacher)
    assert weeks == [{"week_of": "2026-11-30", "signed_hours": 14.0, "pending_hours": 0.0}]

    # Completion needs both evaluations.
    r = await api.client.post(f"/placements/{pid}/complete", headers=flow.teacher)
    api.problem(r, 422, field="evaluations", rule="evaluations_required")
    scores = {"scores": [{"skill_id": SKILL_A, "score": 4}], "grade": "good", "comment": "Careful and punctual"}
    await api.ok("POST", f"/placements/{pid}/evaluations", flow.mentor, scores, 201)
    r = await api.client.post(f"/placements/{pid}/evaluations", json=scores, headers=flow.mentor)
    api.problem(r, 409, rule="already_evaluated")
    await api.ok("POST", f"/placements/{pid}/evaluations", flow.teacher, scores | {"grade": "excellent"}, 201)
    done = await api.ok("POST", f"/placements/{pid}/complete", flow.teacher)
    assert done["status"] == "completed" and done["completed_on"] == "2026-12-04"

    [completed] = await outbox(api.engine, "dovetail.internships.placement.completed.v1", pid)
    assert completed["signed_hours"] == 14.0
    assert {p["skill_id"]: p["signed_hours"] for p in completed["practised"]} == {SKILL_A: 14.0, SKILL_B: 7.0}
    assert sorted((e["evaluator_role"], e["grade"]) for e in completed["evaluations"]) == [
        ("mentor", "good"),
        ("teacher", "excellent"),
    ]
    assert completed["learner_ref"] == str(flow.ref)
    assert "Careful" not in str(completed)  # free text never travels


async def test_an_unverified_firm_cannot_post(api: Api) -> None:
    r = await api.client.post("/postings", json=api.posting_body(), headers=api.firm_admin(api.orgs.pending_firm))
    api.problem(r, 422, field="firm", rule="verified_firm_required")
    r = await api.client.post("/postings", json=api.posting_body(), headers=api.firm_admin(uuid.uuid4()))
    api.problem(r, 409, "not-known-yet")


async def test_opening_checks_the_stipend_floor_and_the_posts_intern_share(api: Api) -> None:
    low = await api.posting(open_=False, stipend="3199.99")
    r = await api.client.post(f"/postings/{low['id']}/open", headers=api.firm_admin())
    api.problem(r, 422, field="stipend", rule="stipend_floor")
    assert "80%" in r.json()["detail"] and "3200.00" in r.json()["detail"]
    crowded = await api.posting(open_=False, positions=5, post_staff=20)  # 20% of 20 is 4
    r = await api.client.post(f"/postings/{crowded['id']}/open", headers=api.firm_admin())
    api.problem(r, 422, field="positions", rule="post_staff_share")
    assert "at most 4 positions" in r.json()["detail"]
    r = await api.client.post(
        "/postings", json=api.posting_body(skills=[{"skill_id": "esco:nope", "level": 2}]), headers=api.firm_admin()
    )
    api.problem(r, 422, field="skills[0]", rule="unknown_skill")


async def test_applying_needs_the_learners_placement_consent(api: Api) -> None:
    posting = await api.posting()
    _sub, _ref, me = await api.learner(consent=False)
    r = await api.client.post(f"/postings/{posting['id']}/applications", json={}, headers=me)
    api.problem(r, 403, "forbidden", field="consent", rule="placement_consent_required")
    assert str(api.orgs.firm) in r.json()["detail"]

    # Consent to the other firm does not help; consent to a program the firm is a partner of does.
    sub = f"learner-{uuid.uuid4().hex[:6]}"
    await add_learner(api.engine, api.orgs.college, sub=sub, firms=[api.orgs.other_firm])
    r = await api.client.post(
        f"/postings/{posting['id']}/applications", json={}, headers=api.as_("learner", None, sub=sub)
    )
    api.problem(r, 403, rule="placement_consent_required")
    program = await add_program(api.engine, api.orgs.college, [api.orgs.firm])
    sub = f"learner-{uuid.uuid4().hex[:6]}"
    await add_learner(api.engine, api.orgs.college, sub=sub, program=program, program_consent=True)
    await api.ok("POST", f"/postings/{posting['id']}/applications", api.as_("learner", None, sub=sub), {}, 201)


async def test_a_reserved_posting_takes_only_its_programs_learners(api: Api) -> None:
    program = await add_program(api.engine, api.orgs.college, [api.orgs.firm])
    posting = await api.posting(program_id=str(program))
    _s, _r, outsider = await api.learner()
    r = await api.client.post(f"/postings/{posting['id']}/applications", json={}, headers=outsider)
    api.problem(r, 422, field="posting", rule="reserved_posting")
    _s, _r, insider = await api.learner(program=program)
    await api.ok("POST", f"/postings/{posting['id']}/applications", insider, {}, 201)


async def test_one_live_application_per_posting_and_accepting_withdraws_the_others(api: Api) -> None:
    first, second = await api.posting(), await api.posting()
    flow = await api.applied(first)
    r = await api.client.post(f"/postings/{first['id']}/applications", json={}, headers=flow.learner)
    api.problem(r, 409, rule="already_applied")
    other = await api.ok("POST", f"/postings/{second['id']}/applications", flow.learner, {}, 201)
    assert flow.application is not None
    await api.ok("POST", f"/applications/{flow.application['id']}/offer", api.firm_admin())
    await api.ok("POST", f"/applications/{flow.application['id']}/accept", flow.learner)
    withdrawn = await api.ok("GET", f"/applications/{other['id']}", flow.learner)
    assert withdrawn["status"] == "withdrawn" and withdrawn["superseded"] is True
    [event] = await outbox(api.engine, "dovetail.internships.application.withdrawn.v1", other["id"])
    assert event["superseded"] is True
    # A withdrawn application does not block a new one.
    await api.ok("POST", f"/postings/{second['id']}/applications", flow.learner, {}, 201)


async def test_the_posting_fills_when_accepted_placements_reach_its_positions(api: Api) -> None:
    posting = await api.posting(positions=1)
    waiting = await api.applied(posting)
    await api.accepted(posting)
    filled = await api.ok("GET", f"/postings/{posting['id']}", api.firm_admin())
    assert filled["status"] == "filled" and filled["placed"] == 1
    assert await outbox(api.engine, "dovetail.internships.posting.filled.v1", posting["id"])
    assert waiting.application is not None
    await api.ok("POST", f"/applications/{waiting.application['id']}/offer", api.firm_admin())
    r = await api.client.post(f"/applications/{waiting.application['id']}/accept", headers=waiting.learner)
    api.problem(r, 422, rule="posting_not_open")


async def test_the_firms_intern_share_is_checked_when_an_offer_is_accepted(api: Api) -> None:
    posting = await api.posting(positions=2, firm_staff=10, post_staff=10)  # 10% of 10: one intern at a time
    await api.accepted(posting)
    flow = await api.applied(posting)
    assert flow.application is not None
    await api.ok("POST", f"/applications/{flow.application['id']}/offer", api.firm_admin())
    r = await api.client.post(f"/applications/{flow.application['id']}/accept", headers=flow.learner)
    api.problem(r, 422, field="firm_staff", rule="firm_staff_share")
    assert "at most 1" in r.json()["detail"]


async def test_under_16_on_the_start_date_cannot_apply(api: Api) -> None:
    posting = await api.posting()
    _s, _r, me = await api.learner(turns_16_on=date(2026, 11, 10), turns_18_on=date(2028, 11, 10))
    r = await api.client.post(f"/postings/{posting['id']}/applications", json={}, headers=me)
    api.problem(r, 422, field="learner", rule="min_placement_age")
    assert "under 16" in r.json()["detail"]


async def test_a_rejected_firm_has_its_postings_closed(api: Api, settings: ServiceSettings) -> None:
    open_, draft = await api.posting(), await api.posting(open_=False)
    runtime = Runtime(SPEC, settings)
    try:
        async with runtime.uow() as uow:
            assert isinstance(uow, InternshipsUnitOfWork)
            closed = await service.close_postings_of_rejected_firm(uow, api.orgs.firm, now=NOW)
            await uow.commit()
    finally:
        await runtime.close()
    assert {p.id for p in closed} >= {uuid.UUID(open_["id"]), uuid.UUID(draft["id"])}
    for posting in (open_, draft):
        got = await api.ok("GET", f"/postings/{posting['id']}", api.firm_admin())
        assert got["status"] == "closed" and got["closed_reason"] == "firm_rejected"


async def test_terminating_needs_a_reason_code(api: Api) -> None:
    flow = await api.active()
    assert flow.placement is not None
    pid = flow.placement["id"]
    r = await api.client.post(f"/placements/{pid}/terminate", json={"reason": "bored"}, headers=api.firm_admin())
    api.problem(r, 422, field="reason")
    done = await api.ok("POST", f"/placements/{pid}/terminate", api.firm_admin(), {"reason": "firm_request"})
    assert done["status"] == "terminated" and done["termination_reason"] == "firm_request"
    r = await api.entry(flow, 422)
    api.problem(r, 422, rule="placement_not_active")


async def test_the_rule_set_is_published(api: Api) -> None:
    body = await api.ok("GET", "/rule-set", api.firm_admin())
    assert body["name"] == "cn-2021"
    params = body["parameters"]
    assert params["daily_hours_max"] == 8 and params["weekly_hours_max"] == 40
    assert params["night_start"] == "22:00" and "2026-10-01" in params["holidays"]


async def test_the_firm_sees_learners_ratings_only_as_an_aggregate_of_three(api: Api) -> None:
    flows = [await api.active() for _ in range(3)]
    for flow, score in zip(flows, (5, 4, 2), strict=True):
        assert flow.placement is not None
        rating = await api.ok(
            "POST", f"/placements/{flow.placement['id']}/rating", flow.learner, {"score": score, "comment": "ok"}, 201
        )
        assert rating["score"] == score
        if score != 2:
            summary = await api.ok("GET", f"/firms/{api.orgs.firm}/rating", api.firm_admin())
            assert summary["count"] is None and summary["mean_score"] is None
    assert flows[0].placement is not None
    r = await api.client.post(
        f"/placements/{flows[0].placement['id']}/rating", json={"score": 1}, headers=flows[0].learner
    )
    api.problem(r, 409, rule="already_rated")
    summary = await api.ok("GET", f"/firms/{api.orgs.firm}/rating", api.firm_admin())
    assert summary == {"firm_id": str(api.orgs.firm), "count": 3, "mean_score": 3.67}


async def test_two_racing_entries_of_one_day_cannot_both_pass_the_daily_limit(api: Api) -> None:
    flow = await api.active()
    assert flow.placement is not None
    url = f"/placements/{flow.placement['id']}/logbook"
    halves = [{"start_time": "08:00", "end_time": "13:00"}, {"start_time": "13:00", "end_time": "18:00"}]
    for day in ("2026-12-01", "2026-12-02", "2026-12-03"):
        base = {"entry_date": day, "break_minutes": 0, "tasks": "Half of a day", "skills": []}
        results = await asyncio.gather(*(api.client.post(url, json=base | h, headers=flow.learner) for h in halves))
        assert sorted(r.status_code for r in results) == [201, 422], [r.text for r in results]
