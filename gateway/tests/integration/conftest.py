"""Gateway integration fixtures: the real consortia, curricula and joint programs apps (real lifespan, Postgres,
migrations) behind the gateway's own clients, every backend call counted, the gateway driven over HTTP."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from consortia.main import SPEC as CONSORTIA
from curricula.main import SPEC as CURRICULA
from curricula.tables import organizations_table, taxonomy
from dovetail_gateway.app import create_app
from dovetail_gateway.config import GatewaySettings
from dovetail_shared.db import make_engine
from dovetail_shared.http.app import create_service_app
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.plugin import auth, make_token, migrate_once
from joint_programs.main import SPEC as JOINT_PROGRAMS
from joint_programs.tables import curriculum_versions as jp_versions
from joint_programs.tables import organizations as jp_organizations
from sqlalchemy.ext.asyncio import AsyncEngine

Json = dict[str, Any]


class CountingTransport(httpx.AsyncBaseTransport):
    """The real app behind an ASGI transport, with a log of every call the gateway made to it."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.calls: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path))
        return await self.inner.handle_async_request(request)


class Backends:
    def __init__(self, transports: dict[str, CountingTransport]) -> None:
        self.transports = transports

    def reset(self) -> None:
        for t in self.transports.values():
            t.calls.clear()

    def calls(self) -> Counter[tuple[str, str, str]]:
        return Counter((name, m, p) for name, t in self.transports.items() for m, p in t.calls)


@pytest.fixture(scope="session")
def consortia_settings() -> ServiceSettings:
    return migrate_once(CONSORTIA)


@pytest.fixture(scope="session")
def curricula_settings() -> ServiceSettings:
    return migrate_once(CURRICULA)


@pytest.fixture(scope="session")
def joint_programs_settings() -> ServiceSettings:
    return migrate_once(JOINT_PROGRAMS)


@pytest.fixture(scope="session")
def token(consortia_settings: ServiceSettings) -> Callable[..., str]:
    return make_token(consortia_settings)


def gateway_settings(**overrides: Any) -> GatewaySettings:
    return GatewaySettings.model_validate({"environment": "test", "log_json": True, **overrides})


@pytest.fixture(scope="session")
async def backends(
    consortia_settings: ServiceSettings, curricula_settings: ServiceSettings, joint_programs_settings: ServiceSettings
) -> AsyncIterator[Backends]:
    async with (
        LifespanManager(create_service_app(CONSORTIA, consortia_settings)) as consortia,
        LifespanManager(create_service_app(CURRICULA, curricula_settings)) as curricula,
        LifespanManager(create_service_app(JOINT_PROGRAMS, joint_programs_settings)) as joint_programs,
    ):
        yield Backends(
            {
                "consortia": CountingTransport(consortia.app),
                "curricula": CountingTransport(curricula.app),
                "joint_programs": CountingTransport(joint_programs.app),
            }
        )


@pytest.fixture
async def gateway(backends: Backends) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(gateway_settings(), transports=dict(backends.transports))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


