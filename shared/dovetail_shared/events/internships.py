"""Events published by the internships service (topics ``internships.posting``, ``.application``,
``.placement``).

Learners appear by ``learner_ref`` only (the pseudonym joint programs gives them, ADR 0023): no name,
contact, cover letter, logbook text or comment ever travels. ``placement.completed`` carries the per-skill
evidence talent matching needs: skills practised with signed hours, and the evaluations' scores.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from dovetail_shared.events.base import EventPayload


class RequiredSkill(BaseModel):
    """A skill a posting asks for: an ESCO skill id and the level wanted (1 to 5)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    skill_id: str
    level: int = Field(ge=1, le=5)


class PractisedSkill(BaseModel):
    """Signed logbook hours in which the learner practised a skill."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    skill_id: str
    signed_hours: float = Field(ge=0)


class SkillScore(BaseModel):
    """An evaluator's score for one skill, 1 (novice) to 5 (expert)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    skill_id: str
    score: int = Field(ge=1, le=5)


class EvaluationEvidence(BaseModel):
    """One submitted evaluation: who gave it (``mentor`` or ``teacher``), its per-skill scores and grade."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    evaluator_role: str
    scores: list[SkillScore] = []
    grade: str


# -- postings ------------------------------------------------------------------------------------------


class _PostingFacts(EventPayload):
    """What matching and the gateway need of a posting; the stipend and free text stay in the service."""

    posting_id: uuid.UUID
    firm_id: uuid.UUID
    title: str
    positions: int
    skills: list[RequiredSkill] = []
    region: str | None = None
    start_date: date
    end_date: date
    program_id: uuid.UUID | None = Field(default=None, description="Reserved for this joint program's learners")
    cohort_id: uuid.UUID | None = Field(default=None, description="Reserved for this cohort's learners")


class PostingOpened(_PostingFacts):
    event_type: ClassVar[str] = "dovetail.internships.posting.opened.v1"
    aggregate: ClassVar[str] = "posting"


class PostingFilled(_PostingFacts):
    """Accepted placements reached the posting's positions."""

    event_type: ClassVar[str] = "dovetail.internships.posting.filled.v1"
    aggregate: ClassVar[str] = "posting"


class PostingClosed(_PostingFacts):
    event_type: ClassVar[str] = "dovetail.internships.posting.closed.v1"
    aggregate: ClassVar[str] = "posting"


# -- applications --------------------------------------------------------------------------------------


class _ApplicationFacts(EventPayload):
    application_id: uuid.UUID
    posting_id: uuid.UUID
    firm_id: uuid.UUID
    learner_ref: uuid.UUID


class ApplicationSubmitted(_ApplicationFacts):
    event_type: ClassVar[str] = "dovetail.internships.application.submitted.v1"
    aggregate: ClassVar[str] = "application"


class ApplicationShortlisted(_ApplicationFacts):
    event_type: ClassVar[str] = "dovetail.internships.application.shortlisted.v1"
    aggregate: ClassVar[str] = "application"


class ApplicationOffered(_ApplicationFacts):
    event_type: ClassVar[str] = "dovetail.internships.application.offered.v1"
    aggregate: ClassVar[str] = "application"


class ApplicationAccepted(_ApplicationFacts):
    event_type: ClassVar[str] = "dovetail.internships.application.accepted.v1"
    aggregate: ClassVar[str] = "application"


class ApplicationRejected(_ApplicationFacts):
    """The firm rejected the application; the reason stays in the service (free text)."""

    event_type: ClassVar[str] = "dovetail.internships.application.rejected.v1"
    aggregate: ClassVar[str] = "application"


class ApplicationWithdrawn(_ApplicationFacts):
    """The learner withdrew, or accepting another offer withdrew this one (``superseded``)."""

    event_type: ClassVar[str] = "dovetail.internships.application.withdrawn.v1"
    aggregate: ClassVar[str] = "application"

    superseded: bool = False


# -- placements ----------------------------------------------------------------------------------------


class _PlacementFacts(EventPayload):
    placement_id: uuid.UUID
    posting_id: uuid.UUID
    application_id: uuid.UUID
    firm_id: uuid.UUID
    college_id: uuid.UUID
    learner_ref: uuid.UUID
    start_date: date
    end_date: date


class PlacementConfirmed(_PlacementFacts):
    """An offer was accepted: the placement exists and awaits the tripartite signatures and insurance."""

    event_type: ClassVar[str] = "dovetail.internships.placement.confirmed.v1"
    aggregate: ClassVar[str] = "placement"


class PlacementActivated(_PlacementFacts):
    """Learner, firm and college signed the agreement and the liability insurance is on record."""

    event_type: ClassVar[str] = "dovetail.internships.placement.activated.v1"
    aggregate: ClassVar[str] = "placement"


class PlacementCompleted(_PlacementFacts):
    """Completed with both evaluations: the evidence talent matching uses (signed hours, scores)."""

    event_type: ClassVar[str] = "dovetail.internships.placement.completed.v1"
    aggregate: ClassVar[str] = "placement"

    completed_on: date
    signed_hours: float = Field(ge=0, description="Total hours of the placement's signed logbook entries")
    practised: list[PractisedSkill] = []
    evaluations: list[EvaluationEvidence] = []


class PlacementTerminated(_PlacementFacts):
    """Ended early; ``reason`` is a code (``learner_request``, ``firm_request``, ``rule_violation``,
    ``college_request``, ``other``), never free text."""

    event_type: ClassVar[str] = "dovetail.internships.placement.terminated.v1"
    aggregate: ClassVar[str] = "placement"

    terminated_on: date
    reason: str


class LogbookEntrySigned(EventPayload):
    """The mentor signed a logbook entry; its tasks text stays in the service."""

    event_type: ClassVar[str] = "dovetail.internships.logbook-entry.signed.v1"
    aggregate: ClassVar[str] = "placement"

    entry_id: uuid.UUID
    placement_id: uuid.UUID
    firm_id: uuid.UUID
    college_id: uuid.UUID
    learner_ref: uuid.UUID
    entry_date: date
    hours: float
    skills: list[str] = Field(default=[], description="ESCO skill ids practised")
    signed_at: datetime


class EvaluationSubmitted(EventPayload):
    event_type: ClassVar[str] = "dovetail.internships.evaluation.submitted.v1"
    aggregate: ClassVar[str] = "placement"

    evaluation_id: uuid.UUID
    placement_id: uuid.UUID
    firm_id: uuid.UUID
    college_id: uuid.UUID
    learner_ref: uuid.UUID
    evaluator_role: str = Field(description="mentor | teacher")
    scores: list[SkillScore] = []
    grade: str
    submitted_at: datetime
