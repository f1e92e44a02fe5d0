"""The score of ``matching.score`` for many supplies at once, as sparse-matrix arithmetic; explanations for the top.

Same integer function, same rounding (each skill's points are rounded down before the best one is taken, and
rounding down is monotone, so the maximum of the rounded values is what the reference computes), so the
ranking is the reference's, and the top results are then explained by ``matching.score`` itself. A unit test
holds ``rank_fast == matching.rank`` on random supply.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from dovetail_shared.events.talent_pipelines import RankedSupply
from scipy import sparse

from talent_pipelines.domain.matching import (
    CAPACITY_POINTS,
    DATE_POINTS,
    REGION_POINTS,
    RELATION_CREDIT,
    SKILL_POINTS,
    STRENGTH,
    DemandView,
    EvidenceKind,
    MatchResult,
    Supply,
    allot,
    score,
)
from talent_pipelines.domain.taxonomy import Relation, TaxonomyGraph

Ints = npt.NDArray[np.int64]


@dataclass
class SupplyMatrix:
    """Supplies as rows: per evidence kind a CSC matrix of levels (0 = no evidence) over the skill columns."""

    supplies: list[Supply]
    columns: dict[str, int]
    levels: dict[EvidenceKind, sparse.csc_matrix]
    available_on: Ints  # proleptic ordinal, -1 = available now
    seats: Ints  # -1 = one person
    regions: list[str | None]

    @classmethod
    def build(cls, supplies: Sequence[Supply]) -> SupplyMatrix:
        columns: dict[str, int] = {}
        coords: dict[EvidenceKind, tuple[list[int], list[int], list[int]]] = {k: ([], [], []) for k in EvidenceKind}
        for row, s in enumerate(supplies):
            for skill_id, evidence in s.evidence.items():
                col = columns.setdefault(skill_id, len(columns))
                best: dict[EvidenceKind, int] = {}
                for e in evidence:
                    best[e.kind] = max(best.get(e.kind, 0), e.level)
                for kind, level in best.items():
                    rows, cols, data = coords[kind]
                    rows.append(row)
                    cols.append(col)
                    data.append(level)
        shape = (len(supplies), max(len(columns), 1))
        levels = {
            k: sparse.csc_matrix((np.asarray(d, dtype=np.int64), (r, c)), shape=shape)
            for k, (r, c, d) in coords.items()
        }
        return cls(
            supplies=list(supplies),
            columns=columns,
            levels=levels,
            available_on=np.asarray(
                [s.available_on.toordinal() if s.available_on else -1 for s in supplies], dtype=np.int64
            ),
            seats=np.asarray([s.seats if s.seats is not None else -1 for s in supplies], dtype=np.int64),
            regions=[s.region for s in supplies],
        )


def _fit(demand: DemandView, m: SupplyMatrix) -> Ints:
    n = len(m.supplies)
    needed = demand.needed_by.toordinal()
    date_pts = np.where((m.available_on < 0) | (m.available_on <= needed), DATE_POINTS, 0)
    if demand.region is None:
        region_pts = np.full(n, REGION_POINTS, dtype=np.int64)
    else:
        wanted = demand.region.casefold()
        region_pts = np.asarray(
            [REGION_POINTS // 2 if r is None else REGION_POINTS if r.casefold() == wanted else 0 for r in m.regions],
            dtype=np.int64,
        )
    covered = np.minimum(m.seats, demand.headcount)
    capacity_pts = np.where(m.seats < 0, CAPACITY_POINTS, CAPACITY_POINTS * covered // demand.headcount)
    total: Ints = (date_pts + region_pts + capacity_pts).astype(np.int64)
    return total


def scores(demand: DemandView, m: SupplyMatrix, graph: TaxonomyGraph) -> Ints:
    """Every supply's score, equal to ``matching.score(demand, supply, graph).score``."""
    n = len(m.supplies)
    total = _fit(demand, m)
    shares = allot(SKILL_POINTS, [s.weight for s in demand.skills])
    for req, share in zip(demand.skills, shares, strict=True):
        candidates = [(req.skill_id, Relation.EXACT)]
        for skill_id in sorted(graph.related(req.skill_id) & m.columns.keys()):
            rel = graph.relation(req.skill_id, skill_id)
            if rel is not None:
                candidates.append((skill_id, rel))
        present = [(m.columns[s], RELATION_CREDIT[r]) for s, r in candidates if s in m.columns]
        if not present:
            continue
        cols = np.asarray([c for c, _ in present])
        credit = np.asarray([r for _, r in present], dtype=np.int64)
        best = np.zeros(n, dtype=np.int64)
        m_level = req.min_level
        for kind, matrix in m.levels.items():
            sub = matrix[:, cols].tocsc()
            if sub.nnz == 0:
                continue
            # Per stored level: share * strength * min(level, m) * credit of its column // (100 * m * 100).
            col_of = np.repeat(np.arange(len(cols)), np.diff(sub.indptr))
            pts = share * STRENGTH[kind] * np.minimum(sub.data, m_level) * credit[col_of] // (100 * m_level * 100)
            np.maximum.at(best, sub.indices, pts)
        total += best
    return total


def rank_fast(demand: DemandView, m: SupplyMatrix, graph: TaxonomyGraph, *, limit: int) -> list[MatchResult]:
    """``matching.rank`` over a supply matrix: all scores by arithmetic, the top ``limit`` explained."""
    if not m.supplies or limit <= 0:
        return []
    total = scores(demand, m, graph)
    k = min(limit, len(total))
    kth = np.partition(total, len(total) - k)[len(total) - k]
    chosen = np.nonzero(total >= kth)[0]  # ties at the cut are ordered like the reference orders them
    order = sorted(chosen, key=lambda i: (-int(total[i]), m.supplies[i].kind.value, str(m.supplies[i].id)))[:k]
    return [score(demand, m.supplies[i], graph) for i in order]


class Rematch(StrEnum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    RERANK = "rerank"  # the decision needs the full ranking (a top member's score fell)


def rematch_one(top: Sequence[RankedSupply], limit: int, changed: RankedSupply) -> Rematch:
    """After one supply's score changed (``changed`` holds its new score), does a demand's top change?

    Decided from the stored top alone, without re-ranking: a supply outside the top enters it when the top is
    not full or it now sorts before the last member; a member whose score rose or held stays in (the top
    changes exactly when its score did); only a member whose score fell needs the full ranking, because who
    replaces it is not known from the top."""

    def key(r: RankedSupply) -> tuple[int, str, str]:
        return (-r.score, r.kind, str(r.id))

    member = next((r for r in top if r.kind == changed.kind and r.id == changed.id), None)
    if member is None:
        enters = len(top) < limit or key(changed) < key(top[-1])
        return Rematch.CHANGED if enters else Rematch.UNCHANGED
    if changed.score == member.score:
        return Rematch.UNCHANGED
    return Rematch.CHANGED if changed.score > member.score else Rematch.RERANK
