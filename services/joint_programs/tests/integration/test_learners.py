"""The roster, consent and erasure over the real app and database: firms see learners only under consent,
withdrawal takes effect at once, no personal data is in any event, and erasure leaves none in any table."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from dovetail_shared.principal import Principal, Role
from joint_programs.domain import Consent, ConsentPurpose, Learner
from joint_programs.domain.policy import firm_may_see
from joint_programs.repository import ConsentRepository, LearnerRepository, ProgramRepository
from joint_programs.tables import SCHEMA, consents_table, learners_table, messaging
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from .conftest import Api, Json

pytestmark = pytest.mark.integration


async def enrolled_with_account(api: Api) -> tuple[Json, Json, Json, str]:
    """A program (partners firm_a, firm_b), an open cohort, and an enrolled learner who has an account."""
    program = await api.approved()
    cohort = await api.cohort(program)
    sub = f"learner-{uuid.uuid4().hex[:8]}"
    learner = await api.learner(sub=sub)
    await api.enrol(cohort, learner)
    return program, cohort, learner, sub


async def test_roster_student_numbers_are_unique_per_college(api: Api) -> None:
    learner = await api.learner()
    r = await api.client.post(
        "/learners",
        json={"name": "Other", "student_number": learner["student_number"], "date_of_birth": "2006-01-01"},
        headers=api.college_admin(),
    )
    api.problem(r, 409, field="student_number", rule="unique")
    r = await api.client.post(
        "/learners",
        json={"name": "Other", "student_number": learner["student_number"], "date_of_birth": "2006-01-01"},
        headers=api.as_("college_admin", api.orgs.other_college),
    )
    assert r.status_code == 201, r.text
    r = await api.client.post(
        "/learners",
        json={"name": "Future", "student_number": "F1", "date_of_birth": "2999-01-01"},
        headers=api.college_admin(),
    )
    api.problem(r, 422, field="date_of_birth", rule="range")


async def test_a_learner_sees_their_record_and_manages_consent(api: Api) -> None:
    program, _cohort, learner, sub = await enrolled_with_account(api)
    me = api.as_("learner", api.orgs.college, sub=sub)
    r = await api.client.get("/me", headers=me)
    assert r.status_code == 200 and r.json()["id"] == learner["id"]
    other = api.as_("learner", api.orgs.college, sub="someone-else")
    api.problem(await api.client.get(f"/learners/{learner['id']}", headers=other), 404)
    body = {"purpose": "matching", "firm_id": str(api.orgs.outsider)}
    r = await api.client.post(f"/learners/{learner['id']}/consents", json=body, headers=other)
    api.problem(r, 404)
    r = await api.client.post(f"/learners/{learner['id']}/consents", json=body, headers=api.college_admin())
    api.problem(r, 403)
    r = await api.client.post(f"/learners/{learner['id']}/consents", json=body, headers=me)
    assert r.status_code == 201, r.text
    r = await api.client.post(
        f"/learners/{learner['id']}/consents",
        json={"purpose": "placement", "program_id": str(uuid.uuid4())},
        headers=me,
    )
    api.problem(r, 422, field="program_id", rule="consent_scope")
    r = await api.client.post(
        f"/learners/{learner['id']}/consents",
        json={"purpose": "placement", "firm_id": str(api.orgs.firm_a), "program_id": program["id"]},
        headers=me,
    )
    api.problem(r, 422, rule="consent_scope")


async def test_firms_see_learners_only_under_consent_and_withdrawal_is_immediate(api: Api, engine: AsyncEngine) -> None:
    program, _cohort, learner, sub = await enrolled_with_account(api)
    me = api.as_("learner", api.orgs.college, sub=sub)
    o = api.orgs

    async def seen_by(firm: uuid.UUID) -> set[str]:
        r = await api.client.get("/profiles", headers=api.as_("recruiter", firm))
        assert r.status_code == 200, r.text
        return {p["ref"] for p in r.json()["items"]}

    assert learner["ref"] not in await seen_by(o.firm_a)
    api.problem(await api.client.get(f"/profiles/{learner['ref']}", headers=api.firm_admin(o.firm_a)), 404)
    # Every partner of the program, for placement.
    r = await api.client.post(
        f"/learners/{learner['id']}/consents", json={"purpose": "placement", "program_id": program["id"]}, headers=me
    )
    assert r.status_code == 201, r.text
    consent = r.json()
    assert learner["ref"] in await seen_by(o.firm_a) and learner["ref"] in await seen_by(o.firm_b)
    assert learner["ref"] not in await seen_by(o.outsider)
    r = await api.client.get(f"/profiles/{learner['ref']}", headers=api.firm_admin(o.firm_b))
    profile = r.json()
    assert profile["name"] == learner["name"] and profile["purposes"] == ["placement"]
    assert "student_number" not in profile and "date_of_birth" not in profile and "id" not in profile
    # A firm never reads the roster or the record, consent or not.
    api.problem(await api.client.get(f"/learners/{learner['id']}", headers=api.firm_admin(o.firm_a)), 404)
    api.problem(await api.client.get("/learners", headers=api.firm_admin(o.firm_a)), 403)
    r = await api.client.post(f"/consents/{consent['id']}/withdraw", headers=me)
    assert r.status_code == 200 and r.json()["withdrawn_at"]
    assert learner["ref"] not in await seen_by(o.firm_a)
    api.problem(await api.client.get(f"/profiles/{learner['ref']}", headers=api.firm_admin(o.firm_a)), 404)
    # No event carries the learner's personal data, and none is keyed by the roster row's id.
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.select(messaging.outbox).where(messaging.outbox.c.payload.contains({"learner_ref": learner["ref"]}))
            )
        ).all()
    assert {r.event_type.split(".")[3] for r in rows} >= {"registered", "enrolled", "given", "withdrawn"}
    for row in rows:
        text = str(row.payload) + str(row.headers) + row.key + (row.subject or "")
        assert row.key == learner["ref"]
        for personal in (
            learner["name"],
            learner["name_zh"],
            learner["student_number"],
            learner["contact"],
            learner["id"],
        ):
            assert personal not in text, (row.event_type, personal)


async def _text_columns(conn: Any) -> list[tuple[str, str]]:
    rows = await conn.execute(
        sa.text(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = :s "
            "AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'USER-DEFINED')"
        ),
        {"s": SCHEMA},
    )
    return [(t, c) for t, c in rows.all()]


async def _holders(engine: AsyncEngine, needle: str) -> list[str]:
    """Every (table, column) of the schema whose text holds ``needle``: a scan, not a list of known columns."""
    found = []
    async with engine.connect() as conn:
        for table, column in await _text_columns(conn):
            hit = await conn.scalar(
                sa.text(f'SELECT count(*) FROM "{SCHEMA}"."{table}" WHERE strpos("{column}"::text, :n) > 0'),
                {"n": needle},
            )
            if hit:
                found.append(f"{table}.{column}")
    return found


async def test_erasure_leaves_no_personal_data_in_any_table(api: Api, engine: AsyncEngine) -> None:
    program, cohort, learner, sub = await enrolled_with_account(api)
    me = api.as_("learner", api.orgs.college, sub=sub)
    r = await api.client.post(
        f"/learners/{learner['id']}/consents", json={"purpose": "matching", "program_id": program["id"]}, headers=me
    )
    assert r.status_code == 201
    personal = [learner["name"], learner["name_zh"], learner["student_number"], learner["contact"], sub]
    assert "learners.name" in await _holders(engine, learner["name"])  # the scan finds what is there
    api.problem(
        await api.client.delete(f"/learners/{learner['id']}", headers=api.as_("teacher", api.orgs.college)), 403
    )
    r = await api.client.delete(f"/learners/{learner['id']}", headers=api.college_admin())
    assert r.status_code == 200, r.text
    erased = r.json()
    assert erased["erased_at"] and erased["name"] is None and erased["ref"] == learner["ref"]
    for value in personal:
        assert await _holders(engine, value) == [], value
    async with engine.connect() as conn:
        dob = await conn.scalar(sa.select(learners_table.c.date_of_birth).where(learners_table.c.id == learner["id"]))
        consents = await conn.scalar(
            sa.select(sa.func.count()).select_from(consents_table).where(consents_table.c.learner_id == learner["id"])
        )
        erased_events = await conn.scalar(
            sa.select(sa.func.count())
            .select_from(messaging.outbox)
            .where(
                messaging.outbox.c.event_type == "dovetail.joint-programs.learner.erased.v1",
                messaging.outbox.c.key == learner["ref"],
            )
        )
    assert dob is None and consents == 0 and erased_events == 1
    # The enrolment fact stays, pseudonymised, for statistics.
    r = await api.client.get(f"/cohorts/{cohort['id']}/enrolments", headers=api.college_admin())
    assert [e["learner_ref"] for e in r.json()["items"]] == [learner["ref"]]
    # The learner's account no longer reaches the record; firms see nothing.
    api.problem(await api.client.get("/me", headers=me), 404)
    api.problem(await api.client.get(f"/profiles/{learner['ref']}", headers=api.firm_admin(api.orgs.firm_a)), 404)


async def test_the_firm_filter_in_sql_is_the_policy_predicate(api: Api, engine: AsyncEngine) -> None:
    """Every combination of consent scope, firm and withdrawal: the SQL filter and ``firm_may_see`` agree."""
    o = api.orgs
    program = await api.propose()  # partners firm_a and firm_b
    now = datetime.now(UTC)
    learners: list[Learner] = []
    consents: list[Consent] = []
    scopes: list[dict[str, uuid.UUID | None]] = [
        {},
        {"firm_id": o.firm_a},
        {"firm_id": o.outsider},
        {"program_id": uuid.UUID(program["id"])},
    ]
    for scope, withdrawn in itertools.product(scopes, (False, True)):
        learner, _ = Learner.register(
            college_id=o.college,
            name="N",
            student_number=f"P{uuid.uuid4().hex[:10]}",
            date_of_birth=datetime(2006, 1, 1).date(),
            now=now,
            today=now.date(),
        )
        learners.append(learner)
        if scope:
            consent, _ = Consent.give(learner, purpose=ConsentPurpose.MATCHING, now=now, **scope)  # type: ignore[arg-type]
            if withdrawn:
                consent.withdraw(now)
            consents.append(consent)
    async with AsyncSession(engine) as session, session.begin():
        for learner in learners:
            await LearnerRepository(session).add(learner)
        for consent in consents:
            await ConsentRepository(session).add(consent)
    ids = [learner.id for learner in learners]
    partners = {uuid.UUID(program["id"]): [o.firm_a, o.firm_b]}
    seen: dict[uuid.UUID, int] = {}
    for firm in (o.firm_a, o.firm_b, o.outsider, o.pending_firm):
        p = Principal(sub="x", org=firm, roles=frozenset({Role.RECRUITER}))
        expected = {x.id for x in learners if firm_may_see(p, x, consents, partners)}
        async with AsyncSession(engine) as session:
            repo = LearnerRepository(session)
            stmt = sa.select(learners_table.c.id).where(repo.firm_filter(firm), learners_table.c.id.in_(ids))
            got = set((await session.execute(stmt)).scalars())
            assert await ProgramRepository(session).partners_of({uuid.UUID(program["id"])}) == partners
        assert got == expected, firm
        seen[firm] = len(got)
    # Active consents only: firm_a by name and as a partner, firm_b as a partner, the outsider by name.
    assert seen == {o.firm_a: 2, o.firm_b: 1, o.outsider: 1, o.pending_firm: 0}
