"""Across two services over the real broker: consortia vets organisations and forms consortia, curricula learns
it from the events (the shared organisations and membership projections) and decides by them: a verified firm
co-authors, an unverified one is refused by name and rule, one not known yet is a retryable 409; a curriculum
needs a verified college and, if it names a consortium, one the college is an active member of."""

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
from curricula.tables import organizations_table, taxonomy
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.runner import build_consumers
from dovetail_shared.runtime import Runtime
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.plugin import auth, make_token, migrate_once, service_client


@pytest.fixture(scope="session")
def consortia_settings() -> ServiceSettings:
    return migrate_once(CONSORTIA)


@pytest.fixture(scope="session")
def curricula_settings() -> ServiceSettings:
    return migrate_once(CURRICULA)


@pytest.fixture
async def consortia_client(consortia_settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in service_client(CONSORTIA, consortia_settings):
        yield c


@pytest.fixture
async def curricula_client(curricula_settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in service_client(CURRICULA, curricula_settings):
        yield c


@pytest.fixture
async def curricula_runtime(curricula_settings: ServiceSettings) -> AsyncIterator[Runtime]:
    runtime = Runtime(CURRICULA, curricula_settings)
    yield runtime
    await runtime.close()


@pytest.fixture
async def pipeline(consortia_settings: ServiceSettings, curricula_runtime: Runtime) -> AsyncIterator[None]:
    """Consortia's outbox relay and curricula's consumers, as their ``relay`` and ``consumer`` roles run them."""
    consortia_runtime = Runtime(CONSORTIA, consortia_settings)
    workers: list[Any] = [
        OutboxRelay(consortia_settings, consortia_runtime.engine, CONSORTIA.messaging),
        *build_consumers(CURRICULA, curricula_runtime),
    ]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        yield
    finally:
        for w in workers:
            w.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        await consortia_runtime.close()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true within {timeout}s")
        await asyncio.sleep(0.2)


async def test_curricula_accepts_co_authors_that_consortia_verified(
    pipeline: None,
    consortia_client: httpx.AsyncClient,
    curricula_client: httpx.AsyncClient,
    curricula_runtime: Runtime,
    consortia_settings: ServiceSettings,
) -> None:
    token = make_token(consortia_settings)
    register = registrar(consortia_client, token)
    verified = await register("Changzhou Drivetrain Co.", verify=True)
    pending = await register("Unvetted Staffing Ltd.")
    college_org = await register("Changzhou Institute of Technology", kind="college", verify=True, tz="Asia/Shanghai")

    async def projected(org_id: str, status: str) -> bool:
        async with curricula_runtime.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(organizations_table).where(organizations_table.c.id == uuid.UUID(org_id)))
            ).first()
        return row is not None and row.status == status

    await eventually(lambda: projected(verified["id"], "verified"))
    await eventually(lambda: projected(pending["id"], "pending"))
    await eventually(lambda: projected(college_org["id"], "verified"))
    async with curricula_runtime.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(organizations_table).where(organizations_table.c.id == uuid.UUID(verified["id"]))
            )
        ).one()
        occupation = await conn.scalar(
            sa.select(taxonomy.occupations.c.id).order_by(taxonomy.occupations.c.id).limit(1)
        )
    assert (row.name, row.kind, row.size, row.time_zone) == ("Changzhou Drivetrain Co.", "enterprise", "large", "UTC")
    async with curricula_runtime.uow() as uow:
        college = await uow.organizations.get(uuid.UUID(college_org["id"]))  # type: ignore[attr-defined]
    assert college.time_zone == "Asia/Shanghai"  # carried by the events, kept by the projection
    assert occupation, "the ESCO taxonomy was not loaded into the curricula test schema"

    college_admin = auth(token("college_admin", org=uuid.UUID(college_org["id"])))

    def curriculum(*co_authors: str) -> dict[str, Any]:
        return {
            "title": "Electric drivetrain maintenance",
            "target_occupation": occupation,
            "level": "higher_vocational",
            "co_author_ids": list(co_authors),
        }

    r = await curricula_client.post("/curricula", json=curriculum(verified["id"]), headers=college_admin)
    assert r.status_code == 201, r.text
    assert r.json()["co_author_ids"] == [verified["id"]]

    r = await curricula_client.post("/curricula", json=curriculum(pending["id"]), headers=college_admin)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert rules(r) == [("co_author_ids[0]", "verified_enterprise_required")]

    # Not known here (yet): a retryable answer with its own rule, not a definite refusal.
    r = await curricula_client.post("/curricula", json=curriculum(str(uuid.uuid4())), headers=college_admin)
    assert r.status_code == 409 and r.json()["type"].endswith("/not-known-yet"), r.text
    assert r.headers["Retry-After"]
    assert rules(r) == [("co_author_ids[0]", "organization_not_known_yet")]


def rules(r: httpx.Response) -> list[tuple[str, str]]:
    return [(v["field"], v["rule"]) for v in r.json()["violations"]]


