"""Curricula integration fixtures: the real app on the real test database, parties, tokens and taxonomy ids.

The schema is migrated once per session (real Alembic, real taxonomy load). Tests do not roll back: each test
makes its own organisations (fresh UUIDs), so its rows never meet another test's.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from curricula.main import SPEC
from curricula.tables import organizations_table, taxonomy
from dovetail_shared.db import make_engine
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.contracts import assert_problem
from dovetail_shared.testing.plugin import auth, make_token, migrate_once, service_client
from sqlalchemy.ext.asyncio import AsyncEngine

Json = dict[str, Any]


@pytest.fixture(scope="session")
def settings() -> ServiceSettings:
    # Sync on purpose: migrate_once drives Alembic and the taxonomy load with asyncio.run.
    return migrate_once(SPEC)


@pytest.fixture(scope="session")
async def client(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in service_client(SPEC, settings):
        yield c


@pytest.fixture(scope="session")
async def engine(settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(settings, pool_size=2, max_overflow=2)
    yield eng
    await eng.dispose()


@dataclass(frozen=True)
class Taxonomy:
    """Real ESCO ids from the loaded taxonomy, so that tests exercise the known_skill/known_occupation checks."""

    skills: list[str]
    occupation: str
    other_occupation: str


@pytest.fixture(scope="session")
async def tax(engine: AsyncEngine) -> Taxonomy:
    async with engine.connect() as conn:
        skills = list(
            (await conn.execute(sa.select(taxonomy.skills.c.id).order_by(taxonomy.skills.c.id).limit(4))).scalars()
        )
        occupations = list(
            (
                await conn.execute(sa.select(taxonomy.occupations.c.id).order_by(taxonomy.occupations.c.id).limit(2))
            ).scalars()
        )
    if len(skills) < 4 or len(occupations) < 2:
        pytest.fail("the ESCO taxonomy was not loaded into the test schema (is ../shared/data/taxonomy there?)")
    return Taxonomy(skills=skills, occupation=occupations[0], other_occupation=occupations[1])


@dataclass(frozen=True)
class Orgs:
    """One test's organisations, as the consortia events would have projected them."""

    college: uuid.UUID
    other_college: uuid.UUID
    firm_a: uuid.UUID  # verified enterprise
    firm_b: uuid.UUID  # verified enterprise
    outsider: uuid.UUID  # verified enterprise that co-authors nothing
    pending_firm: uuid.UUID  # enterprise still awaiting vetting
    rejected_firm: uuid.UUID
    institute: uuid.UUID  # verified, but a research institute


async def add_org(engine: AsyncEngine, *, kind: str, status: str, name: str = "", time_zone: str = "UTC") -> uuid.UUID:
    org_id = uuid.uuid4()
    async with engine.begin() as conn:
        await conn.execute(
            sa.insert(organizations_table).values(
                id=org_id,
                name=name or f"{kind}-{org_id.hex[:6]}",
                kind=kind,
                size="large" if kind == "enterprise" else None,
                status=status,
                time_zone=time_zone,
                updated_at=datetime.now(UTC),
            )
        )
    return org_id


@pytest.fixture
async def orgs(engine: AsyncEngine) -> Orgs:
    return Orgs(
        college=await add_org(engine, kind="college", status="verified"),
        other_college=await add_org(engine, kind="college", status="verified"),
        firm_a=await add_org(engine, kind="enterprise", status="verified"),
        firm_b=await add_org(engine, kind="enterprise", status="verified"),
        outsider=await add_org(engine, kind="enterprise", status="verified"),
        pending_firm=await add_org(engine, kind="enterprise", status="pending"),
        rejected_firm=await add_org(engine, kind="enterprise", status="rejected"),
        institute=await add_org(engine, kind="research_institute", status="verified"),
    )


