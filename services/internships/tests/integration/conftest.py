"""Internships integration fixtures: the real app on the real test database at a fixed instant, projected facts,
parties and the common flows (posting → application → offer → accepted placement → active).

Facts of other services (organisations, joint programs' learners and consents) are written into the projections
as their events would; the cross-service test in ``tests/integration`` sends the events themselves.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from dovetail_shared.clock import FixedClock
from dovetail_shared.db import make_engine
from dovetail_shared.principal import account_digest
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.contracts import assert_problem
from dovetail_shared.testing.plugin import auth, make_token, migrate_once, service_client
from internships.main import SPEC
from internships.tables import known_consents, known_enrolments, known_learners, known_programs, organizations
from sqlalchemy.ext.asyncio import AsyncEngine

Json = dict[str, Any]
SKILL_A = "http://data.europa.eu/esco/skill/00506f28-e884-4496-800c-3477c67eb355"
SKILL_B = "http://data.europa.eu/esco/skill/00e53a0a-c0ba-4c9f-a2ed-4706d5832a00"
# Friday 4 December 2026, noon in Shanghai: the week of Monday 30 November is the one logged in.
NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def settings() -> ServiceSettings:
    return migrate_once(SPEC)


@pytest.fixture(scope="session")
async def client(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in service_client(SPEC, settings, FixedClock(NOW)):
        yield c


@pytest.fixture(scope="session")
async def engine(settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(settings, pool_size=5, max_overflow=30)
    yield eng
    await eng.dispose()


async def add_org(engine: AsyncEngine, *, kind: str, status: str = "verified") -> uuid.UUID:
    org_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(organizations.table).values(
                id=org_id,
                name=f"{kind}-{org_id.hex[:6]}",
                kind=kind,
                size="large" if kind == "enterprise" else None,
                status=status,
                time_zone="Asia/Shanghai",
                updated_at=datetime.now(UTC),
            )
        )
    return org_id


async def add_learner(
    engine: AsyncEngine,
    college: uuid.UUID,
    *,
    sub: str | None,
    firms: Sequence[uuid.UUID] = (),
    program: uuid.UUID | None = None,
    cohort: uuid.UUID | None = None,
    program_consent: bool = False,
    turns_16_on: date | None = None,
    turns_18_on: date | None = None,
) -> uuid.UUID:
    """A learner as joint programs' events leave them here: registered, placement consents, enrolment."""
    ref = uuid.uuid4()
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(known_learners).values(
                ref=ref,
                college_id=college,
                account_digest=account_digest(sub) if sub else None,
                turns_16_on=turns_16_on,
                turns_18_on=turns_18_on,
                updated_at=now,
            )
        )
        for firm in firms:
            await conn.execute(
                sa.insert(known_consents).values(
                    consent_id=uuid.uuid4(), learner_ref=ref, firm_id=firm, purpose="placement", given_at=now
                )
            )
        if program is not None:
            await conn.execute(
                sa.insert(known_enrolments).values(
                    learner_ref=ref, cohort_id=cohort or uuid.uuid4(), program_id=program, status="enrolled"
                )
            )
            if program_consent:
                await conn.execute(
                    sa.insert(known_consents).values(
                        consent_id=uuid.uuid4(), learner_ref=ref, program_id=program, purpose="placement", given_at=now
                    )
                )
    return ref


async def add_program(engine: AsyncEngine, college: uuid.UUID, partners: list[uuid.UUID]) -> uuid.UUID:
    program = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(sa.insert(known_programs).values(id=program, college_id=college, partner_ids=partners))
    return program


@dataclass(frozen=True)
class Orgs:
    college: uuid.UUID
    other_college: uuid.UUID
    firm: uuid.UUID
    other_firm: uuid.UUID
    pending_firm: uuid.UUID


@pytest.fixture
async def orgs(engine: AsyncEngine) -> Orgs:
    return Orgs(
        college=await add_org(engine, kind="college"),
        other_college=await add_org(engine, kind="college"),
        firm=await add_org(engine, kind="enterprise"),
        other_firm=await add_org(engine, kind="enterprise"),
        pending_firm=await add_org(engine, kind="enterprise", status="pending"),
    )


@dataclass
class Flow:
    """One learner's way through a posting: their sub, ref and headers, and the ids reached so far."""

    sub: str
    ref: uuid.UUID
    learner: dict[str, str]
    posting: Json
    application: Json | None = None
    placement: Json | None = None
    mentor: dict[str, str] | None = None
    teacher: dict[str, str] | None = None


