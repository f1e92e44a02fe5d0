"""Request and response bodies of the internships API."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Any

from dovetail_shared.dates import IsoDate
from dovetail_shared.events.internships import RequiredSkill, SkillScore
from dovetail_shared.text import Text
from pydantic import BaseModel, BeforeValidator, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

from internships.domain import (
    Application,
    ApplicationStatus,
    EntryStatus,
    Evaluation,
    EvaluatorRole,
    Grade,
    LogbookEntry,
    Placement,
    PlacementStatus,
    Posting,
    PostingStatus,
    Rating,
    TerminationReason,
)
from internships.service import RatingSummary, WeekTotal

NAME = 200
TEXT = 4000
SKILL_ID = 300
MONEY = Decimal("100000000")


class SkillIn(BaseModel):
    skill_id: Text = Field(max_length=SKILL_ID, description="An ESCO skill id")
    level: int = Field(ge=1, le=5)


class PostingCreate(BaseModel):
    """The posting firm is the caller's organisation; it must be verified."""

    title: Text = Field(max_length=NAME)
    description: Text | None = Field(None, max_length=TEXT)
    positions: int = Field(ge=1, le=1000)
    skills: list[SkillIn] = Field(default_factory=list, max_length=30)
    region: Text | None = Field(None, max_length=NAME)
    location: Text | None = Field(None, max_length=NAME)
    start_date: IsoDate
    end_date: IsoDate
    stipend: Decimal = Field(ge=0, lt=MONEY, decimal_places=2, description="Per month")
    post_wage: Decimal = Field(
        ge=0, lt=MONEY, decimal_places=2, description="A regular employee's monthly wage on this post (stipend floor)"
    )
    firm_staff: int = Field(ge=1, le=10_000_000, description="The firm's staff, for the interns' share of it")
    post_staff: int = Field(ge=1, le=10_000_000, description="The post's staff, for the interns' share of it")
    program_id: uuid.UUID | None = Field(None, description="Reserved for this joint program's learners")
    cohort_id: uuid.UUID | None = Field(None, description="Reserved for this cohort's learners")

    def domain(self) -> dict[str, Any]:
        values = self.model_dump(exclude={"skills"})
        values["skills"] = [RequiredSkill(skill_id=s.skill_id, level=s.level) for s in self.skills]
        return values


class SkillOut(BaseModel):
    skill_id: str
    level: int


class PostingPublic(BaseModel):
    id: uuid.UUID
    version: int = Field(description="Optimistic-concurrency version; send it back as If-Match")
    created_at: datetime
    updated_at: datetime
    firm_id: uuid.UUID
    title: str
    description: str | None
    positions: int
    placed: int
    skills: list[SkillOut]
    region: str | None
    location: str | None
    start_date: date
    end_date: date
    stipend: Decimal
    post_wage: Decimal
    firm_staff: int
    post_staff: int
    program_id: uuid.UUID | None
    cohort_id: uuid.UUID | None
    status: PostingStatus
    closed_reason: str | None

    @classmethod
    def of(cls, posting: Posting) -> PostingPublic:
        return cls.model_validate(posting.model_dump())


class ApplicationCreate(BaseModel):
    cover_letter: Text | None = Field(None, max_length=TEXT)


class RejectIn(BaseModel):
    reason: Text | None = Field(None, max_length=2000)


class ApplicationPublic(BaseModel):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    posting_id: uuid.UUID
    firm_id: uuid.UUID
    learner_ref: uuid.UUID = Field(description="The learner's pseudonym; their profile is in joint programs")
    college_id: uuid.UUID
    cover_letter: str | None
    status: ApplicationStatus
    reject_reason: str | None
    superseded: bool = Field(description="Withdrawn because the learner accepted another offer")

    @classmethod
    def of(cls, app: Application) -> ApplicationPublic:
        return cls.model_validate(app.model_dump())


class MentorIn(BaseModel):
    mentor_sub: Text = Field(max_length=NAME, description="The `sub` of the firm user who mentors")


class TeacherIn(BaseModel):
    teacher_sub: Text = Field(max_length=NAME, description="The `sub` of the college's supervising teacher")


class InsuranceIn(BaseModel):
    policy_number: Text = Field(max_length=100)
    insurer: Text = Field(max_length=NAME)
    valid_from: IsoDate
    valid_to: IsoDate


class TerminateIn(BaseModel):
    reason: TerminationReason


class PlacementPublic(BaseModel):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    posting_id: uuid.UUID
    application_id: uuid.UUID
    firm_id: uuid.UUID
    college_id: uuid.UUID
    learner_ref: uuid.UUID
    start_date: date
    end_date: date
    status: PlacementStatus
    mentor_sub: str | None
    teacher_sub: str | None
    learner_signed_at: datetime | None
    firm_signed_at: datetime | None
    college_signed_at: datetime | None
    insurance_policy_number: str | None
    insurer: str | None
    insurance_valid_from: date | None
    insurance_valid_to: date | None
    completed_on: date | None
    terminated_on: date | None
    termination_reason: TerminationReason | None

    @classmethod
    def of(cls, placement: Placement) -> PlacementPublic:
        return cls.model_validate(placement.model_dump())