class Api:
    """Thin helpers over the HTTP client: headers per caller, request bodies, problem+json assertions."""

    def __init__(self, client: httpx.AsyncClient, token: Callable[..., str], tax: Taxonomy, orgs: Orgs) -> None:
        self.client = client
        self.token = token
        self.tax = tax
        self.orgs = orgs

    # ---- callers ------------------------------------------------------------------------------------

    def as_(self, role: str, org: uuid.UUID | None, *, if_match: int | str | None = None) -> dict[str, str]:
        headers = auth(self.token(role, org=org))
        if if_match is not None:
            headers["If-Match"] = if_match if isinstance(if_match, str) else f'"{if_match}"'
        return headers

    def college_admin(self, if_match: int | str | None = None) -> dict[str, str]:
        return self.as_("college_admin", self.orgs.college, if_match=if_match)

    def firm_admin(self, org: uuid.UUID, if_match: int | str | None = None) -> dict[str, str]:
        return self.as_("firm_admin", org, if_match=if_match)

    # ---- bodies -------------------------------------------------------------------------------------

    def module(
        self, code: str, hours: int = 40, skills: list[tuple[str, int]] | None = None, title: str | None = None
    ) -> Json:
        pairs = skills if skills is not None else [(self.tax.skills[0], 2)]
        return {
            "code": code,
            "title": title or f"Module {code}",
            "hours": hours,
            "outcomes": [
                {"description": f"apply skill {i}", "skills": [{"skill_id": sid, "level": level}]}
                for i, (sid, level) in enumerate(pairs)
            ],
        }

    def curriculum_body(self, **overrides: Any) -> Json:
        body: Json = {
            "title": "Intelligent welding technology",
            "title_zh": "智能焊接技术",
            "target_occupation": self.tax.occupation,
            "level": "higher_vocational",
            "co_author_ids": [],
            "approval_rule": "all_co_authors",
        }
        body.update(overrides)
        return jsonable(body)

    # ---- flows --------------------------------------------------------------------------------------

    async def create(self, headers: dict[str, str] | None = None, **overrides: Any) -> Json:
        r = await self.client.post(
            "/curricula", json=self.curriculum_body(**overrides), headers=headers or self.college_admin()
        )
        assert r.status_code == 201, r.text
        body: Json = r.json()
        return body

    async def put_draft(self, c: Json, modules: list[Json], effective_date: str | None = None) -> Json:
        body: Json = {"modules": modules}
        if effective_date is not None:
            body["effective_date"] = effective_date
        r = await self.client.put(
            f"/curricula/{c['id']}/draft", json=body, headers=self.college_admin(if_match=c["version"])
        )
        assert r.status_code == 200, r.text
        out: Json = r.json()
        return out

    async def step(self, c: Json, path: str, headers: dict[str, str] | None = None, expect: int = 200) -> Json:
        r = await self.client.post(
            f"/curricula/{c['id']}{path}", headers=headers or self.college_admin(if_match=c["version"])
        )
        assert r.status_code == expect, r.text
        out: Json = r.json()
        return out

    async def review(self, c: Json, org: uuid.UUID, decision: str = "approve", comment: str = "") -> Json:
        r = await self.client.post(
            f"/curricula/{c['id']}/draft/reviews",
            json={"decision": decision, "comment": comment},
            headers=self.firm_admin(org, if_match=c["version"]),
        )
        assert r.status_code == 200, r.text
        out: Json = r.json()
        return out

    async def published(self, modules: list[Json] | None = None, **overrides: Any) -> Json:
        """A curriculum whose version 1 is published (co-authors approve as its rule needs)."""
        c = await self.create(**overrides)
        c = await self.put_draft(c, modules or [self.module("W1"), self.module("C1", 60, [(self.tax.skills[1], 3)])])
        c = await self.step(c, "/draft/submit")
        for org in c["co_author_ids"]:
            if version_of(c, 1)["status"] == "approved":
                break
            c = await self.review(c, uuid.UUID(org))
        assert version_of(c, 1)["status"] == "approved", c
        return await self.step(c, "/publish")

    # ---- assertions ---------------------------------------------------------------------------------

    problem = staticmethod(assert_problem)


def version_of(c: Json, number: int) -> Json:
    for v in c["versions"]:
        if v["number"] == number:
            out: Json = v
            return out
    raise AssertionError(f"no version {number} in {[v['number'] for v in c['versions']]}")


def jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


@pytest.fixture
def api(client: httpx.AsyncClient, settings: ServiceSettings, tax: Taxonomy, orgs: Orgs) -> Api:
    return Api(client, make_token(settings), tax, orgs)


@pytest.fixture
def version() -> Callable[[Json, int], Json]:
    """``version(curriculum_json, number)``: test modules cannot import this conftest, so it is a fixture."""
    return version_of
