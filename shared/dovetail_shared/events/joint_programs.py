"""Events published by the joint programs service (topics ``joint-programs.program``, ``.cohort``, ``.learner``).

No event carries a learner's personal data: learners appear by ``learner_ref``, a pseudonymous id that is not
the roster row's id (ADR 0023); their names, student numbers and contacts never leave the service.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from dovetail_shared.events.base import EventPayload
from dovetail_shared.events.curricula import SkillCoverage


class CommittedIntake(BaseModel):
    """How many of the cohort's graduates a partner firm intends to hire (order classes)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    firm_id: uuid.UUID
    headcount: int


class ProgramProposed(EventPayload):
    event_type: ClassVar[str] = "dovetail.joint-programs.program.proposed.v1"
    aggregate: ClassVar[str] = "program"

    program_id: uuid.UUID
    college_id: uuid.UUID
    partner_ids: list[uuid.UUID]
    consortium_id: uuid.UUID | None = None
    model: str
    title: str
    curriculum_id: uuid.UUID
    curriculum_version_number: int
    capacity: int
    committed_intake: list[CommittedIntake] = []


class ProgramApproved(EventPayload):
    """Every partner firm approved."""

    event_type: ClassVar[str] = "dovetail.joint-programs.program.approved.v1"
    aggregate: ClassVar[str] = "program"

    program_id: uuid.UUID
    college_id: uuid.UUID
    partner_ids: list[uuid.UUID]


class ProgramDeclined(EventPayload):
    event_type: ClassVar[str] = "dovetail.joint-programs.program.declined.v1"
    aggregate: ClassVar[str] = "program"

    program_id: uuid.UUID
    organization_id: uuid.UUID
    reason: str


class ProgramLaunched(EventPayload):
    event_type: ClassVar[str] = "dovetail.joint-programs.program.launched.v1"
    aggregate: ClassVar[str] = "program"

    program_id: uuid.UUID
    curriculum_id: uuid.UUID
    curriculum_version_number: int


class ProgramClosed(EventPayload):
    event_type: ClassVar[str] = "dovetail.joint-programs.program.closed.v1"
    aggregate: ClassVar[str] = "program"

    program_id: uuid.UUID


class ProgramRepinned(EventPayload):
    event_type: ClassVar[str] = "dovetail.joint-programs.program.re-pinned.v1"
    aggregate: ClassVar[str] = "program"

    program_id: uuid.UUID
    curriculum_id: uuid.UUID
    from_version_number: int
    to_version_number: int


class ProgramFlagged(EventPayload):
    """The pinned curriculum version was retired (``retired``) or replaced by a newer one (``superseded``)."""

    event_type: ClassVar[str] = "dovetail.joint-programs.program.flagged.v1"
    aggregate: ClassVar[str] = "program"

    program_id: uuid.UUID
    curriculum_id: uuid.UUID
    curriculum_version_number: int
    reason: str


class _CohortFacts(EventPayload):
    """What matching needs of a cohort: its program, the pinned version and its skills, seats and dates."""

    cohort_id: uuid.UUID
    program_id: uuid.UUID
    college_id: uuid.UUID
    partner_ids: list[uuid.UUID] = []
    model: str
    intake_term: str
    seat_limit: int
    start_date: date
    graduation_date: date
    curriculum_id: uuid.UUID
    curriculum_version_number: int
    skills: list[SkillCoverage] = []


class CohortOpened(_CohortFacts):
    event_type: ClassVar[str] = "dovetail.joint-programs.cohort.opened.v1"
    aggregate: ClassVar[str] = "cohort"


class CohortStarted(_CohortFacts):
    event_type: ClassVar[str] = "dovetail.joint-programs.cohort.started.v1"
    aggregate: ClassVar[str] = "cohort"


class CohortGraduated(_CohortFacts):
    event_type: ClassVar[str] = "dovetail.joint-programs.cohort.graduated.v1"
    aggregate: ClassVar[str] = "cohort"


