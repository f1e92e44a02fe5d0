"""Curricula REST endpoints: thin — authenticate, call the use case, shape the response; the request commits."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from dovetail_shared.http.deps import (
    CurrentPrincipal,
    ExpectedVersion,
    Ids,
    MaybePrincipal,
    Now,
    Page,
    Paging,
    Transaction,
    set_etag,
)
from dovetail_shared.principal import Principal
from dovetail_shared.text import Text
from fastapi import APIRouter, Path, Query, Response, status

from curricula import service
from curricula.schemas import (
    CoAuthorIn,
    CurriculumCreate,
    CurriculumPatch,
    CurriculumPublic,
    DraftUpdate,
    ProposalCreate,
    ProposalPublic,
    RejectIn,
    ReviewIn,
    VersionPublic,
)
from curricula.uow import CurriculaUnitOfWork

router = APIRouter(tags=["curricula"])
UoW = Annotated[CurriculaUnitOfWork, Transaction]


def _out(response: Response, c: Any, p: Principal | None) -> CurriculumPublic:
    view = service.view(p, c)
    response.headers["ETag"] = view.etag
    return CurriculumPublic.of(view)


def _proposal_out(response: Response, proposal: Any) -> ProposalPublic:
    set_etag(response, proposal.version)
    return ProposalPublic.of(proposal)


@router.post("/curricula", status_code=status.HTTP_201_CREATED, response_model=CurriculumPublic)
async def create_curriculum(body: CurriculumCreate, uow: UoW, p: CurrentPrincipal, now: Now, response: Response) -> Any:
    """A college admin creates a curriculum (with an empty draft version 1)."""
    c = await service.create_curriculum(uow, p, **body.model_dump(), now=now)
    response.headers["Location"] = f"/curricula/{c.id}"
    return _out(response, c, p)


@router.get("/curricula", response_model=Page[CurriculumPublic])
async def list_curricula(
    uow: UoW,
    p: MaybePrincipal,
    paging: Paging,
    college_id: uuid.UUID | None = None,
    occupation: Annotated[Text | None, Query(max_length=500)] = None,
    ids: Ids = None,
) -> Any:
    """Published curricula for everyone; your own college's or co-authored ones in every state. ``ids`` is the
    gateway's batch lookup, with the visibility of ``GET /curricula/{id}``."""
    items, total = await service.list_curricula(
        uow, p, college_id=college_id, occupation=occupation, ids=ids, limit=paging.limit, offset=paging.offset
    )
    return Page[CurriculumPublic](
        items=[CurriculumPublic.of(v) for v in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/curricula/{curriculum_id}", response_model=CurriculumPublic)
async def get_curriculum(curriculum_id: uuid.UUID, uow: UoW, p: MaybePrincipal, response: Response) -> Any:
    return _out(response, await service.get_curriculum(uow, p, curriculum_id), p)


@router.get("/curricula/{curriculum_id}/versions/{number}", response_model=VersionPublic)
async def get_version(
    curriculum_id: uuid.UUID, number: Annotated[int, Path(ge=1, le=100000)], uow: UoW, p: MaybePrincipal
) -> Any:
    _curriculum, version = await service.get_version(uow, p, curriculum_id, number)
    return VersionPublic.of(version)


@router.patch("/curricula/{curriculum_id}", response_model=CurriculumPublic)
async def update_curriculum(
    curriculum_id: uuid.UUID,
    body: CurriculumPatch,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """The owning college edits the curriculum's title, Chinese title, approval rule or consortium."""
    c = await service.update_details(uow, p, curriculum_id, body.model_dump(exclude_unset=True), expected, now=now)
    return _out(response, c, p)


@router.put("/curricula/{curriculum_id}/draft", response_model=CurriculumPublic)
async def replace_draft(
    curriculum_id: uuid.UUID,
    body: DraftUpdate,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """Replace the modules of the current draft version."""
    c = await service.replace_draft(
        uow, p, curriculum_id, body.domain_modules(), body.effective_date, expected, now=now
    )
    return _out(response, c, p)


async def _lifecycle(
    action: str,
    curriculum_id: uuid.UUID,
    uow: CurriculaUnitOfWork,
    p: Principal,
    expected: int | None,
    response: Response,
    now: Now,
    number: int | None = None,
) -> CurriculumPublic:
    c = await service.lifecycle(uow, p, curriculum_id, action, expected, now=now, number=number)
    return _out(response, c, p)


@router.post("/curricula/{curriculum_id}/draft", response_model=CurriculumPublic, status_code=201)
async def start_draft(
    curriculum_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now, expected: ExpectedVersion, response: Response
) -> Any:
    """Start a new draft from the published version."""
    return await _lifecycle("start_draft", curriculum_id, uow, p, expected, response, now)


@router.delete("/curricula/{curriculum_id}/draft", response_model=CurriculumPublic)
async def discard_draft(
    curriculum_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now, expected: ExpectedVersion, response: Response
) -> Any:
    """Discard the unpublished version (draft, in review or approved) so work restarts from the published one."""
    return await _lifecycle("discard_draft", curriculum_id, uow, p, expected, response, now)


@router.post("/curricula/{curriculum_id}/draft/submit", response_model=CurriculumPublic)
async def submit_for_review(
    curriculum_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now, expected: ExpectedVersion, response: Response
) -> Any:
    """Draft → in review (→ approved at once when no co-author approval is required)."""
    return await _lifecycle("submit", curriculum_id, uow, p, expected, response, now)


@router.post("/curricula/{curriculum_id}/draft/reviews", response_model=CurriculumPublic)
async def review_version(
    curriculum_id: uuid.UUID,
    body: ReviewIn,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """A co-author firm approves the version in review or requests changes."""
    c = await service.review_version(uow, p, curriculum_id, body.decision, body.comment, expected, now=now)
    return _out(response, c, p)


@router.post("/curricula/{curriculum_id}/publish", response_model=CurriculumPublic)
async def publish(
    curriculum_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now, expected: ExpectedVersion, response: Response
) -> Any:
    """Approved → published; the previously published version is retired."""
    return await _lifecycle("publish", curriculum_id, uow, p, expected, response, now)


@router.post("/curricula/{curriculum_id}/versions/{number}/retire", response_model=CurriculumPublic)
async def retire(
    curriculum_id: uuid.UUID,
    number: Annotated[int, Path(ge=1, le=100000)],
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    return await _lifecycle("retire", curriculum_id, uow, p, expected, response, now, number=number)


@router.post("/curricula/{curriculum_id}/co-authors", response_model=CurriculumPublic)
async def add_co_author(
    curriculum_id: uuid.UUID,
    body: CoAuthorIn,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """Add a verified enterprise as co-author."""
    c = await service.change_co_authors(
        uow, p, curriculum_id, body.organization_id, add=True, expected_version=expected, now=now
    )
    return _out(response, c, p)


@router.delete("/curricula/{curriculum_id}/co-authors/{organization_id}", response_model=CurriculumPublic)
async def remove_co_author(
    curriculum_id: uuid.UUID,
    organization_id: uuid.UUID,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    c = await service.change_co_authors(
        uow, p, curriculum_id, organization_id, add=False, expected_version=expected, now=now
    )
    return _out(response, c, p)


@router.post("/curricula/{curriculum_id}/proposals", response_model=ProposalPublic, status_code=201)
async def submit_proposal(
    curriculum_id: uuid.UUID, body: ProposalCreate, uow: UoW, p: CurrentPrincipal, now: Now, response: Response
) -> Any:
    """The college or a co-author firm proposes a change, optionally citing a talent demand."""
    proposal = await service.submit_proposal(
        uow, p, curriculum_id, body.diff.to_domain(), body.rationale, body.demand_id, now=now
    )
    response.headers["Location"] = f"/proposals/{proposal.id}"
    return _proposal_out(response, proposal)


@router.get("/curricula/{curriculum_id}/proposals", response_model=Page[ProposalPublic])
async def list_proposals(curriculum_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, paging: Paging) -> Any:
    items, total = await service.list_proposals(uow, p, curriculum_id, limit=paging.limit, offset=paging.offset)
    return Page[ProposalPublic](
        items=[ProposalPublic.of(x) for x in items], total=total, limit=paging.limit, offset=paging.offset
    )


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic)
async def get_proposal(proposal_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, response: Response) -> Any:
    return _proposal_out(response, await service.get_proposal(uow, p, proposal_id))


@router.post("/proposals/{proposal_id}/reviews", response_model=ProposalPublic)
async def review_proposal(
    proposal_id: uuid.UUID,
    body: ReviewIn,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    proposal = await service.decide_proposal(
        uow, p, proposal_id, "review", expected, decision=body.decision, comment=body.comment, now=now
    )
    return _proposal_out(response, proposal)


@router.post("/proposals/{proposal_id}/accept", response_model=ProposalPublic)
async def accept_proposal(
    proposal_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now, expected: ExpectedVersion, response: Response
) -> Any:
    """Accepting produces the curriculum's next draft version with the diff applied."""
    proposal = await service.decide_proposal(uow, p, proposal_id, "accept", expected, now=now)
    return _proposal_out(response, proposal)


@router.post("/proposals/{proposal_id}/reject", response_model=ProposalPublic)
async def reject_proposal(
    proposal_id: uuid.UUID,
    body: RejectIn,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    proposal = await service.decide_proposal(uow, p, proposal_id, "reject", expected, reason=body.reason, now=now)
    return _proposal_out(response, proposal)


@router.post("/proposals/{proposal_id}/withdraw", response_model=ProposalPublic)
async def withdraw_proposal(
    proposal_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now, expected: ExpectedVersion, response: Response
) -> Any:
    proposal = await service.decide_proposal(uow, p, proposal_id, "withdraw", expected, now=now)
    return _proposal_out(response, proposal)
