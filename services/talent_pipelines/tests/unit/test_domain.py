"""Demands (defaults from the occupation, validation, lifecycle, expiry) and candidates (forward-only stages)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from dovetail_shared.errors import InvalidTransition, ValidationFailed
from dovetail_shared.events.talent_pipelines import CandidateHired, DemandExpired, DemandFilled, DemandSkill
from talent_pipelines.domain import Candidate, DemandStatus, DropReason, Stage, TalentDemand
from talent_pipelines.domain.demand import ESSENTIAL_WEIGHT, OPTIONAL_WEIGHT
from talent_pipelines.taxonomy import graph

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
TODAY = NOW.date()


def occupation_with_both() -> str:
    g = graph()
    return next(o for o in sorted(g.essential) if g.optional.get(o) and len(g.essential[o]) + len(g.optional[o]) < 40)


def post(**overrides: object) -> TalentDemand:
    values: dict[str, object] = {
        "firm_id": uuid.uuid4(),
        "role_title": "Welding technician",
        "occupation_id": None,
        "skills": [DemandSkill(skill_id=next(iter(sorted(graph().labels))), weight=5, min_level=2)],
        "headcount": 2,
        "region": "Suzhou",
        "needed_by": date(2027, 7, 1),
        "today": TODAY,
        "now": NOW,
        "graph": graph(),
    }
    values.update(overrides)
    demand, _ = TalentDemand.post(**values)  # type: ignore[arg-type]
    return demand


def test_only_the_occupation_gives_its_essential_then_optional_skills() -> None:
    occupation = occupation_with_both()
    g = graph()
    d = post(occupation_id=occupation, skills=[])
    essential = [s for s in d.skills if s.weight == ESSENTIAL_WEIGHT]
    optional = [s for s in d.skills if s.weight == OPTIONAL_WEIGHT]
    assert [s.skill_id for s in essential] == g.essential[occupation]
    assert [s.skill_id for s in optional] == g.optional[occupation]
    assert all(g.is_skill(s.skill_id) for s in d.skills)


def test_invented_ids_and_bad_values_are_refused_by_field() -> None:
    with pytest.raises(ValidationFailed) as e:
        post(
            skills=[DemandSkill(skill_id="esco:made-up", weight=0, min_level=9)],
            headcount=0,
            needed_by=TODAY,
            occupation_id="nope",
        )
    found = {(v.field, v.rule) for v in e.value.violations}
    assert {
        ("skills[0].skill_id", "known_skill"),
        ("skills[0].weight", "range"),
        ("skills[0].min_level", "range"),
        ("headcount", "range"),
        ("needed_by", "date_order"),
        ("occupation_id", "known_occupation"),
    } <= found
    with pytest.raises(ValidationFailed) as e:
        post(skills=[])
    assert e.value.violations[0].rule == "skills_or_occupation"


def test_expiry_after_the_needed_by_day_only() -> None:
    d = post()
    assert not d.is_due(date(2027, 7, 1))
    with pytest.raises(InvalidTransition):
        d.expire(date(2027, 7, 1), NOW)
    [event] = d.expire(date(2027, 7, 2), NOW)
    assert isinstance(event.payload, DemandExpired) and d.status is DemandStatus.EXPIRED
    with pytest.raises(InvalidTransition):
        d.cancel(NOW)


def test_hires_fill_the_demand_at_its_headcount() -> None:
    d = post(headcount=2)
    assert d.record_hire(NOW) == []
    [event] = d.record_hire(NOW)
    assert isinstance(event.payload, DemandFilled) and d.status is DemandStatus.FILLED


def test_candidates_move_forward_only_and_drop_with_a_reason() -> None:
    c, [matched] = Candidate.match(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), NOW)
    assert matched.payload.to_stage == "matched"  # type: ignore[attr-defined]
    c.advance(Stage.INTERNING, "x", NOW)  # skipping engaged is allowed
    with pytest.raises(ValidationFailed):
        c.advance(Stage.ENGAGED, "firm", NOW)
    [hired] = c.advance(Stage.HIRED, "firm", NOW)
    assert isinstance(hired.payload, CandidateHired)
    with pytest.raises(InvalidTransition):
        c.drop(DropReason.OTHER, "firm", NOW)
    d, _ = Candidate.match(uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), NOW)
    [dropped] = d.drop(DropReason.LEARNER_DECLINED, "firm", NOW)
    assert dropped.payload.reason == "learner_declined"  # type: ignore[attr-defined]
    with pytest.raises(InvalidTransition):
        d.advance(Stage.ENGAGED, "firm", NOW)
