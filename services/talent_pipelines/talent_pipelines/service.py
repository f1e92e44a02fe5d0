"""Talent pipelines use cases: authorise, load, call the domain, save, emit. Never commits (the boundary does)."""

from __future__ import annotations

import itertools
import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dovetail_shared.clock import local_date
from dovetail_shared.errors import Forbidden, NotFound, NotKnownYet, ValidationFailed, VersionConflict, Violation
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.talent_pipelines import DemandSkill, MatchesChanged, RankedSupply
from dovetail_shared.principal import Principal, Role
from dovetail_shared.vocabulary import OrganizationKind

from talent_pipelines.domain import Candidate, DemandStatus, DropReason, Rule, Stage, TalentDemand, policy
from talent_pipelines.domain.matching import Coverage, DemandView, MatchResult, Supply, SupplyKind, rank, top_changed
from talent_pipelines.repository import CohortSupply
from talent_pipelines.taxonomy import graph
from talent_pipelines.uow import TalentPipelinesUnitOfWork as UoW

NOT_KNOWN_YET = "organization_not_known_yet"
TOP = 5  # the top results per kind that matches.changed watches
MATCH_LIMIT_MAX = 200


def view(d: TalentDemand) -> DemandView:
    return DemandView(skills=d.skills, needed_by=d.needed_by, headcount=d.headcount, region=d.region)


# -------------------------------------------------------------------------------------------------- demands


async def post_demand(
    uow: UoW,
    p: Principal,
    *,
    now: datetime,
    role_title: str,
    occupation_id: str | None,
    skills: Sequence[DemandSkill],
    headcount: int,
    region: str | None,
    needed_by: date,
) -> TalentDemand:
    firm = p.org
    if firm is None or not policy.is_firm_staff(p):
        raise Forbidden("only a firm's admin or recruiter posts a talent demand")
    org = await uow.organizations.get(firm)
    if org is None:
        raise NotKnownYet([Violation("firm_id", NOT_KNOWN_YET, "your firm is not known here yet; retry shortly")])
    if not org.is_verified(OrganizationKind.ENTERPRISE):
        raise ValidationFailed("firm_id", Rule.VERIFIED_FIRM_REQUIRED, "only a verified firm posts talent demands")
    demand, events = TalentDemand.post(
        firm_id=firm,
        role_title=role_title,
        occupation_id=occupation_id,
        skills=skills,
        headcount=headcount,
        region=region,
        needed_by=needed_by,
        today=local_date(now, org.time_zone),
        now=now,
        graph=graph(),
    )
    demand.top = await _top(uow, demand)
    await uow.demands.add(demand)
    uow.emit(*events)
    return demand


async def get_demand(uow: UoW, p: Principal, demand_id: uuid.UUID) -> TalentDemand:
    demand = await uow.demands.get(demand_id)
    if demand is None or not policy.can_view_demand(p, demand):
        raise NotFound(f"talent demand {demand_id} not found")
    return demand


async def list_demands(
    uow: UoW, p: Principal, *, status: DemandStatus | None, firm_id: uuid.UUID | None, limit: int, offset: int
) -> tuple[list[TalentDemand], int]:
    """The demands ``policy.can_view_demand`` lets the caller see, filtered in SQL (tested against it)."""
    return await uow.demands.visible_to(p, status=status, firm_id=firm_id, limit=limit, offset=offset)


async def cancel_demand(
    uow: UoW, p: Principal, demand_id: uuid.UUID, expected: int | None, *, now: datetime
) -> TalentDemand:
    demand = await get_demand(uow, p, demand_id)
    if not policy.can_manage_demand(p, demand):
        raise Forbidden("only the demand's firm admin cancels it")
    uow.emit(*demand.cancel(now))
    await uow.demands.save(demand, expected_version=expected)
    return demand


