"""Talent pipelines integration fixtures: the real app on the real test database, supply delivered as events.

The schema is migrated once per session (real Alembic). Other services' facts arrive through the supply
consumer's own handlers, in one transaction each with a ``ReceivedEvent`` as the consumer builds it (tests
over the real broker publish them instead). Tests do not roll back: each makes its own organisations, cohorts
and learners (fresh UUIDs), so rows never meet.
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
from dovetail_shared.events.base import EventPayload
from dovetail_shared.events.curricula import CurriculumVersionPublished, SkillCoverage
from dovetail_shared.events.joint_programs import CohortOpened, ConsentGiven, LearnerEnrolled, LearnerRegistered
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.runtime import Runtime
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.contracts import assert_problem
from dovetail_shared.testing.plugin import auth, make_token, migrate_once, service_client
from sqlalchemy.ext.asyncio import AsyncEngine
from talent_pipelines.main import SPEC
from talent_pipelines.messaging import supply
from talent_pipelines.tables import organizations
from talent_pipelines.taxonomy import graph

Json = dict[str, Any]


def occupation_skills() -> tuple[str, list[str]]:
    """A real occupation and five of its essential skills (ids from the taxonomy, never invented) whose last two
    earn no hierarchy credit from the first three (so "nobody teaches them" holds exactly)."""
    g = graph()
    for occupation in sorted(g.essential):
        skills = g.essential[occupation]
        if len(skills) < 5:
            continue
        taught = skills[:3]
        rest = [s for s in skills[3:] if all(g.relation(s, t) is None and g.relation(t, s) is None for t in taught)]
        if len(rest) >= 2 and g.relation(rest[0], rest[1]) is None and g.relation(rest[1], rest[0]) is None:
            return occupation, [*taught, *rest[:2]]
    raise AssertionError("no occupation fits")


OCCUPATION, SKILLS = occupation_skills()
TAUGHT = SKILLS[:3]  # what the test cohorts teach; SKILLS[3] and SKILLS[4] nobody teaches


@pytest.fixture(scope="session")
def settings() -> ServiceSettings:
    return migrate_once(SPEC)


@pytest.fixture(scope="session")
async def client(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in service_client(SPEC, settings):
        yield c


@pytest.fixture(scope="session")
async def engine(settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(settings, pool_size=5, max_overflow=20)
    yield eng
    await eng.dispose()


@pytest.fixture
async def runtime(settings: ServiceSettings) -> AsyncIterator[Runtime]:
    rt = Runtime(SPEC, settings)
    yield rt
    await rt.close()


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


def received(payload: EventPayload, subject: uuid.UUID | None = None) -> ReceivedEvent:
    return ReceivedEvent(
        id=uuid.uuid4(),
        type=payload.event_type,
        source=f"/dovetail/{payload.service()}",
        subject=str(subject) if subject else None,
        time=datetime.now(UTC),
        data=payload.model_dump(mode="json"),
        correlation_id=None,
        traceparent=None,
        topic=f"test.{payload.service()}.{payload.aggregate}",
        partition=0,
        offset=0,
    )


@dataclass(frozen=True)
class Orgs:
    college: uuid.UUID
    other_college: uuid.UUID
    firm: uuid.UUID  # co-authors the cohort's curriculum, partner of its program
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


class Api:
    """Thin helpers over the HTTP client and the supply handlers."""

    def __init__(
        self, client: httpx.AsyncClient, token: Callable[..., str], orgs: Orgs, runtime: Runtime, engine: AsyncEngine
    ) -> None:
        self.client, self.token, self.orgs, self.runtime, self.engine = client, token, orgs, runtime, engine

    def as_(
        self, role: str, org: uuid.UUID | None, *, sub: str | None = None, if_match: int | None = None
    ) -> dict[str, str]:
        headers = auth(self.token(role, org=org, sub=sub))
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        return headers

    def firm(self, org: uuid.UUID | None = None) -> dict[str, str]:
        return self.as_("firm_admin", org or self.orgs.firm)

    async def deliver(self, *payloads: EventPayload) -> None:
        """What the ``talent-pipelines-supply`` consumer does with each event: its handler, one transaction."""
        for payload in payloads:
            async with self.runtime.uow() as uow:
                await supply.handlers[payload.event_type](uow, received(payload))
                await uow.commit()

    def demand_body(self, **overrides: Any) -> Json:
        body: Json = {
            "role_title": "Maintenance technician",
            "skills": [{"skill_id": s, "weight": 10, "min_level": 2} for s in SKILLS[:4]],
            "headcount": 2,
            "region": "Suzhou",
            "needed_by": "2029-09-01",
        }
        body.update(overrides)
        return body

    async def demand(self, firm: uuid.UUID | None = None, **overrides: Any) -> Json:
        r = await self.client.post("/demands", json=self.demand_body(**overrides), headers=self.firm(firm))
        assert r.status_code == 201, r.text
        out: Json = r.json()
        return out

    async def curriculum(self, *, co_authors: list[uuid.UUID], skills: list[str] = TAUGHT) -> uuid.UUID:
        curriculum_id = uuid.uuid4()
        await self.deliver(
            CurriculumVersionPublished(
                curriculum_id=curriculum_id,
                version_id=uuid.uuid4(),
                version_number=1,
                college_id=self.orgs.college,
                title="Mechatronics",
                target_occupation=OCCUPATION,
                level="higher_vocational",
                co_author_ids=co_authors,
                total_hours=300,
                skills=[SkillCoverage(skill_id=s, level=3, hours=60) for s in skills],
            )
        )
        return curriculum_id

    async def cohort(
        self,
        curriculum_id: uuid.UUID,
        *,
        partners: list[uuid.UUID],
        skills: list[str] = TAUGHT,
        graduation: date = date(2028, 7, 1),
        college: uuid.UUID | None = None,
    ) -> tuple[uuid.UUID, uuid.UUID]:
        cohort_id, program_id = uuid.uuid4(), uuid.uuid4()
        await self.deliver(
            CohortOpened(
                cohort_id=cohort_id,
                program_id=program_id,
                college_id=college or self.orgs.college,
                partner_ids=partners,
                model="order_class",
                intake_term="2026-autumn",
                seat_limit=30,
                start_date=date(2026, 9, 1),
                graduation_date=graduation,
                curriculum_id=curriculum_id,
                curriculum_version_number=1,
                skills=[SkillCoverage(skill_id=s, level=3, hours=60) for s in skills],
            )
        )
        return cohort_id, program_id

    async def learner(
        self, cohort_id: uuid.UUID, program_id: uuid.UUID, *, consent_firm: uuid.UUID | None
    ) -> uuid.UUID:
        ref = uuid.uuid4()
        events: list[EventPayload] = [
            LearnerRegistered(learner_ref=ref, college_id=self.orgs.college),
            LearnerEnrolled(learner_ref=ref, cohort_id=cohort_id, program_id=program_id, enrolled_on=date(2026, 9, 1)),
        ]
        if consent_firm is not None:
            events.append(self.consent(ref, consent_firm))
        await self.deliver(*events)
        return ref

    @staticmethod
    def consent(
        ref: uuid.UUID, firm: uuid.UUID, purpose: str = "matching", consent_id: uuid.UUID | None = None
    ) -> ConsentGiven:
        return ConsentGiven(
            consent_id=consent_id or uuid.uuid4(),
            learner_ref=ref,
            firm_id=firm,
            purpose=purpose,
            given_at=datetime.now(UTC),
        )

    async def matches(self, demand_id: str, headers: dict[str, str] | None = None, limit: int = 200) -> Json:
        r = await self.client.get(
            f"/demands/{demand_id}/matches", params={"limit": limit}, headers=headers or self.firm()
        )
        assert r.status_code == 200, r.text
        out: Json = r.json()
        return out

    problem = staticmethod(assert_problem)


@pytest.fixture
def api(client: httpx.AsyncClient, settings: ServiceSettings, orgs: Orgs, runtime: Runtime, engine: AsyncEngine) -> Api:
    return Api(client, make_token(settings), orgs, runtime, engine)
