"""Internships REST endpoints: thin — authenticate, call the use case, shape the response; the request commits."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from dovetail_shared.http.deps import CurrentPrincipal, ExpectedVersion, Now, Page, Paging, Transaction, set_etag
from fastapi import APIRouter, Response, status

from internships import service
from internships.domain import ApplicationStatus, PlacementStatus, PostingStatus
from internships.schemas import (
    AcceptedPublic,
    ApplicationCreate,
    ApplicationPublic,
    EntryCreate,
    EntryPublic,
    EvaluationCreate,
    EvaluationPublic,
    FirmRatingPublic,
    InsuranceIn,
    MentorIn,
    PlacementPublic,
    PostingCreate,
    PostingPublic,
    RatingCreate,
    RatingPublic,
    RejectIn,
    ReturnIn,
    RuleSetPublic,
    TeacherIn,
    TerminateIn,
    WeekPublic,
)
from internships.uow import InternshipsUnitOfWork

UoW = Annotated[InternshipsUnitOfWork, Transaction]
postings = APIRouter(tags=["postings"])
applications = APIRouter(tags=["applications"])
placements = APIRouter(tags=["placements"])
logbook = APIRouter(tags=["logbook"])
routers = [postings, applications, placements, logbook]


def _posting(response: Response, posting: Any) -> PostingPublic:
    set_etag(response, posting.version)
    return PostingPublic.of(posting)


def _application(response: Response, app: Any) -> ApplicationPublic:
    set_etag(response, app.version)
    return ApplicationPublic.of(app)


def _placement(response: Response, placement: Any) -> PlacementPublic:
    set_etag(response, placement.version)
    return PlacementPublic.of(placement)


@postings.get("/rule-set", response_model=RuleSetPublic)
async def rule_set(p: CurrentPrincipal) -> Any:
    """The internship rule set this deployment enforces, every limit with its value."""
    rules = service.rules()
    return RuleSetPublic(name=rules.name, parameters=rules.describe())


# -------------------------------------------------------------------------------------------------- postings


@postings.post("/postings", status_code=status.HTTP_201_CREATED, response_model=PostingPublic)
async def draft_posting(body: PostingCreate, uow: UoW, p: CurrentPrincipal, now: Now, response: Response) -> Any:
    """A verified firm's admin or recruiter drafts a posting."""
    posting = await service.draft_posting(uow, p, now=now, **body.domain())
    response.headers["Location"] = f"/postings/{posting.id}"
    return _posting(response, posting)


@postings.get("/postings", response_model=Page[PostingPublic])
async def list_postings(
    uow: UoW,
    p: CurrentPrincipal,
    paging: Paging,
    firm_id: uuid.UUID | None = None,
    status: PostingStatus | None = None,
) -> Any:
    """Published postings, and your firm's drafts."""
    items, total = await service.list_postings(
        uow, p, firm_id=firm_id, status=status, limit=paging.limit, offset=paging.offset
    )
    return Page[PostingPublic](
        items=[PostingPublic.of(x) for x in items], total=total, limit=paging.limit, offset=paging.offset
    )


@postings.get("/postings/{posting_id}", response_model=PostingPublic)
async def get_posting(posting_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, response: Response) -> Any:
    return _posting(response, await service.get_posting(uow, p, posting_id))