async def edit_demand(
    uow: UoW,
    p: Principal,
    demand_id: uuid.UUID,
    changes: dict[str, object],
    expected: int | None,
    *,
    now: datetime,
) -> TalentDemand:
    """The firm's admin edits an open demand (the rules of posting apply); it is re-ranked at once and
    ``matches.changed`` announced only if its top results moved."""
    demand = await get_demand(uow, p, demand_id)
    if not policy.can_manage_demand(p, demand):
        raise Forbidden("only the demand's firm admin edits it")
    org = await uow.organizations.get(demand.firm_id)
    clear = frozenset(k for k in ("region",) if k in changes and changes[k] is None)
    values = {k: v for k, v in changes.items() if v is not None}
    events = demand.edit(
        **values,
        clear=clear,
        today=local_date(now, org.time_zone if org else None),
        now=now,
        graph=graph(),
    )
    if not events:
        if expected is not None and expected != demand.version:
            raise VersionConflict("talent demand", expected, demand.version)
        return demand
    uow.emit(*events)
    await uow.demands.save(demand, expected_version=expected)
    top = await _top(uow, demand)
    if top_changed(demand.top, top):
        payload = MatchesChanged(
            demand_id=demand.id, firm_id=demand.firm_id, top=top, previous=demand.top, cause="demand"
        )
        uow.emit(DomainEvent(payload=payload, subject=demand.id, time=now))
        await uow.demands.set_top(demand.id, [r.model_dump(mode="json") for r in top])
        demand.top = top
    return demand


async def expire_due(uow: UoW, now: datetime) -> int:
    """The expiry job: open demands past their needed-by date (by the firm's local day) expire."""
    expired = 0
    # No firm's local day is later than UTC's next day: the SQL bound is coarse, the firm's own day decides.
    for demand in await uow.demands.due(local_date(now + timedelta(days=1), None)):
        org = await uow.organizations.get(demand.firm_id)
        today = local_date(now, org.time_zone if org else None)
        if not demand.is_due(today):
            continue
        uow.emit(*demand.expire(today, now))
        await uow.demands.save(demand)
        expired += 1
    return expired


# ------------------------------------------------------------------------------------------------- matching


@dataclass
class Matches:
    demand: TalentDemand
    cohorts: list[tuple[MatchResult, CohortSupply]] = field(default_factory=list)
    learners: list[MatchResult] = field(default_factory=list)


@dataclass
class _SupplyCache:
    """The supply read once for many demands (a rematch): cohorts, and consenting learners per firm."""

    cohorts: dict[uuid.UUID, CohortSupply] | None = None
    learners: dict[uuid.UUID, list[Supply]] = field(default_factory=dict)


async def _rank(
    uow: UoW, demand: TalentDemand, limit: int, cache: _SupplyCache | None = None
) -> tuple[list[tuple[MatchResult, CohortSupply]], list[MatchResult]]:
    g = graph()
    cache = cache or _SupplyCache()
    if cache.cohorts is None:
        cache.cohorts = {c.cohort_id: c for c in await uow.supply.cohorts()}
    if demand.firm_id not in cache.learners:
        cache.learners[demand.firm_id] = await uow.supply.learners_for_firm(demand.firm_id)
    cohorts = cache.cohorts
    ranked_cohorts = rank(view(demand), (c.supply() for c in cohorts.values()), g, limit=limit)
    learners = rank(view(demand), cache.learners[demand.firm_id], g, limit=limit)
    return [(r, cohorts[r.id]) for r in ranked_cohorts], learners


async def _top(uow: UoW, demand: TalentDemand, cache: _SupplyCache | None = None) -> list[RankedSupply]:
    cohorts, learners = await _rank(uow, demand, TOP, cache)
    return [r.ranked() for r, _ in cohorts] + [r.ranked() for r in learners]


async def matches(uow: UoW, p: Principal, demand_id: uuid.UUID, *, limit: int) -> Matches:
    """Ranked cohorts (the caller's own only, for a college) and, for the demand's firm, consenting learners."""
    demand = await get_demand(uow, p, demand_id)
    cohorts, learners = await _rank(
        uow, demand, min(limit, MATCH_LIMIT_MAX) if policy.owns(p, demand) or p.is_operator else 10_000
    )
    visible = [(r, c) for r, c in cohorts if policy.cohort_visible(p, demand, c.college_id)][:limit]
    return Matches(demand, visible, learners if policy.sees_learners(p, demand) else [])


def _touches(demand: TalentDemand, skills: Collection[str]) -> bool:
    """A supply with these skills can score for the demand: one is required, or narrower than or a sibling of one."""
    wanted = set(skills)
    g = graph()
    return any(s.skill_id in wanted or g.related(s.skill_id) & wanted for s in demand.skills)