@pytest.fixture(scope="session")
async def curricula_engine(curricula_settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(curricula_settings, pool_size=2, max_overflow=2)
    yield eng
    await eng.dispose()


@pytest.fixture(scope="session")
async def occupation(curricula_engine: AsyncEngine) -> str:
    async with curricula_engine.connect() as conn:
        found = (await conn.execute(sa.select(taxonomy.occupations.c.id).limit(1))).scalar()
    if not found:
        pytest.fail("the ESCO taxonomy was not loaded into the test schema")
    return str(found)


@pytest.fixture(scope="session")
async def skill(curricula_engine: AsyncEngine) -> str:
    async with curricula_engine.connect() as conn:
        found = (await conn.execute(sa.select(taxonomy.skills.c.id).limit(1))).scalar()
    return str(found)


class Graph:
    """GraphQL over HTTP against the gateway, plus direct REST calls to the services to set scenes up."""

    def __init__(
        self, client: httpx.AsyncClient, backends: Backends, token: Callable[..., str], engine: AsyncEngine
    ) -> None:
        self.client = client
        self.backends = backends
        self.token = token
        self.engine = engine

    async def __call__(self, query: str, variables: Json | None = None, token: str | None = None) -> Json:
        headers = auth(token) if token else {}
        r = await self.client.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert r.status_code == 200, r.text
        body: Json = r.json()
        return body

    async def ok(self, query: str, variables: Json | None = None, token: str | None = None) -> Json:
        body = await self(query, variables, token)
        assert not body.get("errors"), body
        data: Json = body["data"]
        return data

    def rest(self, service: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.backends.transports[service].inner, base_url="http://svc")

    # ---- scenes set up straight on the services ------------------------------------------------------

    async def organization(self, kind: str, *, verified: bool = True, project: bool = True) -> uuid.UUID:
        """Registered (and verified) in consortia; ``project`` also writes curricula's projection row, as the
        organisation events would have (the story test runs the real event path instead)."""
        body: Json = {
            "name": f"{kind} {uuid.uuid4().hex[:6]}",
            "kind": kind,
            "region": "Suzhou",
            "registration_number": f"9132{uuid.uuid4().hex[:14].upper()}",
        }
        if kind == "enterprise":
            body["size"] = "sme"
        async with self.rest("consortia") as c:
            r = await c.post("/organizations", json=body, headers=auth(self.token("learner")))
            assert r.status_code == 201, r.text
            org = r.json()
            if verified:
                r = await c.post(
                    f"/organizations/{org['id']}/verify", headers={**auth(self.token("operator")), "If-Match": '"1"'}
                )
                assert r.status_code == 200, r.text
        if project:
            async with self.engine.begin() as conn:
                for table in (organizations_table, jp_organizations.table):
                    await conn.execute(
                        sa.insert(table).values(
                            id=uuid.UUID(org["id"]),
                            name=body["name"],
                            kind=kind,
                            size=body.get("size"),
                            status="verified" if verified else "pending",
                            updated_at=datetime.now(UTC),
                        )
                    )
        return uuid.UUID(org["id"])

    def admin(self, org: uuid.UUID, kind: str = "college") -> str:
        return self.token("college_admin" if kind == "college" else "firm_admin", org=org)

    async def published_curriculum(self, college: uuid.UUID, occupation: str, skill: str) -> Json:
        """A curriculum of ``college`` with version 1 published in curricula, and known as published in joint
        programs' projection (as ``version.published`` would have made it)."""
        headers = auth(self.admin(college))
        async with self.rest("curricula") as c:
            body = {"title": f"Welding {uuid.uuid4().hex[:4]}", "target_occupation": occupation}
            r = await c.post("/curricula", json={**body, "level": "higher_vocational"}, headers=headers)
            assert r.status_code == 201, r.text
            cur: Json = r.json()
            module = {"code": "W1", "title": "Welding", "hours": 40}
            module["outcomes"] = [{"description": "weld", "skills": [{"skill_id": skill, "level": 2}]}]
            for method, path, json in (
                ("PUT", "/draft", {"modules": [module]}),
                ("POST", "/draft/submit", None),
                ("POST", "/publish", None),
            ):
                if_match = {"If-Match": f'"{cur["version"]}"'}
                r = await c.request(method, f"/curricula/{cur['id']}{path}", json=json, headers={**headers, **if_match})
                assert r.status_code == 200, r.text
                cur = r.json()
        v1 = cur["versions"][0]
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.insert(jp_versions.table).values(
                    curriculum_id=uuid.UUID(cur["id"]),
                    number=1,
                    version_id=uuid.UUID(v1["id"]),
                    status="published",
                    college_id=college,
                    title=cur["title"],
                    target_occupation=occupation,
                    level="higher_vocational",
                    effective_date=date(2026, 9, 1),
                    total_hours=v1["total_hours"],
                    skills=v1["skills"],
                    updated_at=datetime.now(UTC),
                )
            )
        return cur

    async def program(self, college: uuid.UUID, partners: list[uuid.UUID], curriculum: Json) -> Json:
        """A joint program proposed by ``college`` and approved by every partner (over REST)."""
        body = {
            "title": f"Order class {uuid.uuid4().hex[:4]}",
            "model": "order_class",
            "partner_ids": [str(p) for p in partners],
            "curriculum_id": curriculum["id"],
            "curriculum_version_number": 1,
            "capacity": 40,
        }
        async with self.rest("joint_programs") as c:
            r = await c.post("/programs", json=body, headers=auth(self.admin(college)))
            assert r.status_code == 201, r.text
            program: Json = r.json()
            for firm in partners:
                r = await c.post(f"/programs/{program['id']}/approve", headers=auth(self.admin(firm, "enterprise")))
                assert r.status_code == 200, r.text
                program = r.json()
        return program


@pytest.fixture
def graph(
    gateway: httpx.AsyncClient, backends: Backends, token: Callable[..., str], curricula_engine: AsyncEngine
) -> Graph:
    backends.reset()
    return Graph(gateway, backends, token, curricula_engine)
