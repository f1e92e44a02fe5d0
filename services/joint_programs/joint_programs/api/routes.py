"""Joint programs REST endpoints: thin — authenticate, call the use case, shape the response; the request commits."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from dovetail_shared.http.deps import (
    CurrentPrincipal,
    ExpectedVersion,
    Ids,
    Now,
    Page,
    Paging,
    Today,
    Transaction,
    set_etag,
)
from fastapi import APIRouter, Response, status

from joint_programs import service
from joint_programs.domain import ProgramStatus
from joint_programs.schemas import (
    CohortCreate,
    CohortPublic,
    ConsentCreate,
    ConsentPublic,
    DeclineIn,
    EnrolmentCreate,
    EnrolmentPublic,
    LearnerCreate,
    LearnerPublic,
    ProfilePublic,
    ProgramCreate,
    ProgramPublic,
)
from joint_programs.uow import JointProgramsUnitOfWork

UoW = Annotated[JointProgramsUnitOfWork, Transaction]
programs = APIRouter(tags=["programs"])
cohorts = APIRouter(tags=["cohorts"])
learners = APIRouter(tags=["learners"])
routers = [programs, cohorts, learners]


def _program(response: Response, program: Any) -> ProgramPublic:
    set_etag(response, program.version)
    return ProgramPublic.of(program)


def _cohort(response: Response, cohort: Any) -> CohortPublic:
    set_etag(response, cohort.version)
    return CohortPublic.of(cohort)


# -------------------------------------------------------------------------------------------------- programs


@programs.post("/programs", status_code=status.HTTP_201_CREATED, response_model=ProgramPublic)
async def propose_program(body: ProgramCreate, uow: UoW, p: CurrentPrincipal, now: Now, response: Response) -> Any:
    """A college admin proposes a program with partner firms on a published curriculum version."""
    program = await service.propose_program(uow, p, now=now, **body.domain())
    response.headers["Location"] = f"/programs/{program.id}"
    return _program(response, program)


@programs.get("/programs", response_model=Page[ProgramPublic])
async def list_programs(
    uow: UoW,
    p: CurrentPrincipal,
    paging: Paging,
    college_id: uuid.UUID | None = None,
    partner_id: uuid.UUID | None = None,
    status: ProgramStatus | None = None,
    ids: Ids = None,
) -> Any:
    """Programs of your college, programs your firm is a partner of; operators see all. ``ids`` is the
    gateway's batch lookup, with the visibility of ``GET /programs/{id}``."""
    items, total = await service.list_programs(
        uow,
        p,
        college_id=college_id,
        partner_id=partner_id,
        status=status,
        ids=ids,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page[ProgramPublic](
        items=[ProgramPublic.of(x) for x in items], total=total, limit=paging.limit, offset=paging.offset
    )


@programs.get("/programs/{program_id}", response_model=ProgramPublic)
async def get_program(program_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, response: Response) -> Any:
    return _program(response, await service.get_program(uow, p, program_id))


@programs.post("/programs/{program_id}/approve", response_model=ProgramPublic)
async def approve_program(
    program_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    """A partner firm's admin approves; when every partner has, the program is approved."""
    return _program(response, await service.decide_program(uow, p, program_id, "approve", expected, now=now))


@programs.post("/programs/{program_id}/decline", response_model=ProgramPublic)
async def decline_program(
    program_id: uuid.UUID,
    body: DeclineIn,
    uow: UoW,
    p: CurrentPrincipal,
    expected: ExpectedVersion,
    now: Now,
    response: Response,
) -> Any:
    """A partner firm's admin declines, with a reason; the program ends declined."""
    program = await service.decide_program(uow, p, program_id, "decline", expected, now=now, reason=body.reason)
    return _program(response, program)


@programs.post("/programs/{program_id}/launch", response_model=ProgramPublic)
async def launch_program(
    program_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    """Approved → running; refused while the pinned curriculum version is retired."""
    return _program(response, await service.program_step(uow, p, program_id, "launch", expected, now=now))


@programs.post("/programs/{program_id}/close", response_model=ProgramPublic)
async def close_program(
    program_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    return _program(response, await service.program_step(uow, p, program_id, "close", expected, now=now))


@programs.post("/programs/{program_id}/repin", response_model=ProgramPublic)
async def repin_program(
    program_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    """Pin the program to its curriculum's current published version (clears the flag)."""
    return _program(response, await service.program_step(uow, p, program_id, "repin", expected, now=now))


# --------------------------------------------------------------------------------------------------- cohorts


@cohorts.post("/programs/{program_id}/cohorts", status_code=status.HTTP_201_CREATED, response_model=CohortPublic)
async def plan_cohort(
    program_id: uuid.UUID, body: CohortCreate, uow: UoW, p: CurrentPrincipal, now: Now, response: Response
) -> Any:
    cohort = await service.plan_cohort(uow, p, program_id, now=now, **body.model_dump())
    response.headers["Location"] = f"/cohorts/{cohort.id}"
    return _cohort(response, cohort)


@cohorts.get("/programs/{program_id}/cohorts", response_model=Page[CohortPublic])
async def list_cohorts(program_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, paging: Paging) -> Any:
    items, total = await service.list_cohorts(uow, p, program_id, limit=paging.limit, offset=paging.offset)
    return Page[CohortPublic](
        items=[CohortPublic.of(c) for c in items], total=total, limit=paging.limit, offset=paging.offset
    )


@cohorts.get("/cohorts/{cohort_id}", response_model=CohortPublic)
async def get_cohort(cohort_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, response: Response) -> Any:
    cohort, _program = await service.get_cohort(uow, p, cohort_id)
    return _cohort(response, cohort)


async def _cohort_step(
    action: str,
    cohort_id: uuid.UUID,
    uow: JointProgramsUnitOfWork,
    p: Any,
    expected: int | None,
    now: Any,
    response: Response,
) -> CohortPublic:
    return _cohort(response, await service.cohort_step(uow, p, cohort_id, action, expected, now=now))


@cohorts.post("/cohorts/{cohort_id}/open", response_model=CohortPublic)
async def open_cohort(
    cohort_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    """Planned → open (enrolling); the program's partners must have approved it."""
    return await _cohort_step("open", cohort_id, uow, p, expected, now, response)


@cohorts.post("/cohorts/{cohort_id}/start", response_model=CohortPublic)
async def start_cohort(
    cohort_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    """Open → running; the program must be running."""
    return await _cohort_step("start", cohort_id, uow, p, expected, now, response)


@cohorts.post("/cohorts/{cohort_id}/graduate", response_model=CohortPublic)
async def graduate_cohort(
    cohort_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, expected: ExpectedVersion, now: Now, response: Response
) -> Any:
    return await _cohort_step("graduate", cohort_id, uow, p, expected, now, response)


@cohorts.post("/cohorts/{cohort_id}/enrolments", status_code=status.HTTP_201_CREATED, response_model=EnrolmentPublic)
async def enrol(
    cohort_id: uuid.UUID, body: EnrolmentCreate, uow: UoW, p: CurrentPrincipal, now: Now, today: Today
) -> Any:
    """Takes one seat; when the seat limit is reached the answer is 409 (rule ``seats_full``)."""
    return EnrolmentPublic.of(await service.enrol(uow, p, cohort_id, body.learner_id, today=today, now=now))


@cohorts.get("/cohorts/{cohort_id}/enrolments", response_model=Page[EnrolmentPublic])
async def list_enrolments(cohort_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, paging: Paging) -> Any:
    items, total = await service.list_enrolments(uow, p, cohort_id, limit=paging.limit, offset=paging.offset)
    return Page[EnrolmentPublic](
        items=[EnrolmentPublic.of(e) for e in items], total=total, limit=paging.limit, offset=paging.offset
    )


@cohorts.post("/enrolments/{enrolment_id}/graduate", response_model=EnrolmentPublic)
async def graduate_enrolment(enrolment_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now, today: Today) -> Any:
    return EnrolmentPublic.of(await service.end_enrolment(uow, p, enrolment_id, "graduate", today=today, now=now))


@cohorts.post("/enrolments/{enrolment_id}/withdraw", response_model=EnrolmentPublic)
async def withdraw_enrolment(enrolment_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now, today: Today) -> Any:
    """Frees the seat."""
    return EnrolmentPublic.of(await service.end_enrolment(uow, p, enrolment_id, "withdraw", today=today, now=now))


# -------------------------------------------------------------------------------------------------- learners


@learners.post("/learners", status_code=status.HTTP_201_CREATED, response_model=LearnerPublic)
async def register_learner(
    body: LearnerCreate, uow: UoW, p: CurrentPrincipal, now: Now, today: Today, response: Response
) -> Any:
    """A college's admin or teacher adds a learner to the college's roster."""
    learner = await service.register_learner(uow, p, now=now, today=today, **body.model_dump())
    response.headers["Location"] = f"/learners/{learner.id}"
    return LearnerPublic.of(learner)


@learners.get("/learners", response_model=Page[LearnerPublic])
async def list_roster(uow: UoW, p: CurrentPrincipal, paging: Paging) -> Any:
    """Your college's roster (admins and teachers)."""
    items, total = await service.list_roster(uow, p, limit=paging.limit, offset=paging.offset)
    return Page[LearnerPublic](
        items=[LearnerPublic.of(x) for x in items], total=total, limit=paging.limit, offset=paging.offset
    )


@learners.get("/me", response_model=LearnerPublic)
async def my_record(uow: UoW, p: CurrentPrincipal) -> Any:
    """A learner's own roster entry (linked by the token's `sub`)."""
    return LearnerPublic.of(await service.me(uow, p))


@learners.get("/learners/{learner_id}", response_model=LearnerPublic)
async def get_learner(learner_id: uuid.UUID, uow: UoW, p: CurrentPrincipal) -> Any:
    return LearnerPublic.of(await service.get_learner(uow, p, learner_id))


@learners.delete("/learners/{learner_id}", response_model=LearnerPublic)
async def erase_learner(learner_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now) -> Any:
    """Right to erasure: personal data deleted, enrolments kept under the pseudonym, `learner.erased` published."""
    return LearnerPublic.of(await service.erase_learner(uow, p, learner_id, now=now))


@learners.post("/learners/{learner_id}/consents", status_code=status.HTTP_201_CREATED, response_model=ConsentPublic)
async def give_consent(learner_id: uuid.UUID, body: ConsentCreate, uow: UoW, p: CurrentPrincipal, now: Now) -> Any:
    """The learner lets one firm, or every partner of a program they are enrolled in, see their profile."""
    consent = await service.give_consent(
        uow, p, learner_id, now=now, purpose=body.purpose, firm_id=body.firm_id, program_id=body.program_id
    )
    return ConsentPublic.of(consent)


@learners.get("/learners/{learner_id}/consents", response_model=Page[ConsentPublic])
async def list_consents(learner_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, paging: Paging) -> Any:
    items, total = await service.list_consents(uow, p, learner_id, limit=paging.limit, offset=paging.offset)
    return Page[ConsentPublic](
        items=[ConsentPublic.of(c) for c in items], total=total, limit=paging.limit, offset=paging.offset
    )


@learners.post("/consents/{consent_id}/withdraw", response_model=ConsentPublic)
async def withdraw_consent(consent_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now) -> Any:
    """Effective at once: the firm's next read no longer shows the learner."""
    return ConsentPublic.of(await service.withdraw_consent(uow, p, consent_id, now=now))


@learners.get("/profiles", response_model=Page[ProfilePublic])
async def list_profiles(uow: UoW, p: CurrentPrincipal, paging: Paging) -> Any:
    """For firms: the learners whose active consent covers your firm."""
    items, total = await service.list_profiles(uow, p, limit=paging.limit, offset=paging.offset)
    return Page[ProfilePublic](
        items=[ProfilePublic.of(x) for x in items], total=total, limit=paging.limit, offset=paging.offset
    )


@learners.get("/profiles/{learner_ref}", response_model=ProfilePublic)
async def get_profile(learner_ref: uuid.UUID, uow: UoW, p: CurrentPrincipal) -> Any:
    return ProfilePublic.of(await service.get_profile(uow, p, learner_ref))