class Api:
    """Thin helpers over the HTTP client: callers, bodies and the common flows."""

    def __init__(self, client: httpx.AsyncClient, token: Callable[..., str], orgs: Orgs, engine: AsyncEngine) -> None:
        self.client, self.token, self.orgs, self.engine = client, token, orgs, engine

    def as_(self, role: str, org: uuid.UUID | None, *, sub: str | None = None) -> dict[str, str]:
        return auth(self.token(role, org=org, sub=sub))

    def firm_admin(self, org: uuid.UUID | None = None) -> dict[str, str]:
        return self.as_("firm_admin", org or self.orgs.firm)

    def college_admin(self, org: uuid.UUID | None = None) -> dict[str, str]:
        return self.as_("college_admin", org or self.orgs.college)

    def posting_body(self, **overrides: Any) -> Json:
        body: Json = {
            "title": "Welding robot operator intern",
            "description": "Six-axis welding cells, under a certified welder.",
            "positions": 2,
            "skills": [{"skill_id": SKILL_A, "level": 2}, {"skill_id": SKILL_B, "level": 3}],
            "region": "CN-32",
            "location": "Suzhou",
            "start_date": "2026-11-02",
            "end_date": "2027-01-29",
            "stipend": "3200.00",
            "post_wage": "4000.00",
            "firm_staff": 5000,
            "post_staff": 20,
        }
        body.update(overrides)
        return body

    async def ok(self, method: str, path: str, headers: dict[str, str], body: Any = None, expect: int = 200) -> Any:
        r = await self.client.request(method, path, headers=headers, json=body)
        assert r.status_code == expect, r.text
        return r.json()

    async def posting(self, *, open_: bool = True, **overrides: Any) -> Json:
        posting: Json = await self.ok("POST", "/postings", self.firm_admin(), self.posting_body(**overrides), 201)
        if open_:
            posting = await self.ok("POST", f"/postings/{posting['id']}/open", self.firm_admin())
        return posting

    async def learner(self, *, consent: bool = True, **kw: Any) -> tuple[str, uuid.UUID, dict[str, str]]:
        sub = f"learner-{uuid.uuid4().hex[:8]}"
        firms = [self.orgs.firm] if consent else []
        ref = await add_learner(self.engine, self.orgs.college, sub=sub, firms=firms, **kw)
        return sub, ref, self.as_("learner", None, sub=sub)

    async def applied(
        self, posting: Json | None = None, who: tuple[str, uuid.UUID, dict[str, str]] | None = None, **kw: Any
    ) -> Flow:
        posting = posting or await self.posting()
        sub, ref, me = who or await self.learner(**kw)
        application = await self.ok(
            "POST", f"/postings/{posting['id']}/applications", me, {"cover_letter": f"Dear firm, I am {sub}"}, 201
        )
        return Flow(sub, ref, me, posting, application)

    async def accepted(self, posting: Json | None = None, **kw: Any) -> Flow:
        flow = await self.applied(posting, **kw)
        assert flow.application is not None
        await self.ok("POST", f"/applications/{flow.application['id']}/offer", self.firm_admin())
        out = await self.ok("POST", f"/applications/{flow.application['id']}/accept", flow.learner)
        flow.application, flow.placement = out["application"], out["placement"]
        return flow

    async def supervised(self, flow: Flow, mentor_sub: str | None = None, teacher_sub: str | None = None) -> Flow:
        """Mentor and supervising teacher named, and their headers."""
        assert flow.placement is not None
        pid = flow.placement["id"]
        mentor_sub = mentor_sub or f"mentor-{uuid.uuid4().hex[:6]}"
        teacher_sub = teacher_sub or f"teacher-{uuid.uuid4().hex[:6]}"
        await self.ok("POST", f"/placements/{pid}/mentor", self.firm_admin(), {"mentor_sub": mentor_sub})
        flow.placement = await self.ok(
            "POST", f"/placements/{pid}/teacher", self.college_admin(), {"teacher_sub": teacher_sub}
        )
        flow.mentor = self.as_("mentor", self.orgs.firm, sub=mentor_sub)
        flow.teacher = self.as_("teacher", self.orgs.college, sub=teacher_sub)
        return flow

    async def active(self, posting: Json | None = None, *, activate: bool = True, **kw: Any) -> Flow:
        subs = {k: kw.pop(k) for k in ("mentor_sub", "teacher_sub") if k in kw}
        flow = await self.supervised(await self.accepted(posting, **kw), **subs)
        assert flow.placement is not None
        pid = flow.placement["id"]
        for party in (flow.learner, self.firm_admin(), self.college_admin()):
            await self.ok("POST", f"/placements/{pid}/sign", party)
        insurance = {
            "policy_number": "PICC-2026-000123",
            "insurer": "PICC Property and Casualty",
            "valid_from": "2026-11-01",
            "valid_to": "2027-02-28",
        }
        flow.placement = await self.ok("POST", f"/placements/{pid}/insurance", self.college_admin(), insurance)
        if activate:
            flow.placement = await self.ok("POST", f"/placements/{pid}/activate", self.college_admin())
            assert flow.placement["status"] == "active"
        return flow

    async def entry(self, flow: Flow, expect: int = 201, **overrides: Any) -> httpx.Response:
        assert flow.placement is not None
        body: Json = {
            "entry_date": "2026-11-30",
            "start_time": "09:00",
            "end_time": "17:00",
            "break_minutes": 60,
            "tasks": "Set up the welding cell; ran test welds with the mentor.",
            "skills": [SKILL_A],
        }
        body.update(overrides)
        r = await self.client.post(f"/placements/{flow.placement['id']}/logbook", json=body, headers=flow.learner)
        assert r.status_code == expect, r.text
        return r

    problem = staticmethod(assert_problem)


@pytest.fixture
def api(client: httpx.AsyncClient, settings: ServiceSettings, orgs: Orgs, engine: AsyncEngine) -> Api:
    return Api(client, make_token(settings), orgs, engine)
