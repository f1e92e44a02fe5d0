"""Consortia integration fixtures: the real app on the real test database, tokens, parties and flows.

The schema is migrated once per session (real Alembic). Tests do not roll back: every test registers its
own organisations (fresh registration numbers), so its rows never meet another test's.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from consortia.main import SPEC
from dovetail_shared.db import make_engine
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.contracts import assert_problem, committed_validator
from dovetail_shared.testing.kafka import header
from dovetail_shared.testing.plugin import auth, make_token, migrate_once, running_relay, service_client
from sqlalchemy.ext.asyncio import AsyncEngine

Json = dict[str, Any]


@pytest.fixture(scope="session")
def settings() -> ServiceSettings:
    # Sync on purpose: migrate_once drives Alembic with asyncio.run.
    return migrate_once(SPEC)


@pytest.fixture
async def client(settings: ServiceSettings) -> AsyncIterator[httpx.AsyncClient]:
    async for c in service_client(SPEC, settings):
        yield c


@pytest.fixture(scope="session")
def token(settings: ServiceSettings) -> Callable[..., str]:
    """``token("firm_admin", org=...)`` mints a bearer token the service accepts."""
    return make_token(settings)


@pytest.fixture
async def engine(settings: ServiceSettings) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(settings, pool_size=2, max_overflow=2)
    yield eng
    await eng.dispose()


@pytest.fixture
async def relay(settings: ServiceSettings, engine: AsyncEngine) -> AsyncIterator[OutboxRelay]:
    async for r in running_relay(settings, engine, SPEC.messaging):
        yield r


def assert_cloudevent(record: Any, *, event_type: str, subject: uuid.UUID) -> Json:
    """Binary-mode CloudEvents headers are all there and right, the key is the aggregate, and the payload
    validates against the committed schema. Returns the payload."""
    assert header(record, "ce_specversion") == "1.0"
    assert header(record, "ce_type") == event_type
    assert header(record, "ce_source") == "/dovetail/consortia"
    assert header(record, "ce_subject") == str(subject)
    assert record.key == str(subject).encode()
    uuid.UUID(header(record, "ce_id") or "")
    assert header(record, "ce_time")
    assert header(record, "content-type") == "application/json"
    assert header(record, "ce_correlationid")
    payload: Json = json.loads(record.value)
    errors = [e.message for e in committed_validator(event_type).iter_errors(payload)]
    assert not errors, f"{event_type}: {errors}"
    return payload


@dataclass(frozen=True)
class Org:
    id: uuid.UUID
    kind: str
    admin: dict[str, str]  # headers of one of its admins

    def admin_if(self, version: int | str) -> dict[str, str]:
        return {**self.admin, "If-Match": f'"{version}"'}


class Api:
    """Thin helpers over the HTTP client: callers, flows, and problem+json assertions."""

    def __init__(self, client: httpx.AsyncClient, token: Callable[..., str]) -> None:
        self.client = client
        self.token = token

    # ---- callers ------------------------------------------------------------------------------------

    def as_(self, *roles: str, org: uuid.UUID | None = None, sub: str | None = None, if_match: Any = None) -> dict:
        headers = auth(self.token(*roles, org=org, sub=sub))
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        return headers

    def operator(self, if_match: Any = None) -> dict[str, str]:
        return self.as_("operator", if_match=if_match)

    # ---- organisations ------------------------------------------------------------------------------

    @staticmethod
    def org_body(kind: str = "enterprise", **overrides: Any) -> Json:
        body: Json = {
            "name": f"{kind} {uuid.uuid4().hex[:6]}",
            "kind": kind,
            "region": "Suzhou",
            "registration_number": f"9132{uuid.uuid4().hex[:14].upper()}",
        }
        if kind == "enterprise":
            body["size"] = "sme"
        body.update(overrides)
        return body

    async def register(self, kind: str = "enterprise", headers: dict[str, str] | None = None, **overrides: Any) -> Json:
        r = await self.client.post(
            "/organizations", json=self.org_body(kind, **overrides), headers=headers or self.as_("learner")
        )
        assert r.status_code == 201, r.text
        out: Json = r.json()
        return out

    async def verify(self, org: Json) -> Json:
        r = await self.client.post(f"/organizations/{org['id']}/verify", headers=self.operator(org["version"]))
        assert r.status_code == 200, r.text
        out: Json = r.json()
        return out

    async def org(self, kind: str = "enterprise", *, verified: bool = True) -> Org:
        body = await self.register(kind)
        if verified:
            await self.verify(body)
        org_id = uuid.UUID(body["id"])
        role = "college_admin" if kind == "college" else "firm_admin"
        return Org(id=org_id, kind=kind, admin=self.as_(role, org=org_id))

    # ---- consortia ----------------------------------------------------------------------------------

    async def form(self, lead: Org, **overrides: Any) -> Json:
        body: Json = {
            "name": f"Consortium {uuid.uuid4().hex[:6]}",
            "name_zh": "苏州智能制造产教联合体",
            "kind": "city_consortium",
            "charter": "Members co-design curricula, share equipment and place students.",
        }
        body.update(overrides)
        r = await self.client.post("/consortia", json=body, headers=lead.admin)
        assert r.status_code == 201, r.text
        out: Json = r.json()
        return out

    async def get(self, c: Json, headers: dict[str, str] | None = None) -> Json:
        r = await self.client.get(f"/consortia/{c['id']}", headers=headers or {})
        assert r.status_code == 200, r.text
        out: Json = r.json()
        return out

    async def ask(self, c: Json, org: Org, role: str = "member", expect: int = 201) -> httpx.Response:
        r = await self.client.post(
            f"/consortia/{c['id']}/join-requests", json={"requested_role": role}, headers=org.admin
        )
        assert r.status_code == expect, r.text
        return r

    async def admit(self, c: Json, lead: Org, org: Org, role: str = "member") -> Json:
        """Join request by ``org``, approved by ``lead``; returns the consortium after approval."""
        response = await self.ask(c, org, role)
        asked = response.json()
        r = await self.client.post(f"{response.headers['Location']}/approve", headers=lead.admin_if(asked["version"]))
        assert r.status_code == 200, r.text
        out: Json = r.json()
        return out

    async def active(self) -> tuple[Json, Org, Org]:
        """An active consortium led by a verified college with one verified enterprise member."""
        college, firm = await self.org("college"), await self.org("enterprise")
        c = await self.form(college)
        c = await self.admit(c, college, firm)
        assert c["status"] == "active", c
        return c, college, firm

    # ---- assertions ---------------------------------------------------------------------------------

    problem = staticmethod(assert_problem)


@pytest.fixture
def api(client: httpx.AsyncClient, token: Callable[..., str]) -> Api:
    return Api(client, token)
