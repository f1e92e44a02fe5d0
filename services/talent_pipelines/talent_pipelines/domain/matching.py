"""Matching: a demand's score for one supply (a cohort or a learner), with its explanation, in integer points.

The score is out of ``TOTAL_POINTS`` (1000): ``SKILL_POINTS`` (800) shared among the required skills in
proportion to their weights (largest remainder, so the shares add up to exactly 800), plus ``FIT_POINTS`` (200)
for date, region and capacity. Each required skill earns::

    points = share * strength(kind) * min(level, min_level) / min_level * relation credit

with strength assessed 100 % > practised 80 % > taught 60 %, and relation credit exact 100 %, narrower skill
50 %, sibling skill 25 % (the related skill is named in the explanation). The best piece of evidence counts
(so adding evidence never lowers a score). Every step rounds down to whole points and the score is the sum of
the contributions, so the explanation adds up to the score exactly. Pure: no I/O, no clock (ADR 0032).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from dovetail_shared.events.talent_pipelines import DemandSkill, RankedSupply

from talent_pipelines.domain.taxonomy import Relation, TaxonomyGraph

TOTAL_POINTS = 1000
SKILL_POINTS = 800
DATE_POINTS, REGION_POINTS, CAPACITY_POINTS = 100, 50, 50
FIT_POINTS = DATE_POINTS + REGION_POINTS + CAPACITY_POINTS
assert SKILL_POINTS + FIT_POINTS == TOTAL_POINTS


class EvidenceKind(StrEnum):
    TAUGHT = "taught"  # the skill is in the cohort's pinned curriculum version
    PRACTISED = "practised"  # signed logbook hours in a completed placement
    ASSESSED = "assessed"  # an evaluator's score


STRENGTH = {EvidenceKind.ASSESSED: 100, EvidenceKind.PRACTISED: 80, EvidenceKind.TAUGHT: 60}
RELATION_CREDIT = {Relation.EXACT: 100, Relation.NARROWER: 50, Relation.SIBLING: 25}


class SupplyKind(StrEnum):
    COHORT = "cohort"
    LEARNER = "learner"


class Coverage(StrEnum):
    COVERED = "covered"  # the skill itself, at or above the minimum level
    PARTIAL = "partial"  # below the level, or a narrower or sibling skill
    MISSING = "missing"


@dataclass(frozen=True)
class Evidence:
    skill_id: str
    kind: EvidenceKind
    level: int
    hours: float = 0.0


@dataclass(frozen=True)
class Supply:
    """What matching knows of one cohort or learner. ``available_on`` None means available now."""

    kind: SupplyKind
    id: uuid.UUID
    evidence: Mapping[str, Sequence[Evidence]]
    available_on: date | None = None
    region: str | None = None
    seats: int | None = None


@dataclass(frozen=True)
class DemandView:
    skills: Sequence[DemandSkill]
    needed_by: date
    headcount: int
    region: str | None = None


@dataclass(frozen=True)
class SkillLine:
    skill_id: str
    label: str
    weight: int
    min_level: int
    max_points: int
    points: int
    coverage: Coverage
    evidence: Evidence | None = None
    relation: Relation | None = None
    via_label: str | None = None  # the narrower or sibling skill that earned partial credit


@dataclass(frozen=True)
class FitLine:
    factor: str  # date | region | capacity
    max_points: int
    points: int
    note: str


@dataclass(frozen=True)
class Raise:
    skill_id: str
    label: str
    gain: int
    how: str


@dataclass(frozen=True)
class MatchResult:
    kind: SupplyKind
    id: uuid.UUID
    score: int
    skills: tuple[SkillLine, ...]
    fit: tuple[FitLine, ...]
    raise_it: tuple[Raise, ...] = field(default=())

    def ranked(self) -> RankedSupply:
        return RankedSupply(kind=self.kind.value, id=self.id, score=self.score)


def allot(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` split in proportion to ``weights``, whole numbers adding up to exactly ``total`` (largest
    remainder; ties to the earlier entry)."""
    whole = sum(weights)
    if whole <= 0:
        return [0] * len(weights)
    shares = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def evidence_points(share: int, min_level: int, ev: Evidence, relation: Relation) -> int:
    level = max(0, min(ev.level, min_level))
    return share * STRENGTH[ev.kind] * level * RELATION_CREDIT[relation] // (100 * min_level * 100)


_KIND_ORDER = {EvidenceKind.ASSESSED: 0, EvidenceKind.PRACTISED: 1, EvidenceKind.TAUGHT: 2}


