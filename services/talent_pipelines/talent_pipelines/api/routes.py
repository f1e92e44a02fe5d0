"""Talent pipelines REST endpoints: thin — authenticate, call the use case, shape the response; the request commits."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from dovetail_shared.http.deps import CurrentPrincipal, ExpectedVersion, Now, Page, Paging, Transaction, set_etag
from dovetail_shared.text import Text
from fastapi import APIRouter, Query, Response, status

from talent_pipelines import service
from talent_pipelines.domain import DemandStatus
from talent_pipelines.schemas import (
    AdvanceIn,
    CandidateCreate,
    CandidateHistory,
    CandidatePublic,
    DemandCreate,
    DemandPatch,
    DemandPublic,
    DropIn,
    FunnelPublic,
    GapProposalPublic,
    GapsPublic,
    MatchesPublic,
    MatchPublic,
    MovePublic,
    SkillGapPublic,
)
from talent_pipelines.uow import TalentPipelinesUnitOfWork

UoW = Annotated[TalentPipelinesUnitOfWork, Transaction]
demands = APIRouter(tags=["demands"])
pipeline = APIRouter(tags=["pipeline"])
analytics = APIRouter(tags=["analytics"])
routers = [demands, pipeline, analytics]
D = "/demands/{demand_id}"


def _demand(response: Response, demand: Any) -> DemandPublic:
    set_etag(response, demand.version)
    return DemandPublic.of(demand)


def _candidate(response: Response, candidate: Any) -> CandidatePublic:
    set_etag(response, candidate.version)
    return CandidatePublic.of(candidate)


# --------------------------------------------------------------------------------------------------- demands


@demands.post("/demands", status_code=status.HTTP_201_CREATED, response_model=DemandPublic)
async def post_demand(body: DemandCreate, uow: UoW, p: CurrentPrincipal, now: Now, response: Response) -> Any:
    """A verified firm's admin or recruiter posts a demand; without skills, the occupation's are used."""
    demand = await service.post_demand(uow, p, now=now, **body.domain())
    response.headers["Location"] = f"/demands/{demand.id}"
    return _demand(response, demand)


@demands.get("/demands", response_model=Page[DemandPublic])
async def list_demands(
    uow: UoW, p: CurrentPrincipal, paging: Paging, status: DemandStatus | None = None, firm_id: uuid.UUID | None = None
) -> Any:
    """Your firm's demands; colleges and operators see every demand."""
    items, total = await service.list_demands(
        uow, p, status=status, firm_id=firm_id, limit=paging.limit, offset=paging.offset
    )
    return Page[DemandPublic](
        items=[DemandPublic.of(x) for x in items], total=total, limit=paging.limit, offset=paging.offset
    )


@demands.get(D, response_model=DemandPublic)
async def get_demand(demand_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, response: Response) -> Any:
    return _demand(response, await service.get_demand(uow, p, demand_id))


@demands.patch(D, response_model=DemandPublic)
async def edit_demand(
    demand_id: uuid.UUID,
    body: DemandPatch,
    uow: UoW,
    p: CurrentPrincipal,
    expected: ExpectedVersion,
    now: Now,
    response: Response,
) -> Any:
    """The firm's admin edits an open demand's role title, skills, headcount, region or needed-by date; it is
    re-ranked at once."""
    return _demand(response, await service.edit_demand(uow, p, demand_id, body.changes(), expected, now=now))


