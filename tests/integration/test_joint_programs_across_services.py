"""Across three services over the real broker: consortia vets the college and the firm and forms the consortium,
curricula publishes a version, and joint_programs learns both from their events: a program pins the published
version, an unpublished or retired one is refused clearly, a firm that left the consortium can no longer approve
the consortium's program, and a newly published version flags the program pinned to the old one."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from consortia.main import SPEC as CONSORTIA
from curricula.main import SPEC as CURRICULA
from curricula.tables import taxonomy
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.runner import build_consumers
from dovetail_shared.runtime import Runtime
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.plugin import auth, make_token, migrate_once, service_client
from joint_programs.main import SPEC as JOINT_PROGRAMS

pytestmark = pytest.mark.integration

Json = dict[str, Any]


@pytest.fixture(scope="module")
def all_settings() -> dict[str, ServiceSettings]:
    return {spec.name: migrate_once(spec) for spec in (CONSORTIA, CURRICULA, JOINT_PROGRAMS)}


@pytest.fixture
async def clients(all_settings: dict[str, ServiceSettings]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    specs = {"consortia": CONSORTIA, "curricula": CURRICULA, "joint_programs": JOINT_PROGRAMS}
    gens = {name: service_client(spec, all_settings[name]) for name, spec in specs.items()}
    out = {name: await gen.__anext__() for name, gen in gens.items()}
    yield out
    for gen in gens.values():
        await gen.aclose()


@pytest.fixture
async def pipeline(all_settings: dict[str, ServiceSettings]) -> AsyncIterator[dict[str, Runtime]]:
    """Consortia's and curricula's relays, curricula's and joint_programs' consumers, as their roles run them."""
    runtimes = {s.name: Runtime(s, all_settings[s.name]) for s in (CONSORTIA, CURRICULA, JOINT_PROGRAMS)}
    workers: list[Any] = [
        OutboxRelay(all_settings["consortia"], runtimes["consortia"].engine, CONSORTIA.messaging),
        OutboxRelay(all_settings["curricula"], runtimes["curricula"].engine, CURRICULA.messaging),
        *build_consumers(CURRICULA, runtimes["curricula"]),
        *build_consumers(JOINT_PROGRAMS, runtimes["joint_programs"]),
    ]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        yield runtimes
    finally:
        for w in workers:
            w.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        for rt in runtimes.values():
            await rt.close()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 90.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true within {timeout}s")
        await asyncio.sleep(0.2)


def rules(r: httpx.Response) -> list[tuple[str, str]]:
    return [(v["field"], v["rule"]) for v in r.json()["violations"]]


async def ok(r: Awaitable[httpx.Response], status: int = 200) -> Json:
    response = await r
    assert response.status_code == status, response.text
    out: Json = response.json()
    return out


async def test_programs_follow_consortia_and_curricula(
    pipeline: dict[str, Runtime], clients: dict[str, httpx.AsyncClient], all_settings: dict[str, ServiceSettings]
) -> None:
    consortia, curricula, programs = clients["consortia"], clients["curricula"], clients["joint_programs"]
    token = make_token(all_settings["consortia"])
    operator = auth(token("operator"))

    async def register(name: str, kind: str) -> Json:
        body = {"name": name, "kind": kind, "region": "Suzhou", "registration_number": f"9132{uuid.uuid4().hex[:14]}"}
        if kind == "enterprise":
            body["size"] = "large"
        org = await ok(consortia.post("/organizations", json=body, headers=auth(token("firm_admin"))), 201)
        await ok(consortia.post(f"/organizations/{org['id']}/verify", headers=operator))
        return org

    college = await register("Suzhou Vocational College", "college")
    firm = await register("Suzhou Precision Welding Co.", "enterprise")
    college_admin = auth(token("college_admin", org=uuid.UUID(college["id"])))
    firm_admin = auth(token("firm_admin", org=uuid.UUID(firm["id"])))
    consortium = await ok(
        consortia.post(
            "/consortia",
            json={"name": "Suzhou welding community", "kind": "industry_community", "charter": "Train welders."},
            headers=college_admin,
        ),
        201,
    )
    r = await consortia.post(f"/consortia/{consortium['id']}/join-requests", json={}, headers=firm_admin)
    assert r.status_code == 201, r.text
    await ok(consortia.post(r.headers["Location"] + "/approve", headers=college_admin))

    jp = pipeline["joint_programs"]

    async def membership(org: str) -> str:
        async with jp.uow() as uow:
            return str(await uow.memberships.membership(uuid.UUID(org), uuid.UUID(consortium["id"])))  # type: ignore[attr-defined]

    async def version_state(curriculum_id: str, number: int) -> str | None:
        async with jp.uow() as uow:
            v = await uow.curriculum_versions.get(uuid.UUID(curriculum_id), number)  # type: ignore[attr-defined]
        return None if v is None else str(v.status)

    async def is_(check: Callable[[], Awaitable[Any]], value: Any) -> bool:
        return await check() == value

    async def vetting(org: str) -> str | None:
        async with jp.uow() as uow:
            known = await uow.organizations.get(uuid.UUID(org))  # type: ignore[attr-defined]
        return None if known is None else str(known.status)

    # Three consumer groups, three topics: each projection catches up on its own.
    await eventually(lambda: is_(lambda: vetting(college["id"]), "verified"))
    await eventually(lambda: is_(lambda: vetting(firm["id"]), "verified"))
    await eventually(lambda: is_(lambda: membership(firm["id"]), "active"))
    await eventually(lambda: is_(lambda: membership(college["id"]), "active"))

    # Curricula (its own organisations projection) publishes version 1 of a college-only curriculum.
    async with pipeline["curricula"].engine.connect() as conn:
        occupation = await conn.scalar(
            sa.select(taxonomy.occupations.c.id).order_by(taxonomy.occupations.c.id).limit(1)
        )
        skill = await conn.scalar(sa.select(taxonomy.skills.c.id).order_by(taxonomy.skills.c.id).limit(1))

    async def create_curriculum() -> Json:
        body = {"title": "Intelligent welding", "target_occupation": occupation, "level": "higher_vocational"}
        for _ in range(450):  # curricula learns of the college from the same events, maybe a little later
            r = await curricula.post("/curricula", json=body, headers=college_admin)
            if r.status_code != 409:
                break
            await asyncio.sleep(0.2)
        assert r.status_code == 201, r.text
        out: Json = r.json()
        return out

    module = {
        "code": "W1",
        "title": "Welding basics",
        "hours": 40,
        "outcomes": [{"description": "weld", "skills": [{"skill_id": skill, "level": 2}]}],
    }

    async def publish(c: Json) -> Json:
        c = await ok(
            curricula.put(
                f"/curricula/{c['id']}/draft",
                json={"modules": [module]},
                headers=college_admin | {"If-Match": f'"{c["version"]}"'},
            )
        )
        c = await ok(curricula.post(f"/curricula/{c['id']}/draft/submit", headers=college_admin))
        return await ok(curricula.post(f"/curricula/{c['id']}/publish", headers=college_admin))

    curriculum = await publish(await create_curriculum())
    await eventually(lambda: is_(lambda: version_state(curriculum["id"], 1), "published"))

    def program(number: int, **extra: Any) -> Json:
        return {
            "title": "Welding apprenticeship",
            "model": "modern_apprenticeship",
            "partner_ids": [firm["id"]],
            "consortium_id": consortium["id"],
            "curriculum_id": curriculum["id"],
            "curriculum_version_number": number,
            "capacity": 30,
            **extra,
        }

    pinned = await ok(programs.post("/programs", json=program(1), headers=college_admin), 201)
    assert pinned["curriculum_version_number"] == 1
    r = await programs.post("/programs", json=program(2), headers=college_admin)  # version 2 is not published
    assert r.status_code == 409 and rules(r) == [("curriculum_version_number", "curriculum_not_known_yet")], r.text
    assert "not known here as published" in r.json()["detail"]
    second = await ok(programs.post("/programs", json=program(1), headers=college_admin), 201)

    # The firm leaves the consortium in consortia: it can no longer approve the consortium's program.
    await ok(consortia.delete(f"/consortia/{consortium['id']}/members/{firm['id']}", headers=firm_admin))
    await eventually(lambda: is_(lambda: membership(firm["id"]), "not_a_member"))
    r = await programs.post(f"/programs/{second['id']}/approve", headers=firm_admin)
    assert r.status_code == 422 and rules(r) == [("organization_id", "consortium_member_required")], r.text

    # Curricula publishes version 2: version 1 is retired, the program pinned to it is flagged superseded.
    c = await ok(curricula.post(f"/curricula/{curriculum['id']}/draft", headers=college_admin), 201)
    await publish(c)

    async def flag() -> str | None:
        r = await programs.get(f"/programs/{pinned['id']}", headers=college_admin)
        value: str | None = r.json()["pin_flag"]
        return value

    await eventually(lambda: is_(flag, "superseded"))
    # (Outside the consortium now, so without it.)
    r = await programs.post("/programs", json=program(1, consortium_id=None), headers=college_admin)
    assert r.status_code == 422 and rules(r) == [("curriculum_version_number", "published_version_required")], r.text
    assert "version 1 is retired; the published version is 2" in r.json()["detail"]
    repinned = await ok(programs.post(f"/programs/{pinned['id']}/repin", headers=college_admin))
    assert repinned["curriculum_version_number"] == 2 and repinned["pin_flag"] is None
