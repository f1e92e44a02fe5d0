"""The Application aggregate: submitted → shortlisted → offered → accepted | rejected | withdrawn."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import TypeAlias

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import Forbidden, InvalidTransition, ValidationFailed, Violation, ViolationCollector
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.internships import (
    ApplicationAccepted,
    ApplicationOffered,
    ApplicationRejected,
    ApplicationShortlisted,
    ApplicationSubmitted,
    ApplicationWithdrawn,
)

from internships.domain.learner import KnownLearner, placement_consent
from internships.domain.posting import Posting
from internships.domain.rules import Rule, RuleSet, check_text

ENTITY = "application"
LETTER_MAX = 4000
REASON_MAX = 2000


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"
    SHORTLISTED = "shortlisted"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


LIVE = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED, ApplicationStatus.OFFERED})
Payload: TypeAlias = (
    ApplicationSubmitted
    | ApplicationShortlisted
    | ApplicationOffered
    | ApplicationAccepted
    | ApplicationRejected
    | ApplicationWithdrawn
)


class ConsentRequired(Forbidden):
    """403 naming the missing consent: the learner has not let this firm place them."""

    def __init__(self, firm_id: uuid.UUID) -> None:
        message = (
            f"no active consent for purpose 'placement' to firm {firm_id} (or to a program it is a partner of); "
            "give it in joint programs"
        )
        super().__init__(message, violations=[Violation("consent", Rule.PLACEMENT_CONSENT_REQUIRED, message)])


def check_min_age(learner: KnownLearner, start: date, rules: RuleSet) -> None:
    age = rules.min_placement_age
    if age is None:
        return
    ok = learner.at_least_16_on(start) if age <= 16 else learner.adult_on(start)
    if not ok:
        message = f"no placement for learners under {age} on the start date {start} (rule set {rules.name})"
        raise ValidationFailed("learner", Rule.MIN_AGE, message)


class Application(Aggregate):
    posting_id: uuid.UUID
    firm_id: uuid.UUID
    learner_ref: uuid.UUID
    college_id: uuid.UUID
    cover_letter: str | None = None
    status: ApplicationStatus = ApplicationStatus.SUBMITTED
    reject_reason: str | None = None
    superseded: bool = False

    @classmethod
    def submit(
        cls,
        posting: Posting,
        learner: KnownLearner,
        partners_of: Mapping[uuid.UUID, Iterable[uuid.UUID]],
        rules: RuleSet,
        *,
        now: datetime,
        cover_letter: str | None = None,
    ) -> tuple[Application, list[DomainEvent]]:
        if learner.erased:
            raise ValidationFailed("learner", Rule.LEARNER_ERASED, "the learner was erased")
        if not placement_consent(learner, posting.firm_id, partners_of):
            raise ConsentRequired(posting.firm_id)
        if not posting.accepting:
            raise ValidationFailed("posting", Rule.POSTING_NOT_OPEN, f"the posting is {posting.status}")
        if posting.program_id is not None and posting.program_id not in learner.programs:
            raise ValidationFailed("posting", Rule.RESERVED_POSTING, "reserved for the learners of one joint program")
        if posting.cohort_id is not None and posting.cohort_id not in learner.cohorts:
            raise ValidationFailed("posting", Rule.RESERVED_POSTING, "reserved for the learners of one cohort")
        check_min_age(learner, posting.start_date, rules)
        out = ViolationCollector()
        check_text(out, "cover_letter", cover_letter, max_len=LETTER_MAX, required=False)
        out.raise_if_any()
        app = cls(
            posting_id=posting.id,
            firm_id=posting.firm_id,
            learner_ref=learner.ref,
            college_id=learner.college_id,
            cover_letter=cover_letter,
            created_at=now,
            updated_at=now,
        )
        return app, [app._event(ApplicationSubmitted, now)]

    @property
    def live(self) -> bool:
        return self.status in LIVE

    def shortlist(self, now: datetime) -> list[DomainEvent]:
        return self._step(ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED, "shortlist", now)

    def offer(self, now: datetime) -> list[DomainEvent]:
        if self.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.SHORTLISTED):
            raise InvalidTransition(ENTITY, self.status, "offer")
        self.status, self.updated_at = ApplicationStatus.OFFERED, now
        return [self._event(ApplicationOffered, now)]

    def accept(self, now: datetime) -> list[DomainEvent]:
        return self._step(ApplicationStatus.OFFERED, ApplicationStatus.ACCEPTED, "accept", now)

    def reject(self, reason: str | None, now: datetime) -> list[DomainEvent]:
        if not self.live:
            raise InvalidTransition(ENTITY, self.status, "reject")
        out = ViolationCollector()
        check_text(out, "reason", reason, max_len=REASON_MAX, required=False)
        out.raise_if_any()
        self.status, self.reject_reason, self.updated_at = ApplicationStatus.REJECTED, reason, now
        return [self._event(ApplicationRejected, now)]

    def withdraw(self, now: datetime, *, superseded: bool = False) -> list[DomainEvent]:
        if not self.live:
            raise InvalidTransition(ENTITY, self.status, "withdraw")
        self.status, self.superseded, self.updated_at = ApplicationStatus.WITHDRAWN, superseded, now
        payload = ApplicationWithdrawn(
            application_id=self.id,
            posting_id=self.posting_id,
            firm_id=self.firm_id,
            learner_ref=self.learner_ref,
            superseded=superseded,
        )
        return [DomainEvent(payload=payload, subject=self.id, time=now)]

    def purge(self, now: datetime) -> None:
        """Erasure: the free text goes; the pseudonymous facts stay."""
        self.cover_letter = self.reject_reason = None
        self.updated_at = now

    def _step(
        self, source: ApplicationStatus, target: ApplicationStatus, action: str, now: datetime
    ) -> list[DomainEvent]:
        if self.status != source:
            raise InvalidTransition(ENTITY, self.status, action)
        self.status, self.updated_at = target, now
        kind = {ApplicationStatus.SHORTLISTED: ApplicationShortlisted, ApplicationStatus.ACCEPTED: ApplicationAccepted}
        return [self._event(kind[target], now)]

    def _event(self, kind: type[Payload], now: datetime) -> DomainEvent:
        payload = kind(
            application_id=self.id, posting_id=self.posting_id, firm_id=self.firm_id, learner_ref=self.learner_ref
        )
        return DomainEvent(payload=payload, subject=self.id, time=now)
