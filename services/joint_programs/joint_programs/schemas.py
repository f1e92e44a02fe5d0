"""Request and response bodies of the joint programs API."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from dovetail_shared.dates import IsoDate
from dovetail_shared.events.joint_programs import CommittedIntake
from dovetail_shared.text import Text
from pydantic import BaseModel, Field

from joint_programs.domain import (
    Cohort,
    CohortStatus,
    Consent,
    ConsentPurpose,
    Enrolment,
    EnrolmentStatus,
    JointProgram,
    Learner,
    PinFlag,
    ProgramModel,
    ProgramStatus,
)
from joint_programs.service import Profile

NAME = 200
TEXT = 2000


class IntakeIn(BaseModel):
    firm_id: uuid.UUID
    headcount: int = Field(ge=1, le=100_000)


class ProgramCreate(BaseModel):
    """The owning college is the caller's organisation."""

    title: Text = Field(max_length=NAME)
    title_zh: Text | None = Field(None, max_length=NAME)
    model: ProgramModel
    partner_ids: list[uuid.UUID] = Field(max_length=20, description="Verified enterprises; at least one")
    consortium_id: uuid.UUID | None = Field(None, description="Then the college and every partner are active members")
    curriculum_id: uuid.UUID
    curriculum_version_number: int = Field(ge=1, le=100_000, description="A published version of the curriculum")
    capacity: int = Field(ge=1, le=100_000)
    committed_intake: list[IntakeIn] = Field(default_factory=list, max_length=20, description="Order classes only")

    def domain(self) -> dict[str, object]:
        values = self.model_dump(exclude={"committed_intake"})
        values["committed_intake"] = [
            CommittedIntake(firm_id=c.firm_id, headcount=c.headcount) for c in self.committed_intake
        ]
        return values


class DeclineIn(BaseModel):
    reason: Text = Field(max_length=TEXT)


class IntakePublic(BaseModel):
    firm_id: uuid.UUID
    headcount: int


class ProgramPublic(BaseModel):
    id: uuid.UUID
    version: int = Field(description="Optimistic-concurrency version; send it back as If-Match")
    created_at: datetime
    updated_at: datetime
    college_id: uuid.UUID
    title: str
    title_zh: str | None
    model: ProgramModel
    partner_ids: list[uuid.UUID]
    consortium_id: uuid.UUID | None
    curriculum_id: uuid.UUID
    curriculum_version_number: int
    capacity: int
    committed_intake: list[IntakePublic]
    status: ProgramStatus
    approved_by: list[uuid.UUID]
    declined_by: uuid.UUID | None
    decline_reason: str | None
    pin_flag: PinFlag | None = Field(description="Set when the pinned version was retired or superseded: re-pin")
    flagged_at: datetime | None
    launched_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, program: JointProgram) -> ProgramPublic:
        return cls.model_validate(program.model_dump())


class CohortCreate(BaseModel):
    intake_term: Text = Field(max_length=20, description="A year with an optional season, e.g. 2026-autumn")
    seat_limit: int = Field(ge=1, le=10_000)
    start_date: IsoDate
    graduation_date: IsoDate


class CohortPublic(BaseModel):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    program_id: uuid.UUID
    college_id: uuid.UUID
    intake_term: str
    seat_limit: int
    enrolled_count: int = Field(description="Seats taken by learners enrolled or graduated")
    start_date: date
    graduation_date: date
    status: CohortStatus

    @classmethod
    def of(cls, cohort: Cohort) -> CohortPublic:
        return cls.model_validate(cohort.model_dump())


class LearnerCreate(BaseModel):
    """A learner on the caller's college's roster."""

    name: Text = Field(max_length=NAME)
    name_zh: Text | None = Field(None, max_length=NAME)
    student_number: Text = Field(max_length=64, description="Unique within the college")
    date_of_birth: IsoDate
    contact: Text | None = Field(None, max_length=320, description="e-mail or phone")
    account_subject: Text | None = Field(
        None, max_length=NAME, description="The `sub` of the learner's own account, so they can manage their consent"
    )


class LearnerPublic(BaseModel):
    """The full roster record: the college's staff and the learner only."""

    id: uuid.UUID
    ref: uuid.UUID = Field(description="The pseudonymous id other services know the learner by")
    version: int
    created_at: datetime
    updated_at: datetime
    college_id: uuid.UUID
    name: str | None
    name_zh: str | None
    student_number: str | None
    date_of_birth: date | None
    contact: str | None
    account_subject: str | None
    erased_at: datetime | None

    @classmethod
    def of(cls, learner: Learner) -> LearnerPublic:
        return cls.model_validate(learner.model_dump())


class ProfilePublic(BaseModel):
    """A learner as a firm sees them under consent: no roster id, student number or date of birth."""

    ref: uuid.UUID
    college_id: uuid.UUID
    name: str | None
    name_zh: str | None
    contact: str | None
    purposes: list[ConsentPurpose] = Field(description="What the learner's consent to your firm covers")

    @classmethod
    def of(cls, profile: Profile) -> ProfilePublic:
        learner = profile.learner
        return cls(
            ref=learner.ref,
            college_id=learner.college_id,
            name=learner.name,
            name_zh=learner.name_zh,
            contact=learner.contact,
            purposes=profile.purposes,
        )


class EnrolmentCreate(BaseModel):
    learner_id: uuid.UUID


class EnrolmentPublic(BaseModel):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    cohort_id: uuid.UUID
    program_id: uuid.UUID
    learner_id: uuid.UUID
    learner_ref: uuid.UUID
    status: EnrolmentStatus
    enrolled_on: date
    ended_on: date | None

    @classmethod
    def of(cls, enrolment: Enrolment) -> EnrolmentPublic:
        return cls.model_validate(enrolment.model_dump())


class ConsentCreate(BaseModel):
    """Name one firm (``firm_id``) or a program you are enrolled in, whose partners may all see you (``program_id``)."""

    purpose: ConsentPurpose
    firm_id: uuid.UUID | None = None
    program_id: uuid.UUID | None = None


class ConsentPublic(BaseModel):
    id: uuid.UUID
    version: int
    learner_id: uuid.UUID
    firm_id: uuid.UUID | None
    program_id: uuid.UUID | None
    purpose: ConsentPurpose
    given_at: datetime
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, consent: Consent) -> ConsentPublic:
        return cls.model_validate(consent.model_dump())