def _skill_line(req: DemandSkill, share: int, supply: Supply, graph: TaxonomyGraph) -> SkillLine:
    best: tuple[int, Evidence, Relation] | None = None

    def consider(ev: Evidence, rel: Relation) -> None:
        nonlocal best
        pts = evidence_points(share, req.min_level, ev, rel)
        key = (pts, -list(Relation).index(rel), -_KIND_ORDER[ev.kind], ev.skill_id)
        if best is None or key > (
            best[0],
            -list(Relation).index(best[2]),
            -_KIND_ORDER[best[1].kind],
            best[1].skill_id,
        ):
            best = (pts, ev, rel)

    for ev in supply.evidence.get(req.skill_id, ()):
        consider(ev, Relation.EXACT)
    related = graph.related(req.skill_id)
    for skill_id in sorted(related & supply.evidence.keys()):
        rel = graph.relation(req.skill_id, skill_id)
        if rel is None:
            continue
        for ev in supply.evidence[skill_id]:
            consider(ev, rel)
    label = graph.label(req.skill_id)
    if best is None:
        return SkillLine(req.skill_id, label, req.weight, req.min_level, share, 0, Coverage.MISSING)
    pts, ev, rel = best
    full = rel is Relation.EXACT and ev.level >= req.min_level
    coverage = Coverage.COVERED if full else Coverage.PARTIAL
    via = None if rel is Relation.EXACT else graph.label(ev.skill_id)
    return SkillLine(req.skill_id, label, req.weight, req.min_level, share, pts, coverage, ev, rel, via)


def _fit(demand: DemandView, supply: Supply) -> tuple[FitLine, ...]:
    if supply.available_on is None:
        when = FitLine("date", DATE_POINTS, DATE_POINTS, "available now")
    elif supply.available_on <= demand.needed_by:
        note = f"graduates {supply.available_on.isoformat()}, by {demand.needed_by.isoformat()}"
        when = FitLine("date", DATE_POINTS, DATE_POINTS, note)
    else:
        note = f"graduates {supply.available_on.isoformat()}, after {demand.needed_by.isoformat()}"
        when = FitLine("date", DATE_POINTS, 0, note)
    if demand.region is None:
        where = FitLine("region", REGION_POINTS, REGION_POINTS, "the demand names no region")
    elif supply.region is None:
        where = FitLine("region", REGION_POINTS, REGION_POINTS // 2, "the supply's region is not known")
    elif supply.region.casefold() == demand.region.casefold():
        where = FitLine("region", REGION_POINTS, REGION_POINTS, f"in {demand.region}")
    else:
        where = FitLine("region", REGION_POINTS, 0, f"in {supply.region}, not {demand.region}")
    if supply.seats is None:
        size = FitLine("capacity", CAPACITY_POINTS, CAPACITY_POINTS, "one person")
    else:
        covered = min(supply.seats, demand.headcount)
        pts = CAPACITY_POINTS * covered // demand.headcount
        size = FitLine("capacity", CAPACITY_POINTS, pts, f"{supply.seats} seats for a headcount of {demand.headcount}")
    return (when, where, size)


def _raise(line: SkillLine, supply: Supply) -> Raise | None:
    """What covering the skill would add: taught at the minimum level (a curriculum change) for a cohort,
    assessed at it (an evaluation) for a learner."""
    kind = EvidenceKind.TAUGHT if supply.kind is SupplyKind.COHORT else EvidenceKind.ASSESSED
    target = evidence_points(
        line.max_points, line.min_level, Evidence(line.skill_id, kind, line.min_level), Relation.EXACT
    )
    gain = target - line.points
    if gain <= 0:
        return None
    how = f"{kind.value} at level {line.min_level}"
    return Raise(line.skill_id, line.label, gain, how)


def score(demand: DemandView, supply: Supply, graph: TaxonomyGraph) -> MatchResult:
    shares = allot(SKILL_POINTS, [s.weight for s in demand.skills])
    lines = tuple(_skill_line(req, share, supply, graph) for req, share in zip(demand.skills, shares, strict=True))
    fit = _fit(demand, supply)
    total = sum(line.points for line in lines) + sum(f.points for f in fit)
    raises = [r for r in (_raise(line, supply) for line in lines) if r is not None]
    raises.sort(key=lambda r: (-r.gain, r.skill_id))
    return MatchResult(supply.kind, supply.id, total, lines, fit, tuple(raises))


def rank(demand: DemandView, supplies: Iterable[Supply], graph: TaxonomyGraph, *, limit: int) -> list[MatchResult]:
    """The best ``limit`` results, highest score first; ties by kind and id (deterministic)."""
    results = [score(demand, s, graph) for s in supplies]
    results.sort(key=lambda r: (-r.score, r.kind.value, str(r.id)))
    return results[:limit]


def top_changed(before: Sequence[RankedSupply], after: Sequence[RankedSupply]) -> bool:
    """The announced top results differ (members, order or scores)."""
    return [(r.kind, r.id, r.score) for r in before] != [(r.kind, r.id, r.score) for r in after]
