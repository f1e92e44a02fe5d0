"""Events published by the talent pipelines service (topics ``talent-pipelines.demand`` and ``.candidate``).

Learners appear by ``learner_ref`` only (the pseudonym joint programs gives them, ADR 0023). Match results name
supply by id and score; explanations stay in the service (they are recomputed on read).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from dovetail_shared.events.base import EventPayload


class DemandSkill(BaseModel):
    """A skill a demand asks for: ESCO skill id, relative weight (1 to 100) and the minimum level (1 to 5)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    skill_id: str
    weight: int
    min_level: int


class _DemandFacts(EventPayload):
    demand_id: uuid.UUID
    firm_id: uuid.UUID
    role_title: str
    occupation_id: str | None = None
    skills: list[DemandSkill] = []
    headcount: int
    region: str | None = None
    needed_by: date


class DemandPosted(_DemandFacts):
    event_type: ClassVar[str] = "dovetail.talent-pipelines.demand.posted.v1"
    aggregate: ClassVar[str] = "demand"


class DemandUpdated(_DemandFacts):
    event_type: ClassVar[str] = "dovetail.talent-pipelines.demand.updated.v1"
    aggregate: ClassVar[str] = "demand"


class DemandFilled(EventPayload):
    """Hires reached the headcount."""

    event_type: ClassVar[str] = "dovetail.talent-pipelines.demand.filled.v1"
    aggregate: ClassVar[str] = "demand"

    demand_id: uuid.UUID
    firm_id: uuid.UUID
    hired: int
    filled_at: datetime


class DemandExpired(EventPayload):
    """The needed-by date passed while the demand was open (the expiry job)."""

    event_type: ClassVar[str] = "dovetail.talent-pipelines.demand.expired.v1"
    aggregate: ClassVar[str] = "demand"

    demand_id: uuid.UUID
    firm_id: uuid.UUID
    needed_by: date
    hired: int


class DemandCancelled(EventPayload):
    event_type: ClassVar[str] = "dovetail.talent-pipelines.demand.cancelled.v1"
    aggregate: ClassVar[str] = "demand"

    demand_id: uuid.UUID
    firm_id: uuid.UUID
    hired: int


class RankedSupply(BaseModel):
    """One entry of a demand's top results: ``kind`` is ``cohort`` or ``learner``; ``id`` a cohort id or a
    learner_ref; ``score`` in points out of 1000."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: str
    id: uuid.UUID
    score: int


class MatchesChanged(EventPayload):
    """A demand's top results changed after a supply change (never emitted when they stayed the same)."""

    event_type: ClassVar[str] = "dovetail.talent-pipelines.matches.changed.v1"
    aggregate: ClassVar[str] = "demand"

    demand_id: uuid.UUID
    firm_id: uuid.UUID
    top: list[RankedSupply] = []
    previous: list[RankedSupply] = []
    cause: str = Field(description="The supply change: cohort, curriculum, consent, evidence, erasure, demand")


class _CandidateFacts(EventPayload):
    candidate_id: uuid.UUID
    demand_id: uuid.UUID
    firm_id: uuid.UUID
    learner_ref: uuid.UUID
    from_stage: str | None = None
    to_stage: str
    moved_at: datetime
    by: str = Field(description="firm (an action of the firm's staff) or the event type that moved it")


class CandidateAdvanced(_CandidateFacts):
    """matched → engaged → interning → offered → hired → retained (a stage may be skipped, never gone back to)."""

    event_type: ClassVar[str] = "dovetail.talent-pipelines.candidate.advanced.v1"
    aggregate: ClassVar[str] = "candidate"


class CandidateDropped(_CandidateFacts):
    """``reason`` is a code (``firm_declined``, ``learner_declined``, ``placement_terminated``,
    ``consent_withdrawn``, ``erased``, ``demand_closed``, ``other``), never free text."""

    event_type: ClassVar[str] = "dovetail.talent-pipelines.candidate.dropped.v1"
    aggregate: ClassVar[str] = "candidate"

    reason: str


class CandidateHired(_CandidateFacts):
    event_type: ClassVar[str] = "dovetail.talent-pipelines.candidate.hired.v1"
    aggregate: ClassVar[str] = "candidate"