@demands.post(D + "/cancel", response_model=DemandPublic)
async def cancel_demand(
    demand_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    return _demand(response, await service.cancel_demand(uow, p, demand_id, expected, now=now))


@demands.get(D + "/matches", response_model=MatchesPublic)
async def matches(
    demand_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, limit: Annotated[int, Query(ge=1, le=200)] = 20
) -> Any:
    """Ranked cohorts and (for the demand's firm) consenting learners, each score with its explanation; a
    college sees where its own cohorts rank."""
    m = await service.matches(uow, p, demand_id, limit=limit)
    return MatchesPublic(
        demand_id=m.demand.id,
        cohorts=[MatchPublic.of(r, i + 1, c) for i, (r, c) in enumerate(m.cohorts)],
        learners=[MatchPublic.of(r, i + 1) for i, r in enumerate(m.learners)],
    )


@demands.get(D + "/cohorts/{cohort_id}/gap-proposal", response_model=GapProposalPublic)
async def gap_proposal(demand_id: uuid.UUID, cohort_id: uuid.UUID, uow: UoW, p: CurrentPrincipal) -> Any:
    """The cohort's missing skills as a curricula change proposal citing the demand, for a co-author firm to
    send to curricula (ADR 0033); a firm that does not co-author the curriculum gets 403 ``not_a_co_author``."""
    return GapProposalPublic.of(await service.gap_proposal(uow, p, demand_id, cohort_id))


# -------------------------------------------------------------------------------------------------- pipeline


@pipeline.post(D + "/candidates", status_code=status.HTTP_201_CREATED, response_model=CandidatePublic)
async def add_candidate(
    demand_id: uuid.UUID, body: CandidateCreate, uow: UoW, p: CurrentPrincipal, now: Now, response: Response
) -> Any:
    """A matched, consenting learner enters the demand's pipeline at ``matched``."""
    candidate = await service.add_candidate(uow, p, demand_id, body.learner_ref, now=now)
    response.headers["Location"] = f"/candidates/{candidate.id}"
    return _candidate(response, candidate)


@pipeline.get(D + "/candidates", response_model=Page[CandidatePublic])
async def list_candidates(demand_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, paging: Paging) -> Any:
    items, total = await service.list_candidates(uow, p, demand_id, limit=paging.limit, offset=paging.offset)
    return Page[CandidatePublic](
        items=[CandidatePublic.of(c) for c in items], total=total, limit=paging.limit, offset=paging.offset
    )


@pipeline.get("/candidates/{candidate_id}", response_model=CandidateHistory)
async def get_candidate(candidate_id: uuid.UUID, uow: UoW, p: CurrentPrincipal) -> Any:
    """The candidate and every move, with its time and what caused it."""
    candidate, moves = await service.candidate_moves(uow, p, candidate_id)
    return CandidateHistory(
        candidate=CandidatePublic.of(candidate),
        moves=[
            MovePublic(from_stage=m.from_stage, to_stage=m.to_stage, reason=m.reason, by=m.by, moved_at=m.moved_at)
            for m in moves
        ],
    )


@pipeline.post("/candidates/{candidate_id}/advance", response_model=CandidatePublic)
async def advance_candidate(
    candidate_id: uuid.UUID,
    body: AdvanceIn,
    uow: UoW,
    p: CurrentPrincipal,
    expected: ExpectedVersion,
    now: Now,
    response: Response,
) -> Any:
    """Forward only: engaged, interning, offered, hired (a hire counts toward the headcount), retained."""
    candidate = await service.advance_candidate(uow, p, candidate_id, body.to_stage, expected, now=now)
    return _candidate(response, candidate)


@pipeline.post("/candidates/{candidate_id}/drop", response_model=CandidatePublic)
async def drop_candidate(
    candidate_id: uuid.UUID,
    body: DropIn,
    uow: UoW,
    p: CurrentPrincipal,
    expected: ExpectedVersion,
    now: Now,
    response: Response,
) -> Any:
    candidate = await service.drop_candidate(uow, p, candidate_id, body.reason, expected, now=now)
    return _candidate(response, candidate)


# ------------------------------------------------------------------------------------------------- analytics


@analytics.get(D + "/funnel", response_model=FunnelPublic)
async def funnel(demand_id: uuid.UUID, uow: UoW, p: CurrentPrincipal) -> Any:
    """Stage counts and conversion; operators get counts under 3 suppressed."""
    return FunnelPublic.of(await service.funnel(uow, p, demand_id))


@analytics.get("/analytics/gaps", response_model=GapsPublic)
async def skill_gaps(
    uow: UoW,
    p: CurrentPrincipal,
    firm_id: uuid.UUID | None = None,
    region: Annotated[Text | None, Query(max_length=100)] = None,
    occupation_id: Annotated[Text | None, Query(max_length=200)] = None,
    consortium_id: uuid.UUID | None = None,
    program_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Any:
    """The skills open demands ask for, by demanded weight, with how many cohorts and colleges teach them
    (untaught first); a firm sees its own demands' gaps. ``program_id`` / ``consortium_id`` count only that
    program's cohorts, or the consortium's programs' cohorts, as teaching."""
    gaps = await service.skill_gaps(
        uow,
        p,
        firm_id=firm_id,
        limit=limit,
        region=region,
        occupation_id=occupation_id,
        consortium_id=consortium_id,
        program_id=program_id,
    )
    return GapsPublic(items=[SkillGapPublic.of(g) for g in gaps])