@postings.post("/postings/{posting_id}/open", response_model=PostingPublic)
async def open_posting(
    posting_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    """Draft → open: the firm must be verified; the stipend floor and the post's intern share apply."""
    return _posting(response, await service.posting_step(uow, p, posting_id, "open", expected, now=now))


@postings.post("/postings/{posting_id}/close", response_model=PostingPublic)
async def close_posting(
    posting_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    return _posting(response, await service.posting_step(uow, p, posting_id, "close", expected, now=now))


# ---------------------------------------------------------------------------------------------- applications


@applications.post(
    "/postings/{posting_id}/applications", status_code=status.HTTP_201_CREATED, response_model=ApplicationPublic
)
async def apply(
    posting_id: uuid.UUID, body: ApplicationCreate, uow: UoW, p: CurrentPrincipal, now: Now, response: Response
) -> Any:
    """A learner applies; needs their consent for purpose `placement` to the firm (403 naming it otherwise)."""
    app = await service.apply(uow, p, posting_id, now=now, cover_letter=body.cover_letter)
    response.headers["Location"] = f"/applications/{app.id}"
    return _application(response, app)


@applications.get("/applications", response_model=Page[ApplicationPublic])
async def list_applications(
    uow: UoW,
    p: CurrentPrincipal,
    paging: Paging,
    posting_id: uuid.UUID | None = None,
    status: ApplicationStatus | None = None,
) -> Any:
    """Your own (learners), your firm's postings' (firms), your college's learners' (college staff)."""
    items, total = await service.list_applications(
        uow, p, posting_id=posting_id, status=status, limit=paging.limit, offset=paging.offset
    )
    return Page[ApplicationPublic](
        items=[ApplicationPublic.of(x) for x in items], total=total, limit=paging.limit, offset=paging.offset
    )


@applications.get("/applications/{application_id}", response_model=ApplicationPublic)
async def get_application(application_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, response: Response) -> Any:
    return _application(response, await service.get_application(uow, p, application_id))


@applications.post("/applications/{application_id}/shortlist", response_model=ApplicationPublic)
async def shortlist(
    application_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    app = await service.decide_application(uow, p, application_id, "shortlist", expected, now=now)
    return _application(response, app)


@applications.post("/applications/{application_id}/offer", response_model=ApplicationPublic)
async def offer(
    application_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    app = await service.decide_application(uow, p, application_id, "offer", expected, now=now)
    return _application(response, app)


@applications.post("/applications/{application_id}/reject", response_model=ApplicationPublic)
async def reject(
    application_id: uuid.UUID,
    body: RejectIn,
    uow: UoW,
    p: CurrentPrincipal,
    expected: ExpectedVersion,
    now: Now,
    response: Response,
) -> Any:
    app = await service.decide_application(uow, p, application_id, "reject", expected, now=now, reason=body.reason)
    return _application(response, app)


@applications.post("/applications/{application_id}/withdraw", response_model=ApplicationPublic)
async def withdraw(
    application_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    return _application(response, await service.withdraw_application(uow, p, application_id, expected, now=now))


@applications.post("/applications/{application_id}/accept", response_model=AcceptedPublic)
async def accept(application_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now) -> Any:
    """The learner accepts the offer: a placement is confirmed; their other live applications are withdrawn."""
    app, placement = await service.accept_offer(uow, p, application_id, expected, now=now)
    return AcceptedPublic(application=ApplicationPublic.of(app), placement=PlacementPublic.of(placement))


# ------------------------------------------------------------------------------------------------ placements


@placements.get("/placements", response_model=Page[PlacementPublic])
async def list_placements(uow: UoW, p: CurrentPrincipal, paging: Paging, status: PlacementStatus | None = None) -> Any:
    items, total = await service.list_placements(uow, p, status=status, limit=paging.limit, offset=paging.offset)
    return Page[PlacementPublic](
        items=[PlacementPublic.of(x) for x in items], total=total, limit=paging.limit, offset=paging.offset
    )


@placements.get("/placements/{placement_id}", response_model=PlacementPublic)
async def get_placement(placement_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, response: Response) -> Any:
    placement, _mine = await service.get_placement(uow, p, placement_id)
    return _placement(response, placement)


@placements.post("/placements/{placement_id}/mentor", response_model=PlacementPublic)
async def assign_mentor(
    placement_id: uuid.UUID,
    body: MentorIn,
    uow: UoW,
    p: CurrentPrincipal,
    expected: ExpectedVersion,
    now: Now,
    response: Response,
) -> Any:
    """The firm's admin names the mentor (a firm user with the `mentor` role)."""
    placement = await service.assign(uow, p, placement_id, expected, now=now, mentor_sub=body.mentor_sub)
    return _placement(response, placement)


@placements.post("/placements/{placement_id}/teacher", response_model=PlacementPublic)
async def assign_teacher(
    placement_id: uuid.UUID,
    body: TeacherIn,
    uow: UoW,
    p: CurrentPrincipal,
    expected: ExpectedVersion,
    now: Now,
    response: Response,
) -> Any:
    """The college's admin names the supervising teacher."""
    placement = await service.assign(uow, p, placement_id, expected, now=now, teacher_sub=body.teacher_sub)
    return _placement(response, placement)


@placements.post("/placements/{placement_id}/sign", response_model=PlacementPublic)
async def sign_agreement(
    placement_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    """Sign the tripartite agreement for your party (learner, firm admin, college admin), once."""
    return _placement(response, await service.sign_agreement(uow, p, placement_id, expected, now=now))


@placements.post("/placements/{placement_id}/insurance", response_model=PlacementPublic)
async def record_insurance(
    placement_id: uuid.UUID,
    body: InsuranceIn,
    uow: UoW,
    p: CurrentPrincipal,
    expected: ExpectedVersion,
    now: Now,
    response: Response,
) -> Any:
    """Proof of internship liability insurance covering the whole placement."""
    placement = await service.record_insurance(uow, p, placement_id, expected, now=now, **body.model_dump())
    return _placement(response, placement)


@placements.post("/placements/{placement_id}/activate", response_model=PlacementPublic)
async def activate(
    placement_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    """Confirmed → active: all three signatures, the insurance, a mentor and a supervising teacher."""
    return _placement(response, await service.activate(uow, p, placement_id, expected, now=now))


@placements.post("/placements/{placement_id}/complete", response_model=PlacementPublic)
async def complete(
    placement_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    """Active → completed; needs the mentor's and the teacher's evaluations. The event carries the evidence."""
    return _placement(response, await service.complete(uow, p, placement_id, expected, now=now))


@placements.post("/placements/{placement_id}/terminate", response_model=PlacementPublic)
async def terminate(
    placement_id: uuid.UUID,
    body: TerminateIn,
    uow: UoW,
    p: CurrentPrincipal,
    expected: ExpectedVersion,
    now: Now,
    response: Response,
) -> Any:
    placement = await service.terminate(uow, p, placement_id, expected, now=now, reason=body.reason)
    return _placement(response, placement)


@placements.post(
    "/placements/{placement_id}/evaluations", status_code=status.HTTP_201_CREATED, response_model=EvaluationPublic
)
async def evaluate(placement_id: uuid.UUID, body: EvaluationCreate, uow: UoW, p: CurrentPrincipal, now: Now) -> Any:
    """The mentor's or the supervising teacher's evaluation: per-skill scores 1 to 5 and a grade, once each."""
    return EvaluationPublic.of(await service.evaluate(uow, p, placement_id, now=now, **body.domain()))


@placements.get("/placements/{placement_id}/evaluations", response_model=list[EvaluationPublic])
async def list_evaluations(placement_id: uuid.UUID, uow: UoW, p: CurrentPrincipal) -> Any:
    return [EvaluationPublic.of(e) for e in await service.list_evaluations(uow, p, placement_id)]


@placements.post("/placements/{placement_id}/rating", status_code=status.HTTP_201_CREATED, response_model=RatingPublic)
async def rate(placement_id: uuid.UUID, body: RatingCreate, uow: UoW, p: CurrentPrincipal, now: Now) -> Any:
    """The learner rates the placement once; the firm sees only the aggregate of at least three."""
    rating = await service.rate(uow, p, placement_id, now=now, score=body.score, comment=body.comment)
    return RatingPublic.of(rating)


@postings.get("/firms/{firm_id}/rating", response_model=FirmRatingPublic)
async def firm_rating(firm_id: uuid.UUID, uow: UoW, p: CurrentPrincipal) -> Any:
    """Learners' mean rating of the firm's placements, shown from three ratings on."""
    return FirmRatingPublic.of(await service.firm_rating(uow, p, firm_id))


# --------------------------------------------------------------------------------------------------- logbook


@logbook.post("/placements/{placement_id}/logbook", status_code=status.HTTP_201_CREATED, response_model=EntryPublic)
async def add_entry(placement_id: uuid.UUID, body: EntryCreate, uow: UoW, p: CurrentPrincipal, now: Now) -> Any:
    """The learner logs a day; refused (422 naming the rule and its limit) when it breaks the rule set."""
    return EntryPublic.of(await service.add_entry(uow, p, placement_id, now=now, **body.model_dump()))


@logbook.get("/placements/{placement_id}/logbook", response_model=Page[EntryPublic])
async def list_entries(placement_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, paging: Paging) -> Any:
    items, total = await service.list_entries(uow, p, placement_id, limit=paging.limit, offset=paging.offset)
    return Page[EntryPublic](
        items=[EntryPublic.of(x) for x in items], total=total, limit=paging.limit, offset=paging.offset
    )


@logbook.get("/placements/{placement_id}/logbook/weeks", response_model=list[WeekPublic])
async def weekly_totals(placement_id: uuid.UUID, uow: UoW, p: CurrentPrincipal) -> Any:
    """Signed and pending hours per ISO week."""
    return [WeekPublic.of(w) for w in await service.weekly_totals(uow, p, placement_id)]


@logbook.post("/logbook-entries/{entry_id}/sign", response_model=EntryPublic)
async def sign_entry(entry_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now) -> Any:
    """The mentor signs; a signed entry is immutable."""
    return EntryPublic.of(await service.review_entry(uow, p, entry_id, "sign", now=now))


@logbook.post("/logbook-entries/{entry_id}/return", response_model=EntryPublic)
async def return_entry(entry_id: uuid.UUID, body: ReturnIn, uow: UoW, p: CurrentPrincipal, now: Now) -> Any:
    """The mentor returns the entry with a comment; its hours no longer count."""
    return EntryPublic.of(await service.review_entry(uow, p, entry_id, "return", now=now, comment=body.comment))
