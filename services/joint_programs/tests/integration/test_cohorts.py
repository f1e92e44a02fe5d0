"""Cohorts and enrolment over the real app and database: the lifecycle, and the seat limit under concurrency."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import sqlalchemy as sa
from joint_programs.tables import cohorts_table, enrolments_table
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Api

pytestmark = pytest.mark.integration

PARALLEL = 24
SEATS = 5


async def test_cohort_lifecycle_and_enrolment(api: Api) -> None:
    program = await api.propose()
    cohort = await api.cohort(program, open_=False)
    assert cohort["status"] == "planned" and cohort["enrolled_count"] == 0
    r = await api.client.post(f"/cohorts/{cohort['id']}/open", headers=api.college_admin())
    api.problem(r, 422, field="program", rule="program_not_ready")
    for firm in program["partner_ids"]:
        await api.step(f"/programs/{program['id']}/approve", api.as_("firm_admin", __import__("uuid").UUID(firm)))
    opened = await api.step(f"/cohorts/{cohort['id']}/open")
    r = await api.client.post(f"/cohorts/{cohort['id']}/start", headers=api.college_admin())
    api.problem(r, 422, rule="program_not_running")
    learner = await api.learner()
    enrolment = await api.enrol(opened, learner)
    assert enrolment["status"] == "enrolled" and enrolment["learner_ref"] == learner["ref"]
    r = await api.client.post(
        f"/cohorts/{cohort['id']}/enrolments", json={"learner_id": learner["id"]}, headers=api.college_admin()
    )
    api.problem(r, 409, field="learner_id", rule="already_enrolled")
    await api.step(f"/programs/{program['id']}/launch")
    assert (await api.step(f"/cohorts/{cohort['id']}/start"))["status"] == "running"
    graduated = await api.step(f"/enrolments/{enrolment['id']}/graduate")
    assert graduated["status"] == "graduated" and graduated["ended_on"]
    assert (await api.step(f"/cohorts/{cohort['id']}/graduate"))["status"] == "graduated"
    r = await api.client.get(f"/cohorts/{cohort['id']}", headers=api.college_admin())
    assert r.json()["enrolled_count"] == 1


async def test_bad_cohort_input_is_named(api: Api) -> None:
    program = await api.propose()
    body = {"intake_term": "autumn", "seat_limit": 41, "start_date": "2026-09-01", "graduation_date": "2026-08-01"}
    r = await api.client.post(f"/programs/{program['id']}/cohorts", json=body, headers=api.college_admin())
    problem = api.problem(r, 422)
    rules = {(v["field"], v["rule"]) for v in problem["violations"]}
    assert {
        ("intake_term", "pattern"),
        ("seat_limit", "seat_limit_over_capacity"),
        ("graduation_date", "date_order"),
    } <= rules


async def test_a_learner_of_another_college_cannot_be_enrolled(api: Api) -> None:
    program = await api.approved()
    cohort = await api.cohort(program)
    r = await api.client.post(
        "/learners",
        json={"name": "Zhang San", "student_number": "X1", "date_of_birth": "2006-01-01"},
        headers=api.as_("college_admin", api.orgs.other_college),
    )
    assert r.status_code == 201, r.text
    r = await api.client.post(
        f"/cohorts/{cohort['id']}/enrolments", json={"learner_id": r.json()["id"]}, headers=api.college_admin()
    )
    api.problem(r, 422, field="learner_id", rule="other_college")


async def test_withdrawal_frees_the_seat(api: Api) -> None:
    program = await api.approved()
    cohort = await api.cohort(program, seats=1)
    first, second = await api.learner(), await api.learner()
    enrolment = await api.enrol(cohort, first)
    r = await api.client.post(
        f"/cohorts/{cohort['id']}/enrolments", json={"learner_id": second["id"]}, headers=api.college_admin()
    )
    api.problem(r, 409, field="cohort", rule="seats_full")
    assert (await api.step(f"/enrolments/{enrolment['id']}/withdraw"))["status"] == "withdrawn"
    await api.enrol(cohort, second)


async def test_the_seat_limit_holds_under_parallel_enrolment(api: Api, engine: AsyncEngine) -> None:
    """Many requests race for the last seats: exactly the limit succeed, every other one is a clear 409."""
    program = await api.approved()
    cohort = await api.cohort(program, seats=SEATS + 2)
    for _ in range(2):  # two seats already taken: the race is for the last five
        await api.enrol(cohort, await api.learner())
    learners = [await api.learner() for _ in range(PARALLEL)]

    async def one(learner: dict[str, str]) -> httpx.Response:
        return await api.client.post(
            f"/cohorts/{cohort['id']}/enrolments", json={"learner_id": learner["id"]}, headers=api.college_admin()
        )

    responses = await asyncio.gather(*(one(learner) for learner in learners))
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) == SEATS, statuses
    assert statuses.count(409) == PARALLEL - SEATS, statuses
    for r in responses:
        if r.status_code == 409:
            api.problem(r, 409, "conflict", field="cohort", rule="seats_full")
    async with engine.connect() as conn:
        count = await conn.scalar(sa.select(cohorts_table.c.enrolled_count).where(cohorts_table.c.id == cohort["id"]))
        rows = await conn.scalar(
            sa.select(sa.func.count()).select_from(enrolments_table).where(enrolments_table.c.cohort_id == cohort["id"])
        )
    assert count == rows == SEATS + 2
