"""The score function: exact sums, evidence order, hierarchy credit, fit, determinism, monotonicity, raises."""

from __future__ import annotations

import uuid
from datetime import date

from dovetail_shared.events.talent_pipelines import DemandSkill
from hypothesis import given, settings
from hypothesis import strategies as st
from talent_pipelines.domain.matching import (
    FIT_POINTS,
    SKILL_POINTS,
    TOTAL_POINTS,
    Coverage,
    DemandView,
    Evidence,
    EvidenceKind,
    Supply,
    SupplyKind,
    allot,
    rank,
    score,
    top_changed,
)
from talent_pipelines.domain.taxonomy import Relation, TaxonomyGraph

# A small hierarchy: group G has children A, B, C; A has a narrower skill A1.
GRAPH = TaxonomyGraph(
    labels={"A": "weld", "A1": "weld steel", "B": "cut", "C": "grind", "D": "paint", "G": "metalwork"},
    broader={"A": {"G"}, "B": {"G"}, "C": {"G"}, "A1": {"A"}},
    narrower={"G": {"A", "B", "C"}, "A": {"A1"}},
)
NEEDED = date(2027, 7, 1)
SKILLS = ["A", "A1", "B", "C", "D"]


def demand(*skills: tuple[str, int, int], region: str | None = None, headcount: int = 5) -> DemandView:
    reqs = [DemandSkill(skill_id=s, weight=w, min_level=lvl) for s, w, lvl in skills]
    return DemandView(skills=reqs, needed_by=NEEDED, headcount=headcount, region=region)


def learner(*evidence: Evidence) -> Supply:
    by: dict[str, list[Evidence]] = {}
    for e in evidence:
        by.setdefault(e.skill_id, []).append(e)
    return Supply(SupplyKind.LEARNER, uuid.UUID(int=1), {k: tuple(v) for k, v in by.items()})


def test_shares_add_up_to_the_total_exactly() -> None:
    assert allot(800, [1, 1, 1]) == [267, 267, 266]
    assert sum(allot(800, [3, 7, 11, 13])) == 800
    assert allot(800, []) == []


def test_full_coverage_with_assessed_evidence_scores_everything() -> None:
    d = demand(("A", 1, 3), ("B", 1, 2))
    r = score(d, learner(Evidence("A", EvidenceKind.ASSESSED, 4), Evidence("B", EvidenceKind.ASSESSED, 2)), GRAPH)
    assert r.score == TOTAL_POINTS
    assert [line.coverage for line in r.skills] == [Coverage.COVERED, Coverage.COVERED]
    assert r.raise_it == ()


def test_assessed_beats_practised_beats_taught() -> None:
    d = demand(("A", 1, 2))
    scores = [score(d, learner(Evidence("A", kind, 2)), GRAPH).score for kind in EvidenceKind]
    taught, practised, assessed = scores
    assert assessed > practised > taught
    assert assessed - FIT_POINTS == SKILL_POINTS
    assert taught - FIT_POINTS == SKILL_POINTS * 60 // 100


def test_the_best_evidence_counts_and_is_named() -> None:
    d = demand(("A", 1, 2))
    r = score(d, learner(Evidence("A", EvidenceKind.TAUGHT, 2), Evidence("A", EvidenceKind.ASSESSED, 2)), GRAPH)
    assert r.skills[0].evidence is not None and r.skills[0].evidence.kind is EvidenceKind.ASSESSED


def test_a_level_below_the_minimum_is_partial() -> None:
    d = demand(("A", 1, 4))
    line = score(d, learner(Evidence("A", EvidenceKind.ASSESSED, 2)), GRAPH).skills[0]
    assert line.coverage is Coverage.PARTIAL and line.points == SKILL_POINTS // 2


