"""Across five services over the real broker: consortia vets a college and a firm; curricula publishes a version
the firm co-authors; joint_programs runs a program on it and opens a cohort, and a learner consents to matching;
talent_pipelines learns all of it from their events. The firm's demand ranks the cohort first with its
explanation; a completed placement (published as internships would) raises the learner's evidence and moves them
along the pipeline; the gap report shows the skill nobody teaches; the firm sends that gap to curricula as a
change proposal, and curricula holds it citing the demand."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from consortia.main import SPEC as CONSORTIA
from curricula.main import SPEC as CURRICULA
from dovetail_shared.events.base import EventPayload, topic_for
from dovetail_shared.events.internships import (
    EvaluationEvidence,
    PlacementCompleted,
    PlacementConfirmed,
    PractisedSkill,
    SkillScore,
)
from dovetail_shared.messaging.envelope import encode
from dovetail_shared.messaging.kafka import make_producer
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.runner import build_consumers
from dovetail_shared.runtime import Runtime
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.plugin import auth, make_token, migrate_once, service_client
from joint_programs.main import SPEC as JOINT_PROGRAMS
from talent_pipelines.main import SPEC as TALENT
from talent_pipelines.taxonomy import graph

pytestmark = pytest.mark.integration

Json = dict[str, Any]
SPECS = (CONSORTIA, CURRICULA, JOINT_PROGRAMS, TALENT)


def skills() -> list[str]:
    """Four essential skills of a real occupation; the fourth earns no hierarchy credit from the first three."""
    g = graph()
    for occupation in sorted(g.essential):
        s = g.essential[occupation]
        rest = [x for x in s[3:] if all(g.relation(x, t) is None and g.relation(t, x) is None for t in s[:3])]
        if len(s) >= 4 and rest:
            return [*s[:3], rest[0]]
    raise AssertionError("no occupation fits")


SKILLS = skills()


@pytest.fixture(scope="module")
def all_settings() -> dict[str, ServiceSettings]:
    return {spec.name: migrate_once(spec) for spec in SPECS}


@pytest.fixture
async def clients(all_settings: dict[str, ServiceSettings]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    gens = {spec.name: service_client(spec, all_settings[spec.name]) for spec in SPECS}
    out = {name: await gen.__anext__() for name, gen in gens.items()}
    yield out
    for gen in gens.values():
        await gen.aclose()


@pytest.fixture
async def workers(all_settings: dict[str, ServiceSettings]) -> AsyncIterator[dict[str, Runtime]]:
    """Every relay and consumer as their roles run them."""
    runtimes = {s.name: Runtime(s, all_settings[s.name]) for s in SPECS}
    running: list[Any] = []
    for s in SPECS:
        running.append(OutboxRelay(all_settings[s.name], runtimes[s.name].engine, s.messaging))
        running += build_consumers(s, runtimes[s.name])
    tasks = [asyncio.create_task(w.run()) for w in running]
    try:
        yield runtimes
    finally:
        for w in running:
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


async def ok(r: Awaitable[httpx.Response], status: int = 200) -> Json:
    response = await r
    assert response.status_code == status, response.text
    out: Json = response.json()
    return out


async def retrying(call: Callable[[], Awaitable[httpx.Response]], status: int) -> Json:
    """A call that answers 409 ``not known here yet`` while a projection catches up, or 422 ``not verified``
    while ``organization.verified`` is on its way behind ``organization.registered``."""
    for _ in range(450):
        r = await call()
        if r.status_code == status or r.status_code not in (409, 422):
            break
        await asyncio.sleep(0.2)
    assert r.status_code == status, r.text
    out: Json = r.json()
    return out


async def publish_as_internships(settings: ServiceSettings, payload: EventPayload, subject: uuid.UUID) -> None:
    """What the internships relay would put on its topic (that service is built in parallel)."""
    producer = make_producer(settings)
    await producer.start()
    try:
        key, value, headers = encode(
            event_id=uuid.uuid4(),
            event_type=payload.event_type,
            source="/dovetail/internships",
            subject=str(subject),
            time=datetime.now(UTC),
            payload=payload.model_dump(mode="json"),
            key=str(subject),
        )
        topic = topic_for(settings.topic_prefix, payload.service(), payload.aggregate)
        await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def test_demand_to_ranking_evidence_pipeline_gap_and_proposal(
    workers: dict[str, Runtime], clients: dict[str, httpx.AsyncClient], all_settings: dict[str, ServiceSettings]
) -> None:
    consortia, curricula, programs, talent = (
        clients[n] for n in ("consortia", "curricula", "joint_programs", "talent_pipelines")
    )
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
    firm = await register("Suzhou Precision Co.", "enterprise")
    college_id, firm_id = uuid.UUID(college["id"]), uuid.UUID(firm["id"])
    college_admin = auth(token("college_admin", org=college_id))
    firm_admin = auth(token("firm_admin", org=firm_id))

    # Curricula: a curriculum the firm co-authors, teaching the first three skills, approved and published.
    module = {
        "code": "M1",
        "title": "Core practice",
        "hours": 120,
        "outcomes": [{"description": "apply", "skills": [{"skill_id": s, "level": 3} for s in SKILLS[:3]]}],
    }
    body = {
        "title": "Mechatronics",
        "target_occupation": None,
        "level": "higher_vocational",
        "co_author_ids": [firm["id"]],
    }
    occupation = next(o for o in sorted(graph().essential) if graph().essential[o][:3] == SKILLS[:3])
    body["target_occupation"] = occupation
    c = await retrying(lambda: curricula.post("/curricula", json=body, headers=college_admin), 201)
    c = await ok(
        curricula.put(
            f"/curricula/{c['id']}/draft",
            json={"modules": [module]},
            headers=college_admin | {"If-Match": f'"{c["version"]}"'},
        )
    )
    c = await ok(curricula.post(f"/curricula/{c['id']}/draft/submit", headers=college_admin))
    c = await ok(
        curricula.post(f"/curricula/{c['id']}/draft/reviews", json={"decision": "approve"}, headers=firm_admin)
    )
    c = await ok(curricula.post(f"/curricula/{c['id']}/publish", headers=college_admin))

    # Joint programs: a program on version 1 with the firm, approved; a cohort opened; a consenting learner.
    program_body = {
        "title": "Mechatronics order class",
        "model": "order_class",
        "partner_ids": [firm["id"]],
        "curriculum_id": c["id"],
        "curriculum_version_number": 1,
        "capacity": 40,
    }
    program = await retrying(lambda: programs.post("/programs", json=program_body, headers=college_admin), 201)
    await ok(programs.post(f"/programs/{program['id']}/approve", headers=firm_admin))
    cohort_body = {
        "intake_term": "2026-autumn",
        "seat_limit": 30,
        "start_date": "2026-09-01",
        "graduation_date": "2028-07-01",
    }
    cohort = await ok(programs.post(f"/programs/{program['id']}/cohorts", json=cohort_body, headers=college_admin), 201)
    cohort = await ok(programs.post(f"/cohorts/{cohort['id']}/open", headers=college_admin))
    sub = f"learner-{uuid.uuid4().hex[:8]}"
    learner_body = {
        "name": "Li Wei",
        "student_number": f"S{uuid.uuid4().hex[:8]}",
        "date_of_birth": "2006-03-14",
        "account_subject": sub,
    }
    learner = await ok(programs.post("/learners", json=learner_body, headers=college_admin), 201)
    await ok(
        programs.post(f"/cohorts/{cohort['id']}/enrolments", json={"learner_id": learner["id"]}, headers=college_admin),
        201,
    )
    me = auth(token("learner", org=college_id, sub=sub))
    await ok(
        programs.post(
            f"/learners/{learner['id']}/consents", json={"purpose": "matching", "firm_id": firm["id"]}, headers=me
        ),
        201,
    )
    ref = learner["ref"]

    # Talent pipelines: the firm's demand for all four skills.
    demand_body = {
        "role_title": "Mechatronics technician",
        "skills": [{"skill_id": s, "weight": 10, "min_level": 2} for s in SKILLS],
        "headcount": 1,
        "needed_by": "2028-09-01",
    }
    demand = await retrying(lambda: talent.post("/demands", json=demand_body, headers=firm_admin), 201)

    async def matches() -> Json:
        return await ok(talent.get(f"/demands/{demand['id']}/matches", params={"limit": 200}, headers=firm_admin))

    async def cohort_and_learner_ranked() -> bool:
        m = await matches()
        return cohort["id"] in {x["id"] for x in m["cohorts"]} and ref in {x["id"] for x in m["learners"]}

    await eventually(cohort_and_learner_ranked)
    m = await matches()
    ranked = next(x for x in m["cohorts"] if x["id"] == cohort["id"])
    best_others = [x["score"] for x in m["cohorts"] if x["id"] != cohort["id"]]
    assert all(ranked["score"] >= s for s in best_others)  # first (ties only with identical supply)
    coverage = {s["skill_id"]: s["coverage"] for s in ranked["skills"]}
    assert coverage == {SKILLS[0]: "covered", SKILLS[1]: "covered", SKILLS[2]: "covered", SKILLS[3]: "missing"}
    assert ranked["score"] == sum(s["points"] for s in ranked["skills"]) + sum(f["points"] for f in ranked["fit"])
    assert ranked["what_would_raise_it"][0]["skill_id"] == SKILLS[3]
    before = next(x for x in m["learners"] if x["id"] == ref)["score"]

    # The pipeline: the firm takes the learner in; internships confirms then completes a placement.
    candidate = await ok(
        talent.post(f"/demands/{demand['id']}/candidates", json={"learner_ref": ref}, headers=firm_admin), 201
    )
    facts = {
        "placement_id": uuid.uuid4(),
        "posting_id": uuid.uuid4(),
        "application_id": uuid.uuid4(),
        "firm_id": firm_id,
        "college_id": college_id,
        "learner_ref": uuid.UUID(ref),
        "start_date": date(2027, 3, 1),
        "end_date": date(2027, 6, 30),
    }
    settings = all_settings["talent_pipelines"]
    await publish_as_internships(settings, PlacementConfirmed(**facts), facts["placement_id"])
    done = PlacementCompleted(
        **facts,
        completed_on=date(2027, 6, 30),
        signed_hours=160,
        practised=[PractisedSkill(skill_id=SKILLS[3], signed_hours=160)],
        evaluations=[
            EvaluationEvidence(evaluator_role="mentor", scores=[SkillScore(skill_id=SKILLS[3], score=4)], grade="good")
        ],
    )
    await publish_as_internships(settings, done, facts["placement_id"])

    async def raised() -> bool:
        m = await matches()
        return next(x for x in m["learners"] if x["id"] == ref)["score"] > before

    await eventually(raised)
    history = await ok(talent.get(f"/candidates/{candidate['id']}", headers=firm_admin))
    assert history["candidate"]["stage"] == "interning"
    assert history["moves"][-1]["by"] == "dovetail.internships.placement.confirmed.v1"

    # The gap nobody teaches, and the firm's change proposal to curricula citing the demand.
    gaps = await ok(talent.get("/analytics/gaps", headers=firm_admin))
    gap = {g["skill_id"]: g for g in gaps["items"]}
    assert gap[SKILLS[3]]["cohorts_teaching"] == 0 and gap[SKILLS[0]]["cohorts_teaching"] >= 1
    draft = await ok(talent.get(f"/demands/{demand['id']}/cohorts/{cohort['id']}/gap-proposal", headers=firm_admin))
    proposal = await ok(curricula.post(draft["send_to"], json=draft["proposal"], headers=firm_admin), 201)
    held = await ok(curricula.get(f"/proposals/{proposal['id']}", headers=college_admin))
    assert held["demand_id"] == demand["id"]
