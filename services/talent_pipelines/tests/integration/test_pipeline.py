"""The pipeline per demand: firm moves, moves from internships' events, hires closing the demand, the funnel,
and erasure (every column of the schema scanned for the learner's reference)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from dovetail_shared.events.internships import PlacementConfirmed, PlacementTerminated
from dovetail_shared.events.joint_programs import LearnerErased
from talent_pipelines.tables import SCHEMA

from .conftest import Api, Json

pytestmark = pytest.mark.integration


async def pipeline(api: Api, headcount: int = 1) -> tuple[Json, uuid.UUID, uuid.UUID]:
    o = api.orgs
    d = await api.demand(headcount=headcount)
    cohort, program = await api.cohort(await api.curriculum(co_authors=[]), partners=[o.firm])
    ref = await api.learner(cohort, program, consent_firm=o.firm)
    r = await api.client.post(f"/demands/{d['id']}/candidates", json={"learner_ref": str(ref)}, headers=api.firm())
    assert r.status_code == 201, r.text
    return d, ref, uuid.UUID(r.json()["id"])


def placement(
    kind: type[PlacementConfirmed] | type[PlacementTerminated], api: Api, ref: uuid.UUID, **extra: object
) -> object:
    return kind(
        placement_id=uuid.uuid4(),
        posting_id=uuid.uuid4(),
        application_id=uuid.uuid4(),
        firm_id=api.orgs.firm,
        college_id=api.orgs.college,
        learner_ref=ref,
        start_date=date(2027, 3, 1),
        end_date=date(2027, 6, 30),
        **extra,
    )


async def step(api: Api, candidate: uuid.UUID, to: str, expect: int = 200) -> Json:
    r = await api.client.post(f"/candidates/{candidate}/advance", json={"to_stage": to}, headers=api.firm())
    assert r.status_code == expect, r.text
    out: Json = r.json()
    return out


async def test_firm_moves_and_a_confirmed_placement_move_the_candidate_and_a_hire_fills_the_demand(api: Api) -> None:
    d, ref, candidate = await pipeline(api)
    await step(api, candidate, "engaged")
    await api.deliver(placement(PlacementConfirmed, api, ref))  # type: ignore[arg-type]
    r = await api.client.get(f"/candidates/{candidate}", headers=api.firm())
    history = r.json()
    assert history["candidate"]["stage"] == "interning"
    assert [m["to_stage"] for m in history["moves"]] == ["matched", "engaged", "interning"]
    assert history["moves"][-1]["by"] == "dovetail.internships.placement.confirmed.v1"
    assert all(m["moved_at"] for m in history["moves"])
    api.problem(
        await api.client.post(f"/candidates/{candidate}/advance", json={"to_stage": "engaged"}, headers=api.firm()),
        422,
        field="to_stage",
        rule="stage_order",
    )
    await step(api, candidate, "offered")
    await step(api, candidate, "hired")
    r = await api.client.get(f"/demands/{d['id']}", headers=api.firm())
    assert r.json()["status"] == "filled" and r.json()["hired"] == 1
    r = await api.client.get(f"/demands/{d['id']}/funnel", headers=api.firm())
    f = r.json()
    assert f["reached"] == {"matched": 1, "engaged": 1, "interning": 1, "offered": 1, "hired": 1, "retained": 0}
    assert f["conversion_percent"]["hired"] == 100 and f["days_to_fill"] == 0
    # Operators see aggregates: a count of one could point at the learner, so it is suppressed.
    r = await api.client.get(f"/demands/{d['id']}/funnel", headers=api.as_("operator", None))
    assert r.status_code == 200 and r.json()["reached"]["hired"] is None


async def test_a_terminated_placement_drops_an_interning_candidate(api: Api) -> None:
    _, ref, candidate = await pipeline(api)
    await api.deliver(placement(PlacementConfirmed, api, ref))  # type: ignore[arg-type]
    await api.deliver(
        placement(PlacementTerminated, api, ref, terminated_on=date(2027, 4, 1), reason="learner_request")
    )  # type: ignore[arg-type]
    r = await api.client.get(f"/candidates/{candidate}", headers=api.firm())
    assert r.json()["candidate"]["stage"] == "dropped"
    assert r.json()["candidate"]["drop_reason"] == "placement_terminated"


async def test_only_matched_consenting_learners_enter_and_only_once(api: Api) -> None:
    d, ref, _ = await pipeline(api, headcount=3)
    r = await api.client.post(f"/demands/{d['id']}/candidates", json={"learner_ref": str(ref)}, headers=api.firm())
    api.problem(r, 409, field="learner_ref", rule="already_candidate")
    r = await api.client.post(
        f"/demands/{d['id']}/candidates", json={"learner_ref": str(uuid.uuid4())}, headers=api.firm()
    )
    api.problem(r, 422, field="learner_ref", rule="not_matched")


async def test_a_firm_drops_a_candidate_with_a_reason_code(api: Api) -> None:
    _, _, candidate = await pipeline(api)
    r = await api.client.post(f"/candidates/{candidate}/drop", json={"reason": "whatever"}, headers=api.firm())
    api.problem(r, 422, field="reason")
    r = await api.client.post(f"/candidates/{candidate}/drop", json={"reason": "learner_declined"}, headers=api.firm())
    assert r.status_code == 200 and r.json()["stage"] == "dropped"


async def holders(api: Api, ref: uuid.UUID) -> list[str]:
    """Every table of the schema with a row whose text holds the reference: a scan, not a list of known columns.

    The outbox is left out: it is the record of events already handed to Kafka, where the pseudonymous
    reference travels by design (ADR 0023); the inbox holds event ids only."""
    async with api.engine.connect() as conn:
        tables = (
            await conn.execute(
                sa.text("SELECT table_name FROM information_schema.tables WHERE table_schema = :s"), {"s": SCHEMA}
            )
        ).scalars()
        found = []
        for table in sorted(set(tables) - {"outbox", "inbox"}):
            stmt = sa.text(f'SELECT count(*) FROM "{SCHEMA}"."{table}" t WHERE strpos(t::text, :ref) > 0')
            if await conn.scalar(stmt, {"ref": str(ref)}):
                found.append(table)
        return found


async def test_erasure_purges_every_trace_of_the_learner_and_keeps_the_counts(api: Api) -> None:
    d, ref, candidate = await pipeline(api)
    await step(api, candidate, "engaged")
    held = await holders(api, ref)
    assert {"candidates", "learner_evidence", "supply_consents", "supply_learners"} <= set(held), held
    await api.deliver(LearnerErased(learner_ref=ref, college_id=api.orgs.college, erased_at=datetime.now(UTC)))
    assert await holders(api, ref) == []
    assert str(ref) not in {x["id"] for x in (await api.matches(d["id"]))["learners"]}
    r = await api.client.get(f"/candidates/{candidate}", headers=api.firm())
    body = r.json()
    assert body["candidate"]["learner_ref"] is None and body["candidate"]["stage"] == "dropped"
    assert body["candidate"]["drop_reason"] == "erased"
    f = (await api.client.get(f"/demands/{d['id']}/funnel", headers=api.firm())).json()
    assert f["reached"]["engaged"] == 1 and f["dropped"] == 1
