"""Across two services over the real broker: consortia vets an enterprise, curricula learns it from the
event and lets it co-author; an unverified or unknown organisation is refused by name and rule."""

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
    operator = auth(token("operator"))

    async def register(name: str) -> dict[str, Any]:
        body = {
            "name": name,
            "kind": "enterprise",
            "size": "large",
            "region": "Changzhou",
            "registration_number": f"9132{uuid.uuid4().hex[:14].upper()}",
        }
        r = await consortia_client.post("/organizations", json=body, headers=auth(token("firm_admin")))
        assert r.status_code == 201, r.text
        out: dict[str, Any] = r.json()
        return out

    verified = await register("Changzhou Drivetrain Co.")
    r = await consortia_client.post(f"/organizations/{verified['id']}/verify", headers=operator)
    assert r.status_code == 200, r.text
    pending = await register("Unvetted Staffing Ltd.")

    async def projected(org_id: str, status: str) -> bool:
        async with curricula_runtime.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(organizations_table).where(organizations_table.c.id == uuid.UUID(org_id)))
            ).first()
        return row is not None and row.status == status

    await eventually(lambda: projected(verified["id"], "verified"))
    await eventually(lambda: projected(pending["id"], "pending"))
    async with curricula_runtime.engine.connect() as conn:
        row = (
            await conn.execute(
                sa.select(organizations_table).where(organizations_table.c.id == uuid.UUID(verified["id"]))
            )
        ).one()
        occupation = await conn.scalar(
            sa.select(taxonomy.occupations.c.id).order_by(taxonomy.occupations.c.id).limit(1)
        )
    assert (row.name, row.kind, row.size) == ("Changzhou Drivetrain Co.", "enterprise", "large")
    assert occupation, "the ESCO taxonomy was not loaded into the curricula test schema"

    college = uuid.uuid4()
    college_admin = auth(token("college_admin", org=college))

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

    for org_id in (pending["id"], str(uuid.uuid4())):
        r = await curricula_client.post("/curricula", json=curriculum(org_id), headers=college_admin)
        assert r.status_code == 422, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert [(v["field"], v["rule"]) for v in r.json()["violations"]] == [
            ("co_author_ids[0]", "verified_enterprise_required")
        ]
