"""The Placement aggregate: confirmed by an accepted offer, active once the tripartite agreement is signed and
insured, then completed (both evaluations in) or terminated with a reason code."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import Conflict, InvalidTransition, ValidationFailed, Violation, ViolationCollector
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.internships import (
    EvaluationEvidence,
    PlacementActivated,
    PlacementCompleted,
    PlacementConfirmed,
    PlacementTerminated,
    PractisedSkill,
)

from internships.domain.application import Application
from internships.domain.posting import Posting
from internships.domain.rules import Rule, check_text

ENTITY = "placement"
POLICY_MAX = 100
SUBJECT_MAX = 200


class PlacementStatus(StrEnum):
    CONFIRMED = "confirmed"  # awaiting signatures and insurance
    ACTIVE = "active"
    COMPLETED = "completed"
    TERMINATED = "terminated"


class Party(StrEnum):
    LEARNER = "learner"
    FIRM = "firm"
    COLLEGE = "college"


class TerminationReason(StrEnum):
    LEARNER_REQUEST = "learner_request"
    FIRM_REQUEST = "firm_request"
    COLLEGE_REQUEST = "college_request"
    RULE_VIOLATION = "rule_violation"
    OTHER = "other"


class Placement(Aggregate):
    posting_id: uuid.UUID
    application_id: uuid.UUID
    firm_id: uuid.UUID
    college_id: uuid.UUID
    learner_ref: uuid.UUID
    start_date: date
    end_date: date
    status: PlacementStatus = PlacementStatus.CONFIRMED
    mentor_sub: str | None = None  # the firm user (token ``sub``) who mentors and signs the logbook
    teacher_sub: str | None = None  # the college's supervising teacher
    learner_signed_at: datetime | None = None
    firm_signed_at: datetime | None = None
    college_signed_at: datetime | None = None
    insurance_policy_number: str | None = None
    insurer: str | None = None
    insurance_valid_from: date | None = None
    insurance_valid_to: date | None = None
    completed_on: date | None = None
    terminated_on: date | None = None
    termination_reason: TerminationReason | None = None

    @classmethod
    def confirm(cls, posting: Posting, application: Application, now: datetime) -> tuple[Placement, list[DomainEvent]]:
        placement = cls(
            posting_id=posting.id,
            application_id=application.id,
            firm_id=posting.firm_id,
            college_id=application.college_id,
            learner_ref=application.learner_ref,
            start_date=posting.start_date,
            end_date=posting.end_date,
            created_at=now,
            updated_at=now,
        )
        return placement, [placement._facts(PlacementConfirmed, now)]

    @property
    def live(self) -> bool:
        return self.status in (PlacementStatus.CONFIRMED, PlacementStatus.ACTIVE)

    def _require_confirmed(self, action: str) -> None:
        if self.status != PlacementStatus.CONFIRMED:
            raise InvalidTransition(ENTITY, self.status, action)

    def assign(self, *, now: datetime, mentor_sub: str | None = None, teacher_sub: str | None = None) -> None:
        if not self.live:
            raise InvalidTransition(ENTITY, self.status, "assign supervision of")
        out = ViolationCollector()
        check_text(out, "mentor_sub", mentor_sub, max_len=SUBJECT_MAX, required=False)
        check_text(out, "teacher_sub", teacher_sub, max_len=SUBJECT_MAX, required=False)
        out.raise_if_any()
        if mentor_sub is not None:
            self.mentor_sub = mentor_sub
        if teacher_sub is not None:
            self.teacher_sub = teacher_sub
        self.updated_at = now

    def sign(self, party: Party, now: datetime) -> None:
        """Each party signs the tripartite agreement once, with its own token."""
        self._require_confirmed("sign the agreement of")
        column = f"{party.value}_signed_at"
        if getattr(self, column) is not None:
            detail = f"the {party.value} already signed this agreement"
            raise Conflict(detail, violations=[Violation("party", Rule.ALREADY_SIGNED, detail)])
        setattr(self, column, now)
        self.updated_at = now

    def insure(self, *, policy_number: str, insurer: str, valid_from: date, valid_to: date, now: datetime) -> None:
        self._require_confirmed("record insurance of")
        out = ViolationCollector()
        check_text(out, "policy_number", policy_number, max_len=POLICY_MAX)
        check_text(out, "insurer", insurer, max_len=SUBJECT_MAX)
        if valid_to < valid_from:
            out.add("valid_to", Rule.DATE_ORDER, "must not be before valid_from")
        elif valid_from > self.start_date or valid_to < self.end_date:
            message = f"the policy must cover the whole placement, {self.start_date} to {self.end_date}"
            out.add("valid_to", Rule.INSURANCE_COVERS_PLACEMENT, message)
        out.raise_if_any()
        self.insurance_policy_number, self.insurer = policy_number, insurer
        self.insurance_valid_from, self.insurance_valid_to = valid_from, valid_to
        self.updated_at = now

    @property
    def unsigned(self) -> list[Party]:
        return [p for p in Party if getattr(self, f"{p.value}_signed_at") is None]

    def activate(self, now: datetime) -> list[DomainEvent]:
        self._require_confirmed("activate")
        out = ViolationCollector()
        if self.unsigned:
            names = ", ".join(p.value for p in self.unsigned)
            out.add("agreement", Rule.AGREEMENT_UNSIGNED, f"the tripartite agreement still needs: {names}")
        if self.insurance_policy_number is None:
            out.add("insurance", Rule.INSURANCE_REQUIRED, "record the internship liability insurance first")
        if self.mentor_sub is None or self.teacher_sub is None:
            out.add("supervision", Rule.SUPERVISION_REQUIRED, "a firm mentor and a supervising teacher are needed")
        out.raise_if_any()
        self.status, self.updated_at = PlacementStatus.ACTIVE, now
        return [self._facts(PlacementActivated, now)]

    def complete(
        self,
        *,
        today: date,
        now: datetime,
        signed_hours: float,
        practised: Sequence[PractisedSkill],
        evaluations: Sequence[EvaluationEvidence],
    ) -> list[DomainEvent]:
        if self.status != PlacementStatus.ACTIVE:
            raise InvalidTransition(ENTITY, self.status, "complete")
        roles = {e.evaluator_role for e in evaluations}
        missing = [r for r in ("mentor", "teacher") if r not in roles]
        if missing:
            message = f"completion needs the mentor's and the teacher's evaluations; missing: {', '.join(missing)}"
            raise ValidationFailed("evaluations", Rule.EVALUATIONS_REQUIRED, message)
        self.status, self.completed_on, self.updated_at = PlacementStatus.COMPLETED, today, now
        payload = PlacementCompleted(
            **self._fact_fields(),
            completed_on=today,
            signed_hours=signed_hours,
            practised=list(practised),
            evaluations=list(evaluations),
        )
        return [DomainEvent(payload=payload, subject=self.id, time=now)]

    def terminate(self, reason: TerminationReason, *, today: date, now: datetime) -> list[DomainEvent]:
        if not self.live:
            raise InvalidTransition(ENTITY, self.status, "terminate")
        self.status, self.terminated_on, self.termination_reason = PlacementStatus.TERMINATED, today, reason
        self.updated_at = now
        payload = PlacementTerminated(**self._fact_fields(), terminated_on=today, reason=str(reason))
        return [DomainEvent(payload=payload, subject=self.id, time=now)]

    def _fact_fields(self) -> dict[str, object]:
        return {
            "placement_id": self.id,
            "posting_id": self.posting_id,
            "application_id": self.application_id,
            "firm_id": self.firm_id,
            "college_id": self.college_id,
            "learner_ref": self.learner_ref,
            "start_date": self.start_date,
            "end_date": self.end_date,
        }

    def _facts(self, kind: type[PlacementConfirmed] | type[PlacementActivated], now: datetime) -> DomainEvent:
        return DomainEvent(payload=kind.model_validate(self._fact_fields()), subject=self.id, time=now)