async def rematch(
    uow: UoW,
    cause: str,
    now: datetime,
    firms: Collection[uuid.UUID] | None = None,
    skills: Collection[str] | None = None,
) -> int:
    """Re-ranks the open demands a supply change may affect — a learner's: the demands of the firms that may see
    them (``firms``); a cohort's: the demands its skills (before or after) touch (``skills``) — and announces
    only those whose top results changed."""
    if (firms is not None and not firms) or (skills is not None and not skills):
        return 0
    changed = 0
    cache = _SupplyCache()
    for demand in await uow.demands.open_demands():
        if firms is not None and demand.firm_id not in firms:
            continue
        if skills is not None and not _touches(demand, skills):
            continue
        top = await _top(uow, demand, cache)
        if not top_changed(demand.top, top):
            continue
        payload = MatchesChanged(demand_id=demand.id, firm_id=demand.firm_id, top=top, previous=demand.top, cause=cause)
        uow.emit(DomainEvent(payload=payload, subject=demand.id, time=now))
        await uow.demands.set_top(demand.id, [r.model_dump(mode="json") for r in top])
        changed += 1
    return changed


@dataclass(frozen=True)
class ProposalDraft:
    curriculum_id: uuid.UUID
    base_version_number: int
    demand_id: uuid.UUID
    skills: list[tuple[str, str, int, int]]  # skill id, label, level, gain
    rationale: str
    module_code: str
    module_title: str


async def gap_proposal(uow: UoW, p: Principal, demand_id: uuid.UUID, cohort_id: uuid.UUID) -> ProposalDraft:
    """The missing skills of a ranked cohort as a change proposal for curricula, citing the demand (ADR 0033).

    Only a firm that co-authors the cohort's curriculum may send one; the body is curricula's own request."""
    demand = await get_demand(uow, p, demand_id)
    if not policy.owns(p, demand):
        raise Forbidden("only the demand's firm sends its gaps as a curriculum change proposal")
    cohort = await uow.supply.cohort(cohort_id)
    if cohort is None:
        raise NotFound(f"cohort {cohort_id} not found")
    curriculum = await uow.supply.curriculum(cohort.curriculum_id)
    if curriculum is None:
        raise NotKnownYet(
            [
                Violation(
                    "cohort_id",
                    Rule.CURRICULUM_NOT_KNOWN,
                    "the cohort's curriculum is not known here yet; retry shortly",
                )
            ]
        )
    if p.org not in curriculum.co_author_ids:
        raise Forbidden(
            f"your firm is not a co-author of curriculum {curriculum.curriculum_id}; only co-authors propose changes",
            violations=[
                Violation("cohort_id", Rule.NOT_A_CO_AUTHOR, "your firm does not co-author this cohort's curriculum")
            ],
        )
    from talent_pipelines.domain.matching import score

    result = score(view(demand), cohort.supply(), graph())
    gaps = {line.skill_id: line for line in result.skills if line.coverage != Coverage.COVERED}
    chosen = [(r.skill_id, r.label, gaps[r.skill_id].min_level, r.gain) for r in result.raise_it if r.skill_id in gaps][
        :20
    ]
    if not chosen:
        raise ValidationFailed("cohort_id", Rule.NO_GAP, "the cohort's curriculum covers every skill of the demand")
    names = ", ".join(label for _, label, _, _ in chosen)
    rationale = (
        f"Talent demand {demand.id} ({demand.role_title}, {demand.headcount} people by {demand.needed_by.isoformat()}) "
        f"needs skills this curriculum does not fully teach: {names}."
    )[:5000]
    return ProposalDraft(
        curriculum_id=curriculum.curriculum_id,
        base_version_number=cohort.version_number,
        demand_id=demand.id,
        skills=chosen,
        rationale=rationale,
        module_code=f"GAP-{demand.id.hex[:8].upper()}",
        module_title=f"Skills for {demand.role_title}"[:200],
    )


# -------------------------------------------------------------------------------------------------- pipeline


async def _record(uow: UoW, candidate: Candidate, events: list[DomainEvent]) -> None:
    for e in events:
        await uow.candidates.log(candidate.id, candidate.demand_id, e.payload, e.time)
    uow.emit(*events)


