"""``learner.erased`` honoured: the learner's free text and every link to the person go; pseudonymous facts stay.

The scan reads every text, jsonb and array column of the schema (outbox and inbox included), not a list of known
columns, so a new column holding the learner's words fails the test until erasure purges it.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from dovetail_shared.events.joint_programs import ConsentGiven, LearnerErased, LearnerRegistered
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.principal import account_digest
from dovetail_shared.runtime import Runtime
from dovetail_shared.settings import ServiceSettings
from internships.main import SPEC
from internships.messaging.learners import handlers
from internships.tables import SCHEMA
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import NOW, Api

pytestmark = pytest.mark.integration


async def deliver(settings: ServiceSettings, payload: Any) -> None:
    """One event through the learners group's handler, in a unit of work of its own, as the consumer runs it."""
    event = ReceivedEvent(
        id=uuid.uuid4(),
        type=payload.event_type,
        source="test",
        subject=None,
        time=NOW,
        data=payload.model_dump(mode="json"),
        correlation_id=None,
        traceparent=None,
        topic="test",
        partition=0,
        offset=0,
    )
    runtime = Runtime(SPEC, settings)
    try:
        async with runtime.uow() as uow:
            await handlers[payload.event_type](uow, event)
            await uow.commit()
    finally:
        await runtime.close()


async def _holders(engine: AsyncEngine, needle: str) -> list[str]:
    found = []
    async with engine.connect() as conn:
        columns = await conn.execute(
            sa.text(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = :s "
                "AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY', 'USER-DEFINED')"
            ),
            {"s": SCHEMA},
        )
        for table, column in columns.all():
            hit = await conn.scalar(
                sa.text(f'SELECT count(*) FROM "{SCHEMA}"."{table}" WHERE strpos("{column}"::text, :n) > 0'),
                {"n": needle},
            )
            if hit:
                found.append(f"{table}.{column}")
    return found


async def test_consent_given_links_the_account_and_erasure_unlinks_it_and_purges_free_text(
    api: Api, engine: AsyncEngine, settings: ServiceSettings
) -> None:
    flow = await api.active()
    assert flow.placement and flow.mentor and flow.teacher and flow.application
    pid = flow.placement["id"]
    words = {
        "letter": f"Dear firm, I am {flow.sub}",
        "tasks": f"Tasks of {uuid.uuid4().hex}",
        "comment": f"Comment {uuid.uuid4().hex}",
        "eval": f"Evaluation {uuid.uuid4().hex}",
    }
    entry = (await api.entry(flow, tasks=words["tasks"])).json()
    second = (await api.entry(flow, entry_date="2026-12-01")).json()
    await api.ok("POST", f"/logbook-entries/{entry['id']}/sign", flow.mentor)
    await api.ok("POST", f"/logbook-entries/{second['id']}/return", flow.mentor, {"comment": words["comment"]})
    evaluation = {"scores": [], "grade": "good", "comment": words["eval"]}
    await api.ok("POST", f"/placements/{pid}/evaluations", flow.mentor, evaluation, 201)
    words["rating"] = f"Rating {uuid.uuid4().hex}"
    await api.ok("POST", f"/placements/{pid}/rating", flow.learner, {"score": 4, "comment": words["rating"]}, 201)
    live = await api.applied(who=(flow.sub, flow.ref, flow.learner))
    assert live.application is not None
    digest = account_digest(flow.sub)
    for needle in (*words.values(), digest):
        assert await _holders(engine, needle), needle  # the scan finds what is there

    await deliver(settings, LearnerErased(learner_ref=flow.ref, college_id=api.orgs.college, erased_at=NOW))
    for needle in (*words.values(), digest):
        assert await _holders(engine, needle) == [], needle
    # The learner's token no longer reaches anything; the firm and the college keep the pseudonymous facts.
    api.problem(await api.client.get(f"/placements/{pid}", headers=flow.learner), 404)
    placement = await api.ok("GET", f"/placements/{pid}", api.college_admin())
    assert placement["learner_ref"] == str(flow.ref) and placement["status"] == "active"
    withdrawn = await api.ok("GET", f"/applications/{live.application['id']}", api.firm_admin())
    assert withdrawn["status"] == "withdrawn" and withdrawn["cover_letter"] is None
    weeks = await api.ok("GET", f"/placements/{pid}/logbook/weeks", flow.teacher)
    assert weeks[0]["signed_hours"] == 7.0  # hours stay, the words are gone
    entries = await api.ok("GET", f"/placements/{pid}/logbook", flow.teacher)
    assert {e["tasks"] for e in entries["items"]} == {None}
    # A redelivery changes nothing more.
    await deliver(settings, LearnerErased(learner_ref=flow.ref, college_id=api.orgs.college, erased_at=NOW))


async def test_a_placement_consent_event_links_the_account_and_carries_only_minors_age_facts(
    api: Api, engine: AsyncEngine, settings: ServiceSettings
) -> None:
    posting = await api.posting()
    ref, sub = uuid.uuid4(), f"learner-{uuid.uuid4().hex[:6]}"
    await deliver(settings, LearnerRegistered(learner_ref=ref, college_id=api.orgs.college))
    me = api.as_("learner", None, sub=sub)
    r = await api.client.post(f"/postings/{posting['id']}/applications", json={}, headers=me)
    api.problem(r, 403, rule="placement_consent_required")
    consent = ConsentGiven(
        consent_id=uuid.uuid4(),
        learner_ref=ref,
        firm_id=api.orgs.firm,
        purpose="placement",
        given_at=NOW,
        account_digest=account_digest(sub),
    )
    await deliver(settings, consent)
    app = await api.ok("POST", f"/postings/{posting['id']}/applications", me, {}, 201)
    assert app["learner_ref"] == str(ref)
