"""Joint programs over the real app and database: proposal against the projections, approval by every partner,
decline, launch, the flag when the pinned version is retired or superseded, and re-pinning."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from dovetail_shared.events.curricula import CurriculumVersionPublished, CurriculumVersionRetired, SkillCoverage
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.runtime import Runtime
from dovetail_shared.settings import ServiceSettings
from joint_programs.main import SPEC
from joint_programs.tables import curriculum_versions, messaging
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Api, add_consortium, add_version

pytestmark = pytest.mark.integration


@pytest.fixture
async def runtime(settings: ServiceSettings) -> AsyncIterator[Runtime]:
    rt = Runtime(SPEC, settings)
    yield rt
    await rt.close()


def received(payload: CurriculumVersionPublished | CurriculumVersionRetired) -> ReceivedEvent:
    return ReceivedEvent(
        id=uuid.uuid4(),
        type=payload.event_type,
        source="/dovetail/curricula",
        subject=str(payload.curriculum_id),
        time=datetime.now(UTC),
        data=payload.model_dump(mode="json"),
        correlation_id=None,
        traceparent=None,
        topic="test.curricula.curriculum",
        partition=0,
        offset=0,
    )


async def deliver(runtime: Runtime, payload: CurriculumVersionPublished | CurriculumVersionRetired) -> None:
    """What the ``joint_programs-curriculum-versions`` consumer does with one event (its handler, one transaction)."""
    async with runtime.uow() as uow:
        await curriculum_versions.handlers[payload.event_type](uow, received(payload))
        await uow.commit()


def published(curriculum_id: uuid.UUID, number: int, college_id: uuid.UUID) -> CurriculumVersionPublished:
    return CurriculumVersionPublished(
        curriculum_id=curriculum_id,
        version_id=uuid.uuid4(),
        version_number=number,
        college_id=college_id,
        title="Welding",
        target_occupation="esco:occupation",
        level="higher_vocational",
        total_hours=80,
        skills=[SkillCoverage(skill_id="esco:skill-c", level=3, hours=80)],
    )


async def events_of(engine: AsyncEngine, subject: str) -> list[str]:
    o = messaging.outbox
    async with engine.connect() as conn:
        rows = await conn.execute(sa.select(o.c.event_type).where(o.c.subject == subject).order_by(o.c.id))
        return list(rows.scalars())


async def test_propose_approve_launch_close(api: Api, engine: AsyncEngine) -> None:
    program = await api.propose()
    assert program["status"] == "proposed" and program["curriculum_version_number"] == 2
    first = await api.step(f"/programs/{program['id']}/approve", api.firm_admin(api.orgs.firm_a))
    assert first["status"] == "proposed" and first["approved_by"] == [str(api.orgs.firm_a)]
    r = await api.client.post(f"/programs/{program['id']}/approve", headers=api.firm_admin(api.orgs.firm_a))
    api.problem(r, 409, field="organization_id", rule="already_approved")
    approved = await api.step(f"/programs/{program['id']}/approve", api.firm_admin(api.orgs.firm_b))
    assert approved["status"] == "approved"
    running = await api.step(f"/programs/{program['id']}/launch")
    assert running["status"] == "running" and running["launched_at"]
    closed = await api.step(f"/programs/{program['id']}/close")
    assert closed["status"] == "closed"
    assert await events_of(engine, program["id"]) == [
        "dovetail.joint-programs.program.proposed.v1",
        "dovetail.joint-programs.program.approved.v1",
        "dovetail.joint-programs.program.launched.v1",
        "dovetail.joint-programs.program.closed.v1",
    ]


async def test_a_partner_declines_with_a_reason(api: Api) -> None:
    program = await api.propose()
    r = await api.client.post(
        f"/programs/{program['id']}/decline",
        json={"reason": "no budget this year"},
        headers=api.firm_admin(api.orgs.firm_b),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "declined" and r.json()["decline_reason"] == "no budget this year"
    r = await api.client.post(f"/programs/{program['id']}/approve", headers=api.firm_admin(api.orgs.firm_a))
    api.problem(r, 409, "invalid-transition")


async def test_the_pinned_version_must_be_published(api: Api, engine: AsyncEngine) -> None:
    # Retired (version 1): a definite refusal that names the current version.
    r = await api.client.post(
        "/programs", json=api.program_body(curriculum_version_number=1), headers=api.college_admin()
    )
    body = api.problem(r, 422, field="curriculum_version_number", rule="published_version_required")
    assert "retired" in body["detail"] and "published version is 2" in body["detail"]
    # Above anything known: may be projection lag, so "not known here yet" with Retry-After (ADR 0007).
    r = await api.client.post(
        "/programs", json=api.program_body(curriculum_version_number=3), headers=api.college_admin()
    )
    api.problem(r, 409, "not-known-yet", field="curriculum_version_number")
    assert r.headers["Retry-After"]
    r = await api.client.post(
        "/programs", json=api.program_body(curriculum_id=str(uuid.uuid4())), headers=api.college_admin()
    )
    api.problem(r, 409, "not-known-yet")
    # A lower number never published (a draft that was superseded before publication).
    other = uuid.uuid4()
    await add_version(engine, other, 3)
    r = await api.client.post(
        "/programs",
        json=api.program_body(curriculum_id=str(other), curriculum_version_number=2),
        headers=api.college_admin(),
    )
    api.problem(r, 422, rule="published_version_required")


async def test_partners_are_verified_firms_and_intake_rules_hold(api: Api) -> None:
    o = api.orgs
    r = await api.client.post(
        "/programs",
        json=api.program_body(partner_ids=[str(o.pending_firm)], committed_intake=[]),
        headers=api.college_admin(),
    )
    api.problem(r, 422, field="partner_ids[0]", rule="verified_enterprise_required")
    r = await api.client.post(
        "/programs",
        json=api.program_body(partner_ids=[str(uuid.uuid4())], committed_intake=[]),
        headers=api.college_admin(),
    )
    api.problem(r, 409, "not-known-yet", field="partner_ids[0]")
    r = await api.client.post("/programs", json=api.program_body(model="joint_lab"), headers=api.college_admin())
    api.problem(r, 422, field="committed_intake", rule="intake_only_for_order_class")
    r = await api.client.post(
        "/programs",
        json=api.program_body(committed_intake=[{"firm_id": str(o.outsider), "headcount": 5}]),
        headers=api.college_admin(),
    )
    api.problem(r, 422, field="committed_intake[0].firm_id", rule="not_a_partner")
    r = await api.client.post(
        "/programs",
        json=api.program_body(capacity=5, committed_intake=[{"firm_id": str(o.firm_a), "headcount": 6}]),
        headers=api.college_admin(),
    )
    api.problem(r, 422, rule="intake_exceeds_capacity")
    r = await api.client.post("/programs", json=api.program_body(partner_ids=[]), headers=api.college_admin())
    api.problem(r, 422, field="partner_ids", rule="min_items")


async def test_a_consortium_program_needs_active_members(api: Api, engine: AsyncEngine) -> None:
    o = api.orgs
    consortium = await add_consortium(engine, [o.college, o.firm_a])
    r = await api.client.post(
        "/programs", json=api.program_body(consortium_id=str(consortium)), headers=api.college_admin()
    )
    api.problem(r, 422, field="partner_ids[1]", rule="consortium_member_required")
    program = await api.propose(
        consortium_id=str(consortium), partner_ids=[str(o.firm_a)], model="modern_apprenticeship", committed_intake=[]
    )
    # The firm leaves the consortium (as consortia's member.left event would project it): approval is refused.
    m = SPEC.metadata.tables["joint_programs.consortium_members"] if SPEC.metadata else None
    assert m is not None
    async with engine.begin() as conn:
        await conn.execute(
            sa.update(m)
            .where(m.c.consortium_id == consortium, m.c.organization_id == o.firm_a)
            .values(left_on=datetime.now(UTC).date())
        )
    r = await api.client.post(f"/programs/{program['id']}/approve", headers=api.firm_admin(o.firm_a))
    api.problem(r, 422, field="organization_id", rule="consortium_member_required")


async def test_a_retired_version_flags_the_program_and_blocks_launch_until_re_pinned(
    api: Api, runtime: Runtime, engine: AsyncEngine
) -> None:
    program = await api.approved()
    # Curricula publishes version 3: it supersedes 2 (publication first, then the retirement it causes).
    await deliver(runtime, published(api.orgs.curriculum, 3, api.orgs.college))
    retired = CurriculumVersionRetired(curriculum_id=api.orgs.curriculum, version_id=uuid.uuid4(), version_number=2)
    await deliver(runtime, retired)
    await deliver(runtime, retired)  # redelivered: flagged once
    r = await api.client.get(f"/programs/{program['id']}", headers=api.college_admin())
    flagged = r.json()
    assert flagged["pin_flag"] == "superseded" and flagged["flagged_at"]
    assert (await events_of(engine, program["id"])).count("dovetail.joint-programs.program.flagged.v1") == 1
    r = await api.client.post(f"/programs/{program['id']}/launch", headers=api.college_admin())
    api.problem(r, 422, field="curriculum_version_number", rule="pinned_version_retired")
    repinned = await api.step(f"/programs/{program['id']}/repin")
    assert repinned["curriculum_version_number"] == 3 and repinned["pin_flag"] is None
    r = await api.client.post(f"/programs/{program['id']}/repin", headers=api.college_admin())
    api.problem(r, 409, rule="already_current")
    assert (await api.step(f"/programs/{program['id']}/launch"))["status"] == "running"


async def test_a_version_retired_without_successor_flags_retired(api: Api, runtime: Runtime) -> None:
    program = await api.propose()
    await deliver(
        runtime, CurriculumVersionRetired(curriculum_id=api.orgs.curriculum, version_id=uuid.uuid4(), version_number=2)
    )
    r = await api.client.get(f"/programs/{program['id']}", headers=api.college_admin())
    assert r.json()["pin_flag"] == "retired"
    r = await api.client.post(f"/programs/{program['id']}/repin", headers=api.college_admin())
    api.problem(r, 422, rule="published_version_required")


async def test_lists_show_only_what_the_caller_may_see(api: Api) -> None:
    program = await api.propose()
    o = api.orgs
    ids = lambda r: {p["id"] for p in r.json()["items"]}  # noqa: E731
    assert program["id"] in ids(await api.client.get("/programs", headers=api.college_admin()))
    assert program["id"] in ids(await api.client.get("/programs", headers=api.firm_admin(o.firm_a)))
    assert program["id"] in ids(
        await api.client.get("/programs", params={"partner_id": str(o.firm_b)}, headers=api.as_("operator", None))
    )
    assert program["id"] not in ids(await api.client.get("/programs", headers=api.firm_admin(o.outsider)))
    assert program["id"] not in ids(
        await api.client.get("/programs", headers=api.as_("college_admin", o.other_college))
    )
    r = await api.client.get(f"/programs/{program['id']}", headers=api.firm_admin(o.outsider))
    api.problem(r, 404)