async def add_candidate(
    uow: UoW, p: Principal, demand_id: uuid.UUID, learner_ref: uuid.UUID, *, now: datetime
) -> Candidate:
    demand = await get_demand(uow, p, demand_id)
    if not policy.owns(p, demand):
        raise Forbidden("only the demand's firm builds its pipeline")
    if not demand.is_open:
        raise ValidationFailed("demand_id", Rule.DEMAND_NOT_OPEN, f"the demand is {demand.status}")
    if not await uow.supply.still_consents(learner_ref, demand.firm_id):
        raise ValidationFailed(
            "learner_ref", Rule.NOT_MATCHED, "no consenting learner with this reference is matched to your firm"
        )
    candidate, events = Candidate.match(demand.id, demand.firm_id, learner_ref, now)
    await uow.candidates.add(candidate)
    await _record(uow, candidate, events)
    return candidate


async def _owned_candidate(uow: UoW, p: Principal, candidate_id: uuid.UUID) -> tuple[Candidate, TalentDemand]:
    candidate = await uow.candidates.get(candidate_id)
    demand = None if candidate is None else await uow.demands.get(candidate.demand_id)
    if candidate is None or demand is None or not policy.can_view_demand(p, demand) or not policy.owns(p, demand):
        if candidate is not None and demand is not None and policy.can_view_demand(p, demand):
            raise Forbidden("only the demand's firm moves its candidates")
        raise NotFound(f"candidate {candidate_id} not found")
    return candidate, demand


async def advance_candidate(
    uow: UoW, p: Principal, candidate_id: uuid.UUID, to: Stage, expected: int | None, *, now: datetime
) -> Candidate:
    candidate, demand = await _owned_candidate(uow, p, candidate_id)
    events = candidate.advance(to, "firm", now)
    if to == Stage.HIRED:
        demand = await uow.demands.require(demand.id, for_update=True)
        uow.emit(*demand.record_hire(now))
        await uow.demands.save(demand)
    await uow.candidates.save(candidate, expected_version=expected)
    await _record(uow, candidate, events)
    return candidate


async def drop_candidate(
    uow: UoW, p: Principal, candidate_id: uuid.UUID, reason: DropReason, expected: int | None, *, now: datetime
) -> Candidate:
    candidate, _ = await _owned_candidate(uow, p, candidate_id)
    events = candidate.drop(reason, "firm", now)
    await uow.candidates.save(candidate, expected_version=expected)
    await _record(uow, candidate, events)
    return candidate


async def list_candidates(
    uow: UoW, p: Principal, demand_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[Candidate], int]:
    demand = await get_demand(uow, p, demand_id)
    if not policy.owns(p, demand):
        raise Forbidden("only the demand's firm sees its pipeline")
    return await uow.candidates.for_demand(demand_id, limit=limit, offset=offset)


async def candidate_moves(uow: UoW, p: Principal, candidate_id: uuid.UUID) -> tuple[Candidate, list[object]]:
    candidate, _ = await _owned_candidate(uow, p, candidate_id)
    return candidate, await uow.candidates.moves(candidate_id)


async def placement_moved(
    uow: UoW, firm_id: uuid.UUID, learner_ref: uuid.UUID, to: Stage, by: str, now: datetime
) -> None:
    """Another service's event moves the learner's candidacies with that firm (never backwards)."""
    for candidate in await uow.candidates.of_learner(learner_ref, firm_id):
        if candidate.can_reach(to):
            events = candidate.advance(to, by, now)
            await uow.candidates.save(candidate)
            await _record(uow, candidate, events)


async def placement_terminated(uow: UoW, firm_id: uuid.UUID, learner_ref: uuid.UUID, by: str, now: datetime) -> None:
    for candidate in await uow.candidates.of_learner(learner_ref, firm_id):
        if candidate.stage == Stage.INTERNING:
            events = candidate.drop(DropReason.PLACEMENT_TERMINATED, by, now)
            await uow.candidates.save(candidate)
            await _record(uow, candidate, events)


async def forget_learner(
    uow: UoW, learner_ref: uuid.UUID, reason: DropReason, by: str, now: datetime, *, erase: bool
) -> None:
    """Consent withdrawn or the learner erased: out of every pipeline at once; erasure also unlinks the rows."""
    for candidate in await uow.candidates.of_learner(learner_ref):
        if erase or not await uow.supply.still_consents(learner_ref, candidate.firm_id):
            if candidate.stage not in (Stage.DROPPED, Stage.HIRED, Stage.RETAINED):
                await _record(uow, candidate, candidate.drop(reason, by, now))
            if erase:
                candidate.learner_ref = None
            await uow.candidates.save(candidate)
    if erase:
        await uow.supply.purge_learner(learner_ref)


