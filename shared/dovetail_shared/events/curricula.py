"""Events published by the curricula service (topics ``curricula.curriculum`` and ``curricula.proposal``)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from dovetail_shared.events.base import EventPayload


class CurriculumCreated(EventPayload):
    event_type: ClassVar[str] = "dovetail.curricula.curriculum.created.v1"
    aggregate: ClassVar[str] = "curriculum"

    curriculum_id: uuid.UUID
    college_id: uuid.UUID
    title: str
    target_occupation: str
    level: str
    consortium_id: uuid.UUID | None = None
    co_author_ids: list[uuid.UUID] = []


class CurriculumUpdated(EventPayload):
    """The curriculum's own facts changed (not a version's content: that travels with publication)."""

    event_type: ClassVar[str] = "dovetail.curricula.curriculum.updated.v1"
    aggregate: ClassVar[str] = "curriculum"

    curriculum_id: uuid.UUID
    title: str
    title_zh: str | None = None
    consortium_id: uuid.UUID | None = None
    approval_rule: str
    co_author_ids: list[uuid.UUID] = []


class SkillCoverage(BaseModel):
    """A skill a published version teaches, at the highest level any of its outcomes reaches."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    skill_id: str
    level: int
    hours: int


class CurriculumVersionPublished(EventPayload):
    event_type: ClassVar[str] = "dovetail.curricula.version.published.v1"
    aggregate: ClassVar[str] = "curriculum"

    curriculum_id: uuid.UUID
    version_id: uuid.UUID
    version_number: int
    college_id: uuid.UUID
    title: str
    target_occupation: str
    level: str
    consortium_id: uuid.UUID | None = None
    co_author_ids: list[uuid.UUID] = []
    effective_date: date | None = None
    total_hours: int
    skills: list[SkillCoverage]


class CurriculumVersionRetired(EventPayload):
    event_type: ClassVar[str] = "dovetail.curricula.version.retired.v1"
    aggregate: ClassVar[str] = "curriculum"

    curriculum_id: uuid.UUID
    version_id: uuid.UUID
    version_number: int


class ChangeProposalSubmitted(EventPayload):
    event_type: ClassVar[str] = "dovetail.curricula.proposal.submitted.v1"
    aggregate: ClassVar[str] = "proposal"

    proposal_id: uuid.UUID
    curriculum_id: uuid.UUID
    proposer_org_id: uuid.UUID
    base_version_number: int
    demand_id: uuid.UUID | None = None
    rationale: str
    added_skill_ids: list[str] = []


class ChangeProposalAccepted(EventPayload):
    event_type: ClassVar[str] = "dovetail.curricula.proposal.accepted.v1"
    aggregate: ClassVar[str] = "proposal"

    proposal_id: uuid.UUID
    curriculum_id: uuid.UUID
    demand_id: uuid.UUID | None = None
    new_version_number: int


class ChangeProposalRejected(EventPayload):
    event_type: ClassVar[str] = "dovetail.curricula.proposal.rejected.v1"
    aggregate: ClassVar[str] = "proposal"

    proposal_id: uuid.UUID
    curriculum_id: uuid.UUID
    demand_id: uuid.UUID | None = None
    reason: str


class ChangeProposalWithdrawn(EventPayload):
    event_type: ClassVar[str] = "dovetail.curricula.proposal.withdrawn.v1"
    aggregate: ClassVar[str] = "proposal"

    proposal_id: uuid.UUID
    curriculum_id: uuid.UUID
    demand_id: uuid.UUID | None = None
