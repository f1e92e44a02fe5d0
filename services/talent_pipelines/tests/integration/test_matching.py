"""Matching over the real app with supply from events: ranking and explanations, consent, rematching, gaps."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from dovetail_shared.events.curricula import SkillCoverage
from dovetail_shared.events.internships import EvaluationEvidence, PlacementCompleted, PractisedSkill, SkillScore
from dovetail_shared.events.joint_programs import CohortOpened, ConsentWithdrawn, ProgramProposed
from talent_pipelines.tables import messaging

from .conftest import SKILLS, TAUGHT, Api

pytestmark = pytest.mark.integration
CHANGED = "dovetail.talent-pipelines.matches.changed.v1"


async def changes(api: Api, demand_id: str) -> int:
    t = messaging.outbox
    async with api.engine.connect() as conn:
        stmt = sa.select(sa.func.count()).where(t.c.subject == demand_id, t.c.event_type == CHANGED)
        return int(await conn.scalar(stmt) or 0)


def completed(
    ref: uuid.UUID, firm: uuid.UUID, college: uuid.UUID, skill: str, hours: float, score: int
) -> PlacementCompleted:
    return PlacementCompleted(
        placement_id=uuid.uuid4(),
        posting_id=uuid.uuid4(),
        application_id=uuid.uuid4(),
        firm_id=firm,
        college_id=college,
        learner_ref=ref,
        start_date=date(2027, 3, 1),
        end_date=date(2027, 6, 30),
        completed_on=date(2027, 6, 30),
        signed_hours=hours,
        practised=[PractisedSkill(skill_id=skill, signed_hours=hours)],
        evaluations=[
            EvaluationEvidence(evaluator_role="mentor", scores=[SkillScore(skill_id=skill, score=score)], grade="good")
        ],
    )


async def test_the_covering_cohort_ranks_above_a_partial_one_with_an_exact_explanation(api: Api) -> None:
    o = api.orgs
    d = await api.demand()
    full = await api.curriculum(co_authors=[o.firm])
    partial = await api.curriculum(co_authors=[o.firm], skills=TAUGHT[:1])
    full_cohort, _ = await api.cohort(full, partners=[o.firm])
    partial_cohort, _ = await api.cohort(partial, partners=[o.firm], skills=TAUGHT[:1])
    m = await api.matches(d["id"])
    ranked = {c["id"]: c for c in m["cohorts"]}
    a, b = ranked[str(full_cohort)], ranked[str(partial_cohort)]
    assert a["rank"] < b["rank"] and a["score"] > b["score"]
    for c in (a, b):
        assert c["score"] == sum(s["points"] for s in c["skills"]) + sum(f["points"] for f in c["fit"])
    lines = {s["skill_id"]: s for s in a["skills"]}
    assert [lines[s]["coverage"] for s in SKILLS[:4]] == ["covered", "covered", "covered", "missing"]
    assert lines[SKILLS[0]]["evidence"]["kind"] == "taught" and lines[SKILLS[0]]["label"]
    assert a["what_would_raise_it"][0]["skill_id"] == SKILLS[3]
    assert {f["factor"] for f in a["fit"]} == {"date", "region", "capacity"}


async def test_learners_rank_only_under_a_matching_consent_and_leave_at_once_when_it_is_withdrawn(api: Api) -> None:
    o = api.orgs
    d = await api.demand()
    cohort, program = await api.cohort(await api.curriculum(co_authors=[]), partners=[o.firm])
    consenting = await api.learner(cohort, program, consent_firm=o.firm)
    placement_only = await api.learner(cohort, program, consent_firm=None)
    await api.deliver(api.consent(placement_only, o.firm, purpose="placement"))
    other_firms = await api.learner(cohort, program, consent_firm=o.other_firm)
    refs = {x["id"] for x in (await api.matches(d["id"]))["learners"]}
    assert str(consenting) in refs and str(placement_only) not in refs and str(other_firms) not in refs
    before = await changes(api, d["id"])
    consent_id = uuid.uuid4()
    await api.deliver(api.consent(consenting, o.firm, consent_id=consent_id))  # a second consent, then withdrawn
    await api.deliver(
        ConsentWithdrawn(
            consent_id=consent_id,
            learner_ref=consenting,
            firm_id=o.firm,
            purpose="matching",
            withdrawn_at=datetime.now(UTC),
        )
    )
    assert str(consenting) in {x["id"] for x in (await api.matches(d["id"]))["learners"]}  # the first still holds
    # Withdraw the first one too (its id is unknown here: every consent of the learner for the firm goes).
    async with api.runtime.uow() as uow:
        from talent_pipelines.tables import consents_table

        ids = [
            r[0]
            for r in await uow.session.execute(
                sa.select(consents_table.c.consent_id).where(consents_table.c.learner_ref == consenting)
            )
        ]
    for cid in ids:
        await api.deliver(
            ConsentWithdrawn(
                consent_id=cid,
                learner_ref=consenting,
                firm_id=o.firm,
                purpose="matching",
                withdrawn_at=datetime.now(UTC),
            )
        )
    assert str(consenting) not in {x["id"] for x in (await api.matches(d["id"]))["learners"]}
    assert await changes(api, d["id"]) > before  # the firm's top learners changed


async def test_an_enrolment_seen_before_its_cohort_gets_the_taught_skills_when_the_cohort_arrives(api: Api) -> None:
    o = api.orgs
    d = await api.demand()
    cohort_id, program_id = uuid.uuid4(), uuid.uuid4()
    ref = await api.learner(cohort_id, program_id, consent_firm=o.firm)  # the cohort is not known yet
    assert all(
        s["coverage"] == "missing"
        for s in next(x for x in (await api.matches(d["id"]))["learners"] if x["id"] == str(ref))["skills"]
    )
    curriculum = await api.curriculum(co_authors=[])
    await api.deliver(
        CohortOpened(
            cohort_id=cohort_id,
            program_id=program_id,
            college_id=o.college,
            partner_ids=[o.firm],
            model="order_class",
            intake_term="2026-autumn",
            seat_limit=30,
            start_date=date(2026, 9, 1),
            graduation_date=date(2028, 7, 1),
            curriculum_id=curriculum,
            curriculum_version_number=1,
            skills=[SkillCoverage(skill_id=s, level=3, hours=60) for s in TAUGHT],
        )
    )
    mine = next(x for x in (await api.matches(d["id"]))["learners"] if x["id"] == str(ref))
    assert {s["skill_id"] for s in mine["skills"] if s["coverage"] == "covered"} == set(TAUGHT)


async def test_evidence_from_a_completed_placement_raises_the_learners_score(api: Api) -> None:
    o = api.orgs
    d = await api.demand()
    cohort, program = await api.cohort(await api.curriculum(co_authors=[]), partners=[o.firm])
    ref = await api.learner(cohort, program, consent_firm=o.firm)

    def mine(m: dict[str, object]) -> dict[str, object]:
        return next(x for x in m["learners"] if x["id"] == str(ref))  # type: ignore[attr-defined, index]

    before = mine(await api.matches(d["id"]))
    await api.deliver(completed(ref, o.firm, o.college, SKILLS[3], 120, 4))
    after = mine(await api.matches(d["id"]))
    assert after["score"] > before["score"]  # type: ignore[operator]
    line = next(s for s in after["skills"] if s["skill_id"] == SKILLS[3])  # type: ignore[attr-defined]
    assert line["coverage"] == "covered" and line["evidence"]["kind"] == "assessed"


async def test_matches_changed_only_when_the_top_results_change(api: Api) -> None:
    o = api.orgs
    d = await api.demand(region="Kashgar-" + uuid.uuid4().hex[:6])
    cohort, program = await api.cohort(await api.curriculum(co_authors=[]), partners=[o.firm])
    ref = await api.learner(cohort, program, consent_firm=o.firm)
    n = await changes(api, d["id"])
    assert n >= 1  # the learner entered the firm's top
    # A consent for the purpose ``placement`` changes nothing matching may use: no event.
    await api.deliver(api.consent(ref, o.firm, purpose="placement"))
    assert await changes(api, d["id"]) == n
    # The same evidence level again changes no score: no event.
    await api.deliver(api.consent(ref, o.other_firm))
    assert await changes(api, d["id"]) == n
    await api.deliver(completed(ref, o.firm, o.college, SKILLS[3], 200, 5))
    assert await changes(api, d["id"]) == n + 1


async def test_editing_a_demand_re_ranks_it_and_announces_only_a_changed_top(api: Api) -> None:
    o = api.orgs
    d = await api.demand(region="Hotan-" + uuid.uuid4().hex[:6])
    cohort, program = await api.cohort(await api.curriculum(co_authors=[]), partners=[o.firm])
    await api.learner(cohort, program, consent_firm=o.firm)
    n = await changes(api, d["id"])
    before = (await api.client.get(f"/demands/{d['id']}/matches", headers=api.firm())).json()
    # A new title changes no score: no matches.changed.
    r = await api.client.patch(f"/demands/{d['id']}", json={"role_title": "Line technician"}, headers=api.firm())
    assert r.status_code == 200, r.text
    assert await changes(api, d["id"]) == n
    # Asking only for a skill nobody teaches re-ranks it at once: the top changed, announced once.
    skills = [{"skill_id": SKILLS[4], "weight": 10, "min_level": 2}]
    r = await api.client.patch(f"/demands/{d['id']}", json={"skills": skills}, headers=api.firm())
    assert r.status_code == 200, r.text
    assert await changes(api, d["id"]) == n + 1
    after = (await api.client.get(f"/demands/{d['id']}/matches", headers=api.firm())).json()
    assert [line["skill_id"] for line in after["cohorts"][0]["skills"]] == [SKILLS[4]]
    assert after["cohorts"][0]["score"] < before["cohorts"][0]["score"]


async def test_a_college_sees_where_its_own_cohorts_rank_and_no_learners(api: Api) -> None:
    o = api.orgs
    d = await api.demand()
    mine, program = await api.cohort(await api.curriculum(co_authors=[]), partners=[o.firm])
    theirs, _ = await api.cohort(await api.curriculum(co_authors=[]), partners=[o.firm], college=o.other_college)
    await api.learner(mine, program, consent_firm=o.firm)
    m = await api.matches(d["id"], headers=api.as_("college_admin", o.college))
    ids = {c["id"] for c in m["cohorts"]}
    assert str(mine) in ids and str(theirs) not in ids and m["learners"] == []
    assert all(c["college_id"] == str(o.college) for c in m["cohorts"])


async def test_a_co_author_gets_the_gap_as_a_curricula_proposal_and_others_a_clear_refusal(api: Api) -> None:
    o = api.orgs
    d = await api.demand()
    cohort, _ = await api.cohort(await api.curriculum(co_authors=[o.firm]), partners=[o.firm])
    r = await api.client.get(f"/demands/{d['id']}/cohorts/{cohort}/gap-proposal", headers=api.firm())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["proposal"]["demand_id"] == d["id"]
    added = [
        s["skill_id"] for m in body["proposal"]["diff"]["add_modules"] for out in m["outcomes"] for s in out["skills"]
    ]
    assert added == [SKILLS[3]]
    assert body["send_to"] == f"/curricula/{body['curriculum_id']}/proposals"

    other = await api.demand(api.orgs.other_firm)
    r = await api.client.get(f"/demands/{other['id']}/cohorts/{cohort}/gap-proposal", headers=api.firm(o.other_firm))
    api.problem(r, 403, field="cohort_id", rule="not_a_co_author")


async def test_the_gap_report_shows_the_skill_nobody_teaches(api: Api) -> None:
    o = api.orgs
    firm = api.orgs.other_firm
    await api.demand(firm)
    await api.cohort(await api.curriculum(co_authors=[]), partners=[o.firm])
    r = await api.client.get("/analytics/gaps", headers=api.firm(firm))
    assert r.status_code == 200, r.text
    gaps = {g["skill_id"]: g for g in r.json()["items"]}
    assert gaps[SKILLS[3]]["cohorts_teaching"] == 0 and gaps[SKILLS[3]]["demands"] >= 1
    assert gaps[SKILLS[0]]["cohorts_teaching"] >= 1
    assert set(gaps) <= set(SKILLS[:4])  # a firm sees its own demands' skills only
    r = await api.client.get("/analytics/gaps", params={"region": "Nowhere"}, headers=api.firm(firm))
    assert r.status_code == 200 and r.json()["items"] == []


async def test_the_gap_report_counts_only_a_programs_or_a_consortiums_cohorts_when_asked(api: Api) -> None:
    o = api.orgs
    await api.demand(o.other_firm)
    curriculum = await api.curriculum(co_authors=[])
    _, program = await api.cohort(curriculum, partners=[o.firm])
    await api.cohort(curriculum, partners=[o.firm])  # another program's cohort, same skills
    consortium = uuid.uuid4()
    await api.deliver(
        ProgramProposed(
            program_id=program,
            college_id=o.college,
            partner_ids=[o.firm],
            consortium_id=consortium,
            model="order_class",
            title="Order class",
            curriculum_id=curriculum,
            curriculum_version_number=1,
            capacity=30,
        )
    )

    async def teaching(**query: str) -> dict[str, int]:
        r = await api.client.get("/analytics/gaps", params=query, headers=api.firm(o.other_firm))
        assert r.status_code == 200, r.text
        return {g["skill_id"]: g["cohorts_teaching"] for g in r.json()["items"]}

    assert (await teaching())[TAUGHT[0]] >= 2
    by_program = await teaching(program_id=str(program))
    assert by_program[TAUGHT[0]] == 1 and by_program[SKILLS[3]] == 0
    assert (await teaching(consortium_id=str(consortium)))[TAUGHT[0]] == 1
    assert (await teaching(consortium_id=str(uuid.uuid4())))[TAUGHT[0]] == 0
    assert (await teaching(program_id=str(uuid.uuid4())))[TAUGHT[0]] == 0
    r = await api.client.get("/analytics/gaps", params={"program_id": "nope"}, headers=api.firm(o.other_firm))
    api.problem(r, 422, field="program_id")