class AcceptedPublic(BaseModel):
    application: ApplicationPublic
    placement: PlacementPublic


HH_MM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def _local_time(value: Any) -> Any:
    """``HH:MM`` at the firm, nothing else: no seconds, no offset (a logbook is in the firm's local time)."""
    if isinstance(value, time) and value.tzinfo is None:
        return value
    if isinstance(value, str) and HH_MM.fullmatch(value):
        return value
    raise PydanticCustomError("local_time", "must be a local time of day as HH:MM")


HH_MM_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    # Documented as a time (a parsed format); the value is HH:MM, refused otherwise with the rule local_time.
    WithJsonSchema({"type": "string", "format": "time", "examples": ["09:00"]}),
]
# HH:MM on the way out too, documented by its pattern: pydantic would write "09:00:00", and a JSON Schema "time"
# needs an offset, which a local wall-clock time has not.
LocalTimeOut = Annotated[
    time,
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": HH_MM_PATTERN, "examples": ["09:00"]}),
]


class EntryCreate(BaseModel):
    entry_date: IsoDate
    start_time: LocalTime = Field(description="Local time at the firm, HH:MM")
    end_time: LocalTime
    break_minutes: int = Field(0, ge=0, le=600)
    tasks: Text = Field(max_length=TEXT)
    skills: list[Annotated[Text, Field(max_length=SKILL_ID)]] = Field(
        default_factory=list, max_length=20, description="ESCO skill ids practised"
    )


class ReturnIn(BaseModel):
    comment: Text = Field(max_length=2000)


class EntryPublic(BaseModel):
    id: uuid.UUID
    version: int
    created_at: datetime
    placement_id: uuid.UUID
    entry_date: date
    start_time: LocalTimeOut
    end_time: LocalTimeOut
    break_minutes: int
    hours: float
    tasks: str | None
    skills: list[str]
    status: EntryStatus
    comment: str | None
    signed_by: str | None
    signed_at: datetime | None

    @classmethod
    def of(cls, entry: LogbookEntry) -> EntryPublic:
        return cls.model_validate(entry.model_dump() | {"hours": entry.hours})


class WeekPublic(BaseModel):
    week_of: date = Field(description="The Monday of the ISO week")
    signed_hours: float
    pending_hours: float = Field(description="Submitted, not yet signed")

    @classmethod
    def of(cls, w: WeekTotal) -> WeekPublic:
        return cls(week_of=w.week_of, signed_hours=w.signed_hours, pending_hours=w.pending_hours)


class ScoreIn(BaseModel):
    skill_id: Text = Field(max_length=SKILL_ID)
    score: int = Field(ge=1, le=5)


class EvaluationCreate(BaseModel):
    """Your role (mentor or supervising teacher) is taken from your token."""

    scores: list[ScoreIn] = Field(default_factory=list, max_length=30)
    grade: Grade
    comment: Text | None = Field(None, max_length=2000)

    def domain(self) -> dict[str, Any]:
        return {
            "scores": [SkillScore(skill_id=s.skill_id, score=s.score) for s in self.scores],
            "grade": self.grade,
            "comment": self.comment,
        }


class ScoreOut(BaseModel):
    skill_id: str
    score: int


class EvaluationPublic(BaseModel):
    id: uuid.UUID
    created_at: datetime
    placement_id: uuid.UUID
    evaluator_role: EvaluatorRole
    evaluator_sub: str
    scores: list[ScoreOut]
    grade: Grade
    comment: str | None

    @classmethod
    def of(cls, e: Evaluation) -> EvaluationPublic:
        return cls.model_validate(e.model_dump())


class RuleSetPublic(BaseModel):
    name: str
    parameters: dict[str, Any]


class RatingCreate(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: Text | None = Field(None, max_length=2000, description="Never shown to the firm")


class RatingPublic(BaseModel):
    """Your own rating (the firm never sees it)."""

    id: uuid.UUID
    placement_id: uuid.UUID
    score: int
    comment: str | None
    created_at: datetime

    @classmethod
    def of(cls, r: Rating) -> RatingPublic:
        return cls.model_validate(r.model_dump())


class FirmRatingPublic(BaseModel):
    firm_id: uuid.UUID
    count: int | None = Field(description="Null until at least 3 learners rated the firm")
    mean_score: float | None

    @classmethod
    def of(cls, s: RatingSummary) -> FirmRatingPublic:
        return cls(firm_id=s.firm_id, count=s.count, mean_score=s.mean_score)
