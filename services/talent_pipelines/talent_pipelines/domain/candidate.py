"""The Candidate aggregate: one learner in one demand's pipeline, moving forward through the stages."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import InvalidTransition, ValidationFailed
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.talent_pipelines import CandidateAdvanced, CandidateDropped, CandidateHired

from talent_pipelines.domain.rules import Rule

ENTITY = "candidate"
FIRM = "firm"


class Stage(StrEnum):
    MATCHED = "matched"
    ENGAGED = "engaged"
    INTERNING = "interning"
    OFFERED = "offered"
    HIRED = "hired"
    RETAINED = "retained"
    DROPPED = "dropped"


FORWARD = (Stage.MATCHED, Stage.ENGAGED, Stage.INTERNING, Stage.OFFERED, Stage.HIRED, Stage.RETAINED)


class DropReason(StrEnum):
    FIRM_DECLINED = "firm_declined"
    LEARNER_DECLINED = "learner_declined"
    PLACEMENT_TERMINATED = "placement_terminated"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    ERASED = "erased"
    DEMAND_CLOSED = "demand_closed"
    OTHER = "other"


class Candidate(Aggregate):
    demand_id: uuid.UUID
    firm_id: uuid.UUID
    learner_ref: uuid.UUID | None  # None once the learner is erased (the move history stays, unlinkable)
    stage: Stage = Stage.MATCHED
    drop_reason: DropReason | None = None

    @classmethod
    def match(
        cls, demand_id: uuid.UUID, firm_id: uuid.UUID, learner_ref: uuid.UUID, now: datetime
    ) -> tuple[Candidate, list[DomainEvent]]:
        c = cls(demand_id=demand_id, firm_id=firm_id, learner_ref=learner_ref, created_at=now, updated_at=now)
        return c, [c._event(CandidateAdvanced, None, Stage.MATCHED, FIRM, now)]

    @property
    def active(self) -> bool:
        return self.stage not in (Stage.DROPPED, Stage.RETAINED)

    def can_reach(self, to: Stage) -> bool:
        return to in FORWARD and self.stage in FORWARD and FORWARD.index(to) > FORWARD.index(self.stage)

    def advance(self, to: Stage, by: str, now: datetime) -> list[DomainEvent]:
        """Forward only (a stage may be skipped: a firm may offer without an internship)."""
        if self.stage == Stage.DROPPED:
            raise InvalidTransition(ENTITY, self.stage, f"move to {to}")
        if not self.can_reach(to):
            raise ValidationFailed("to_stage", Rule.STAGE_ORDER, f"a {self.stage} candidate cannot move to {to}")
        before, self.stage, self.updated_at = self.stage, to, now
        kind = CandidateHired if to == Stage.HIRED else CandidateAdvanced
        return [self._event(kind, before, to, by, now)]

    def drop(self, reason: DropReason, by: str, now: datetime) -> list[DomainEvent]:
        if self.stage in (Stage.DROPPED, Stage.HIRED, Stage.RETAINED):
            raise InvalidTransition(ENTITY, self.stage, "drop")
        before, self.stage, self.drop_reason, self.updated_at = self.stage, Stage.DROPPED, reason, now
        return [self._event(CandidateDropped, before, Stage.DROPPED, by, now, reason=reason.value)]

    def _event(
        self,
        kind: type[CandidateAdvanced] | type[CandidateDropped] | type[CandidateHired],
        before: Stage | None,
        to: Stage,
        by: str,
        now: datetime,
        **extra: str,
    ) -> DomainEvent:
        assert self.learner_ref is not None
        payload = kind(
            candidate_id=self.id,
            demand_id=self.demand_id,
            firm_id=self.firm_id,
            learner_ref=self.learner_ref,
            from_stage=None if before is None else before.value,
            to_stage=to.value,
            moved_at=now,
            by=by,
            **extra,
        )
        return DomainEvent(payload=payload, subject=self.id, time=now)