# ------------------------------------------------------------------------------------------------- analytics


@dataclass(frozen=True)
class Funnel:
    demand: TalentDemand
    reached: dict[str, int | None]
    conversion: dict[str, int | None]  # percent of the previous stage
    dropped: int | None
    days_to_fill: int | None


async def funnel(uow: UoW, p: Principal, demand_id: uuid.UUID) -> Funnel:
    """Per stage, how many candidates reached it; counts below ``policy.SMALL_CELL`` are suppressed for operators."""
    demand = await get_demand(uow, p, demand_id)
    if not (policy.owns(p, demand) or p.is_operator):
        raise Forbidden("the funnel is for the demand's firm and operators")
    counts = await uow.candidates.stage_counts(demand.id)
    shown = (lambda n: n) if policy.owns(p, demand) else policy.suppress
    forward = [s for s in Stage if s != Stage.DROPPED]
    reached: dict[str, int | None] = {s.value: shown(counts.get(s.value, 0)) for s in forward}
    conversion: dict[str, int | None] = {}
    for before, after in itertools.pairwise(forward):
        a, b = reached[before.value], reached[after.value]
        conversion[after.value] = None if not a or b is None else 100 * b // a
    days = (
        (demand.closed_at.date() - demand.created_at.date()).days
        if demand.status == DemandStatus.FILLED and demand.closed_at
        else None
    )
    return Funnel(demand, reached, conversion, shown(counts.get(Stage.DROPPED.value, 0)), days)


@dataclass(frozen=True)
class SkillGap:
    skill_id: str
    label: str
    demands: int
    demanded_weight: int
    cohorts_teaching: int
    colleges_teaching: int


async def skill_gaps(
    uow: UoW,
    p: Principal,
    *,
    firm_id: uuid.UUID | None,
    limit: int,
    region: str | None = None,
    occupation_id: str | None = None,
    consortium_id: uuid.UUID | None = None,
    program_id: uuid.UUID | None = None,
) -> list[SkillGap]:
    """Across the open demands the caller may see: each demanded skill, its weight, and the cohorts teaching it.

    Aggregates only (cohorts and colleges, never learners); a firm sees its own demands' gaps. ``program_id``
    and ``consortium_id`` narrow the supply side: only that program's cohorts, or those of the consortium's
    programs, count as teaching (what the demands ask that they do not teach)."""
    if not (p.is_operator or policy.is_college_staff(p) or policy.is_firm_staff(p)):
        raise Forbidden("gap analytics are for firms, colleges and operators")
    if policy.is_firm_staff(p) and not p.is_operator:
        firm_id = p.org
    demands = [
        d
        for d in await uow.demands.open_demands()
        if (firm_id is None or d.firm_id == firm_id)
        and (region is None or (d.region or "").casefold() == region.casefold())
        and (occupation_id is None or d.occupation_id == occupation_id)
    ]
    weight: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    for d in demands:
        for s in d.skills:
            weight[s.skill_id] += s.weight
            count[s.skill_id] += 1
    cohorts: dict[str, int] = defaultdict(int)
    colleges: dict[str, set[uuid.UUID]] = defaultdict(set)
    programs = await uow.supply.programs_of_consortium(consortium_id) if consortium_id is not None else None
    for c in await uow.supply.cohorts():
        if (program_id is not None and c.program_id != program_id) or (
            programs is not None and c.program_id not in programs
        ):
            continue
        for s in c.skills:
            if s.skill_id in weight:
                cohorts[s.skill_id] += 1
                colleges[s.skill_id].add(c.college_id)
    g = graph()
    gaps = [
        SkillGap(s, g.label(s), count[s], weight[s], cohorts.get(s, 0), len(colleges.get(s, set()))) for s in weight
    ]
    gaps.sort(key=lambda x: (x.cohorts_teaching > 0, -x.demanded_weight, x.skill_id))
    return gaps[:limit]


def supply_kind(kind: str) -> SupplyKind:
    return SupplyKind(kind)


__all__ = ["Role"]