def test_narrower_and_sibling_skills_earn_named_partial_credit() -> None:
    d = demand(("A", 1, 1))
    narrower = score(d, learner(Evidence("A1", EvidenceKind.ASSESSED, 3)), GRAPH).skills[0]
    assert (narrower.coverage, narrower.relation, narrower.via_label) == (
        Coverage.PARTIAL,
        Relation.NARROWER,
        "weld steel",
    )
    assert narrower.points == SKILL_POINTS // 2
    sibling = score(d, learner(Evidence("B", EvidenceKind.ASSESSED, 3)), GRAPH).skills[0]
    assert (sibling.relation, sibling.via_label, sibling.points) == (Relation.SIBLING, "cut", SKILL_POINTS // 4)
    unrelated = score(d, learner(Evidence("D", EvidenceKind.ASSESSED, 3)), GRAPH).skills[0]
    assert unrelated.coverage is Coverage.MISSING and unrelated.points == 0


def test_fit_factors_date_region_capacity() -> None:
    d = demand(("A", 1, 1), region="Suzhou", headcount=10)
    late = Supply(SupplyKind.COHORT, uuid.uuid4(), {}, available_on=date(2028, 1, 1), region="Wuxi", seats=5)
    fit = {f.factor: f.points for f in score(d, late, GRAPH).fit}
    assert fit == {"date": 0, "region": 0, "capacity": 25}
    on_time = Supply(SupplyKind.COHORT, uuid.uuid4(), {}, available_on=date(2027, 6, 30), region="suzhou", seats=40)
    assert {f.factor: f.points for f in score(d, on_time, GRAPH).fit} == {"date": 100, "region": 50, "capacity": 50}


def test_what_would_raise_it_ranks_missing_skills_by_gain() -> None:
    d = demand(("A", 1, 2), ("B", 3, 2), ("C", 2, 2))
    cohort = Supply(SupplyKind.COHORT, uuid.uuid4(), {"A": (Evidence("A", EvidenceKind.TAUGHT, 2),)}, seats=5)
    r = score(d, cohort, GRAPH)
    # B and C are siblings of A (partial credit); covering each as taught raises the score by its gain.
    assert [x.skill_id for x in r.raise_it] == ["B", "C"]
    assert r.raise_it[0].gain > r.raise_it[1].gain
    line = {s.skill_id: s for s in r.skills}
    assert r.raise_it[0].gain == line["B"].max_points * 60 // 100 - line["B"].points


def test_matches_changed_only_when_the_top_differs() -> None:
    d = demand(("A", 1, 1))
    a = learner(Evidence("A", EvidenceKind.TAUGHT, 1))
    top = [r.ranked() for r in rank(d, [a], GRAPH, limit=5)]
    assert not top_changed(top, [r.ranked() for r in rank(d, [a], GRAPH, limit=5)])
    better = learner(Evidence("A", EvidenceKind.ASSESSED, 1))
    assert top_changed(top, [r.ranked() for r in rank(d, [better], GRAPH, limit=5)])


# ---- properties

evidence_st = st.builds(
    Evidence,
    skill_id=st.sampled_from(SKILLS),
    kind=st.sampled_from(list(EvidenceKind)),
    level=st.integers(1, 5),
    hours=st.floats(0, 500),
)
demand_st = st.lists(
    st.tuples(st.sampled_from(SKILLS), st.integers(1, 100), st.integers(1, 5)),
    min_size=1,
    max_size=5,
    unique_by=lambda t: t[0],
).map(lambda skills: demand(*skills, region="Suzhou"))


@settings(max_examples=300, deadline=None)
@given(demand_st, st.lists(evidence_st, max_size=10))
def test_contributions_add_up_exactly_to_the_score(d: DemandView, evidence: list[Evidence]) -> None:
    r = score(d, learner(*evidence), GRAPH)
    assert r.score == sum(s.points for s in r.skills) + sum(f.points for f in r.fit)
    assert sum(s.max_points for s in r.skills) == SKILL_POINTS
    assert all(0 <= s.points <= s.max_points for s in r.skills)
    assert 0 <= r.score <= TOTAL_POINTS


@settings(max_examples=300, deadline=None)
@given(demand_st, st.lists(evidence_st, max_size=10), evidence_st)
def test_adding_evidence_never_lowers_a_score(d: DemandView, evidence: list[Evidence], more: Evidence) -> None:
    assert score(d, learner(*evidence, more), GRAPH).score >= score(d, learner(*evidence), GRAPH).score


@settings(max_examples=100, deadline=None)
@given(demand_st, st.lists(st.lists(evidence_st, max_size=6), min_size=1, max_size=6))
def test_ranking_is_deterministic(d: DemandView, pools: list[list[Evidence]]) -> None:
    supplies = [
        Supply(SupplyKind.LEARNER, uuid.UUID(int=i + 1), {e.skill_id: (e,) for e in pool})
        for i, pool in enumerate(pools)
    ]
    first = [(r.id, r.score, r.skills) for r in rank(d, supplies, GRAPH, limit=10)]
    again = [(r.id, r.score, r.skills) for r in rank(d, list(reversed(supplies)), GRAPH, limit=10)]
    assert first == again
