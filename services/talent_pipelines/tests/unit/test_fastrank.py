"""The matrix path ranks exactly as the reference function, on random supply over a real-shaped hierarchy."""

from __future__ import annotations

import uuid
from datetime import date

from dovetail_shared.events.talent_pipelines import DemandSkill
from hypothesis import given, settings
from hypothesis import strategies as st
from talent_pipelines.domain.fastrank import Rematch, SupplyMatrix, rank_fast, rematch_one, scores
from talent_pipelines.domain.matching import DemandView, Evidence, EvidenceKind, Supply, SupplyKind, rank, score
from talent_pipelines.domain.taxonomy import TaxonomyGraph

GRAPH = TaxonomyGraph(
    labels={s: s for s in ("A", "A1", "A2", "B", "C", "D", "E", "G", "H")},
    broader={"A": {"G"}, "B": {"G"}, "C": {"G"}, "A1": {"A"}, "A2": {"A"}, "D": {"H"}, "E": {"H"}},
    narrower={"G": {"A", "B", "C"}, "A": {"A1", "A2"}, "H": {"D", "E"}},
)
SKILLS = ["A", "A1", "A2", "B", "C", "D", "E"]

evidence = st.builds(
    Evidence, skill_id=st.sampled_from(SKILLS), kind=st.sampled_from(list(EvidenceKind)), level=st.integers(1, 5)
)
supply = st.builds(
    lambda i, ev, kind, avail, region, seats: Supply(
        kind,
        uuid.UUID(int=i),
        {s: tuple(e for e in ev if e.skill_id == s) for s in {e.skill_id for e in ev}},
        available_on=avail,
        region=region,
        seats=seats if kind is SupplyKind.COHORT else None,
    ),
    st.integers(1, 10**9),
    st.lists(evidence, max_size=8),
    st.sampled_from(list(SupplyKind)),
    st.one_of(st.none(), st.dates(date(2026, 1, 1), date(2030, 1, 1))),
    st.sampled_from([None, "Suzhou", "Wuxi"]),
    st.integers(1, 50),
)
demand = st.builds(
    lambda skills, region, headcount: DemandView(
        skills=[DemandSkill(skill_id=s, weight=w, min_level=m) for s, w, m in skills],
        needed_by=date(2028, 7, 1),
        headcount=headcount,
        region=region,
    ),
    st.lists(
        st.tuples(st.sampled_from(SKILLS), st.integers(1, 100), st.integers(1, 5)),
        min_size=1,
        max_size=6,
        unique_by=lambda t: t[0],
    ),
    st.sampled_from([None, "Suzhou"]),
    st.integers(1, 60),
)


@settings(max_examples=200, deadline=None)
@given(demand, st.lists(supply, min_size=1, max_size=30, unique_by=lambda s: s.id), st.integers(1, 10))
def test_the_matrix_path_ranks_and_scores_like_the_reference(d: DemandView, supplies: list[Supply], limit: int) -> None:
    m = SupplyMatrix.build(supplies)
    assert [int(x) for x in scores(d, m, GRAPH)] == [score(d, s, GRAPH).score for s in supplies]
    assert rank_fast(d, m, GRAPH, limit=limit) == rank(d, supplies, GRAPH, limit=limit)


@settings(max_examples=200, deadline=None)
@given(demand, st.lists(supply, min_size=1, max_size=20, unique_by=lambda s: s.id), st.integers(1, 6), st.data())
def test_one_supply_change_is_decided_from_the_top_alone(
    d: DemandView, supplies: list[Supply], limit: int, data: st.DataObject
) -> None:
    before = [r.ranked() for r in rank(d, supplies, GRAPH, limit=limit)]
    i = data.draw(st.integers(0, len(supplies) - 1))
    old = supplies[i]  # the same supply (kind and id) with new evidence and facts
    changed = data.draw(supply.map(lambda s: Supply(old.kind, old.id, s.evidence, s.available_on, s.region, old.seats)))
    after_supplies = [*supplies[:i], changed, *supplies[i + 1 :]]
    after = [r.ranked() for r in rank(d, after_supplies, GRAPH, limit=limit)]
    decision = rematch_one(before, limit, score(d, changed, GRAPH).ranked())
    if decision is Rematch.UNCHANGED:
        assert after == before
    elif decision is Rematch.CHANGED:
        assert after != before
