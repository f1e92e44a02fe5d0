"""Joint programs integration fixtures: the real app on the real test database, projected facts, parties, flows.

The schema is migrated once per session (real Alembic). Facts of other services are written into the
projections as their events would (tests over the real broker do it through the events themselves). Tests do
not roll back: each makes its own organisations and curricula (fresh UUIDs), so rows never meet.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from dovetail_shared.db import make_engine
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.contracts import assert_problem
from dovetail_shared.testing.plugin import auth, make_token, migrate_once, service_client
from joint_programs.main import SPEC
from joint_programs.tables import curriculum_versions, memberships, organizations
from sqlalchemy.ext.asyncio import AsyncEngine

Json = dict[str, Any]
SKILLS = [{"skill_id": "esco:skill-a", "level": 2, "hours": 40}, {"skill_id": "esco:skill-b", "level": 3, "hours": 60}]


@pytest.fixture(scope="session")
def settings() -> ServiceSettings:
    return migrate_once(SPEC)


@pytest.fixture(scope="session")
async def client(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in service_client(SPEC, settings):
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
                updated_at=datetime.now(UTC),
            )
        )
    return org_id


async def add_version(
    engine: AsyncEngine, curriculum_id: uuid.UUID, number: int, *, status: str = "published", college_id: Any = None
) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(curriculum_versions.table).values(
                curriculum_id=curriculum_id,
                number=number,
                version_id=uuid.uuid4(),
                status=status,
                college_id=college_id,
                title="Intelligent welding",
                target_occupation="esco:occupation",
                level="higher_vocational",
                effective_date=date(2026, 9, 1),
                total_hours=100,
                skills=SKILLS,
                updated_at=datetime.now(UTC),
            )
        )


async def set_version_status(engine: AsyncEngine, curriculum_id: uuid.UUID, number: int, status: str) -> None:
    t = curriculum_versions.table
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(t).where(t.c.curriculum_id == curriculum_id, t.c.number == number).values(status=status)
        )


async def add_consortium(engine: AsyncEngine, members: list[uuid.UUID], *, status: str = "active") -> uuid.UUID:
    consortium_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(memberships.consortia).values(
                id=consortium_id, name="Welding community", status=status, updated_at=datetime.now(UTC)
            )
        )
        for org in members:
            await conn.execute(
                sa.insert(memberships.members).values(
                    consortium_id=consortium_id, organization_id=org, role="member", joined_on=date(2026, 1, 1)
                )
            )
    return consortium_id


@dataclass(frozen=True)
class Orgs:
    college: uuid.UUID
    other_college: uuid.UUID
    firm_a: uuid.UUID
    firm_b: uuid.UUID
    outsider: uuid.UUID  # verified firm, partner of nothing
    pending_firm: uuid.UUID
    curriculum: uuid.UUID  # versions 1 (retired) and 2 (published) in the projection


@pytest.fixture
async def orgs(engine: AsyncEngine) -> Orgs:
    college = await add_org(engine, kind="college")
    curriculum = uuid.uuid4()
    await add_version(engine, curriculum, 1, status="retired", college_id=college)
    await add_version(engine, curriculum, 2, college_id=college)
    return Orgs(
        college=college,
        other_college=await add_org(engine, kind="college"),
        firm_a=await add_org(engine, kind="enterprise"),
        firm_b=await add_org(engine, kind="enterprise"),
        outsider=await add_org(engine, kind="enterprise"),
        pending_firm=await add_org(engine, kind="enterprise", status="pending"),
        curriculum=curriculum,
    )


class Api:
    """Thin helpers over the HTTP client: callers, bodies and the common flows."""

    def __init__(self, client: httpx.AsyncClient, token: Callable[..., str], orgs: Orgs, engine: AsyncEngine) -> None:
        self.client, self.token, self.orgs, self.engine = client, token, orgs, engine

    def as_(
        self, role: str, org: uuid.UUID | None, *, sub: str | None = None, if_match: int | None = None
    ) -> dict[str, str]:
        headers = auth(self.token(role, org=org, sub=sub))
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        return headers

    def college_admin(self, if_match: int | None = None) -> dict[str, str]:
        return self.as_("college_admin", self.orgs.college, if_match=if_match)

    def firm_admin(self, org: uuid.UUID) -> dict[str, str]:
        return self.as_("firm_admin", org)

    def program_body(self, **overrides: Any) -> Json:
        body: Json = {
            "title": "Welding order class",
            "title_zh": "焊接订单班",
            "model": "order_class",
            "partner_ids": [str(self.orgs.firm_a), str(self.orgs.firm_b)],
            "curriculum_id": str(self.orgs.curriculum),
            "curriculum_version_number": 2,
            "capacity": 40,
            "committed_intake": [{"firm_id": str(self.orgs.firm_a), "headcount": 10}],
        }
        body.update(overrides)
        return body

    async def propose(self, **overrides: Any) -> Json:
        r = await self.client.post("/programs", json=self.program_body(**overrides), headers=self.college_admin())
        assert r.status_code == 201, r.text
        out: Json = r.json()
        return out

    async def approved(self, **overrides: Any) -> Json:
        program = await self.propose(**overrides)
        for firm in program["partner_ids"]:
            r = await self.client.post(f"/programs/{program['id']}/approve", headers=self.firm_admin(uuid.UUID(firm)))
            assert r.status_code == 200, r.text
            program = r.json()
        assert program["status"] == "approved", program
        return program

    async def step(self, path: str, headers: dict[str, str] | None = None, expect: int = 200) -> Json:
        r = await self.client.post(path, headers=headers or self.college_admin())
        assert r.status_code == expect, r.text
        out: Json = r.json()
        return out

    async def cohort(self, program: Json, *, seats: int = 30, open_: bool = True) -> Json:
        body = {
            "intake_term": "2026-autumn",
            "seat_limit": seats,
            "start_date": "2026-09-01",
            "graduation_date": "2028-07-01",
        }
        r = await self.client.post(f"/programs/{program['id']}/cohorts", json=body, headers=self.college_admin())
        assert r.status_code == 201, r.text
        cohort: Json = r.json()
        if open_:
            cohort = await self.step(f"/cohorts/{cohort['id']}/open")
        return cohort

    async def learner(self, *, sub: str | None = None, **overrides: Any) -> Json:
        n = uuid.uuid4().hex[:8]
        body: Json = {
            "name": f"Li Wei {n}",
            "name_zh": f"李伟{n}",
            "student_number": f"S{n}",
            "date_of_birth": "2006-03-14",
            "contact": f"liwei.{n}@example.edu.cn",
            "account_subject": sub,
        }
        body.update(overrides)
        r = await self.client.post("/learners", json=body, headers=self.college_admin())
        assert r.status_code == 201, r.text
        out: Json = r.json()
        return out

    async def enrol(self, cohort: Json, learner: Json, expect: int = 201) -> Json:
        r = await self.client.post(
            f"/cohorts/{cohort['id']}/enrolments", json={"learner_id": learner["id"]}, headers=self.college_admin()
        )
        assert r.status_code == expect, r.text
        out: Json = r.json()
        return out

    problem = staticmethod(assert_problem)


@pytest.fixture
def api(client: httpx.AsyncClient, settings: ServiceSettings, orgs: Orgs, engine: AsyncEngine) -> Api:
    return Api(client, make_token(settings), orgs, engine)