class LearnerRegistered(EventPayload):
    """A college added a learner to its roster; only the pseudonymous reference travels."""

    event_type: ClassVar[str] = "dovetail.joint-programs.learner.registered.v1"
    aggregate: ClassVar[str] = "learner"

    learner_ref: uuid.UUID
    college_id: uuid.UUID


class LearnerEnrolled(EventPayload):
    event_type: ClassVar[str] = "dovetail.joint-programs.learner.enrolled.v1"
    aggregate: ClassVar[str] = "learner"

    learner_ref: uuid.UUID
    cohort_id: uuid.UUID
    program_id: uuid.UUID
    enrolled_on: date


class LearnerGraduated(EventPayload):
    """Skills evidence: the skills of the program's pinned curriculum version the learner completed."""

    event_type: ClassVar[str] = "dovetail.joint-programs.learner.graduated.v1"
    aggregate: ClassVar[str] = "learner"

    learner_ref: uuid.UUID
    cohort_id: uuid.UUID
    program_id: uuid.UUID
    graduated_on: date
    curriculum_id: uuid.UUID
    curriculum_version_number: int
    skills: list[SkillCoverage] = []


class LearnerWithdrew(EventPayload):
    event_type: ClassVar[str] = "dovetail.joint-programs.learner.withdrew.v1"
    aggregate: ClassVar[str] = "learner"

    learner_ref: uuid.UUID
    cohort_id: uuid.UUID
    program_id: uuid.UUID
    withdrawn_on: date


class ConsentGiven(EventPayload):
    """The learner lets ``firm_id`` (or, with ``program_id``, every partner of that program) see their profile."""

    event_type: ClassVar[str] = "dovetail.joint-programs.consent.given.v1"
    aggregate: ClassVar[str] = "learner"

    consent_id: uuid.UUID
    learner_ref: uuid.UUID
    firm_id: uuid.UUID | None = None
    program_id: uuid.UUID | None = None
    purpose: str
    given_at: datetime
    # Purpose ``placement`` only (ADR 0028): what internships needs to recognise the learner and apply the age rules.
    account_digest: str | None = Field(
        default=None, description="placement only: dovetail_shared.principal.account_digest of the learner's account"
    )
    turns_16_on: date | None = Field(default=None, description="placement only, set for learners under 16")
    turns_18_on: date | None = Field(default=None, description="placement only, set for learners under 18")


class ConsentWithdrawn(EventPayload):
    """Effective at once: from ``withdrawn_at`` the firm may no longer use the learner's profile."""

    event_type: ClassVar[str] = "dovetail.joint-programs.consent.withdrawn.v1"
    aggregate: ClassVar[str] = "learner"

    consent_id: uuid.UUID
    learner_ref: uuid.UUID
    firm_id: uuid.UUID | None = None
    program_id: uuid.UUID | None = None
    purpose: str
    withdrawn_at: datetime


class LearnerErased(EventPayload):
    """The learner exercised the right to erasure (PIPL art. 47, GDPR art. 17).

    EVERY SERVICE THAT RECEIVES THIS EVENT MUST PURGE WHAT IT HOLDS ABOUT ``learner_ref``: personal data,
    profiles, applications' free text, notes and any copy in caches or search indexes. Counts and
    pseudonymous facts needed for statistics may be kept only if they can no longer be linked to a person.
    joint_programs has already deleted the learner's personal data when this is published.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="ignore",
        json_schema_extra={"x-dovetail-obligation": "every consumer purges what it holds about learner_ref"},
    )

    event_type: ClassVar[str] = "dovetail.joint-programs.learner.erased.v1"
    aggregate: ClassVar[str] = "learner"

    learner_ref: uuid.UUID = Field(description="Purge everything held about this pseudonymous learner id")
    college_id: uuid.UUID
    erased_at: datetime