def registrar(client: httpx.AsyncClient, token: Callable[..., str]) -> Callable[..., Awaitable[dict[str, Any]]]:
    """Registers an organisation in consortia (and has an operator verify or reject it)."""

    async def register(
        name: str, *, kind: str = "enterprise", verify: bool = False, tz: str | None = None
    ) -> dict[str, Any]:
        body = {
            "name": name,
            "kind": kind,
            "region": "Changzhou",
            "registration_number": f"9132{uuid.uuid4().hex[:14].upper()}",
        }
        if tz is not None:
            body["time_zone"] = tz
        if kind == "enterprise":
            body["size"] = "large"
        r = await client.post("/organizations", json=body, headers=auth(token("firm_admin")))
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        if verify:
            r = await client.post(f"/organizations/{out['id']}/verify", headers=auth(token("operator")))
            assert r.status_code == 200, r.text
        return out

    return register


async def test_a_rejected_organisation_and_consortium_membership_reach_curricula(
    pipeline: None,
    consortia_client: httpx.AsyncClient,
    curricula_client: httpx.AsyncClient,
    curricula_runtime: Runtime,
    consortia_settings: ServiceSettings,
) -> None:
    token = make_token(consortia_settings)
    register = registrar(consortia_client, token)
    college = await register("Wuxi Vocational College", kind="college", verify=True)
    other_college = await register("Suzhou Polytechnic", kind="college", verify=True)
    refused = await register("Phantom Hiring Ltd.")
    refused_college = await register("Diploma Mill College", kind="college")
    for org in (refused, refused_college):
        r = await consortia_client.post(
            f"/organizations/{org['id']}/reject", json={"reason": "no such company"}, headers=auth(token("operator"))
        )
        assert r.status_code == 200, r.text
    lead_admin = auth(token("college_admin", org=uuid.UUID(college["id"])))
    r = await consortia_client.post(
        "/consortia",
        json={"name": "Wuxi IoT community", "kind": "industry_community", "charter": "Share labs."},
        headers=lead_admin,
    )
    assert r.status_code == 201, r.text
    consortium = r.json()

    async def status_of(org_id: str) -> str | None:
        async with curricula_runtime.uow() as uow:
            known = await uow.organizations.get(uuid.UUID(org_id))  # type: ignore[attr-defined]
        return None if known is None else str(known.status)

    async def membership() -> str:
        async with curricula_runtime.uow() as uow:
            answer = await uow.memberships.membership(  # type: ignore[attr-defined]
                uuid.UUID(college["id"]), uuid.UUID(consortium["id"])
            )
        return str(answer)

    async def is_(check: Callable[[], Awaitable[Any]], value: str) -> bool:
        return await check() == value

    await eventually(lambda: is_(lambda: status_of(refused["id"]), "rejected"))
    await eventually(lambda: is_(lambda: status_of(refused_college["id"]), "rejected"))
    await eventually(lambda: is_(lambda: status_of(other_college["id"]), "verified"))
    await eventually(lambda: is_(membership, "active"))
    async with curricula_runtime.engine.connect() as conn:
        occupation = await conn.scalar(
            sa.select(taxonomy.occupations.c.id).order_by(taxonomy.occupations.c.id).limit(1)
        )

    def body(**extra: Any) -> dict[str, Any]:
        return {"title": "IoT maintenance", "target_occupation": occupation, "level": "higher_vocational", **extra}

    # organization.rejected: the firm may not co-author, the college may not own a curriculum.
    r = await curricula_client.post("/curricula", json=body(co_author_ids=[refused["id"]]), headers=lead_admin)
    assert r.status_code == 422 and rules(r) == [("co_author_ids[0]", "verified_enterprise_required")], r.text
    refused_admin = auth(token("college_admin", org=uuid.UUID(refused_college["id"])))
    r = await curricula_client.post("/curricula", json=body(), headers=refused_admin)
    assert r.status_code == 422 and rules(r) == [("college_id", "verified_college_required")], r.text

    # A consortium the college leads is accepted; another college is not a member; an unknown one is "not yet".
    r = await curricula_client.post("/curricula", json=body(consortium_id=consortium["id"]), headers=lead_admin)
    assert r.status_code == 201, r.text
    other_admin = auth(token("college_admin", org=uuid.UUID(other_college["id"])))
    r = await curricula_client.post("/curricula", json=body(consortium_id=consortium["id"]), headers=other_admin)
    assert r.status_code == 422 and rules(r) == [("consortium_id", "consortium_member_required")], r.text
    r = await curricula_client.post("/curricula", json=body(consortium_id=str(uuid.uuid4())), headers=lead_admin)
    assert r.status_code == 409 and r.headers["Retry-After"], r.text
    assert rules(r) == [("consortium_id", "consortium_not_known_yet")]

    # Dissolved: no longer a consortium to name.
    r = await consortia_client.post(f"/consortia/{consortium['id']}/dissolve", headers=lead_admin)
    assert r.status_code == 200, r.text
    await eventually(lambda: is_(membership, "dissolved"))
    r = await curricula_client.post("/curricula", json=body(consortium_id=consortium["id"]), headers=lead_admin)
    assert r.status_code == 422 and rules(r) == [("consortium_id", "active_consortium_required")], r.text
