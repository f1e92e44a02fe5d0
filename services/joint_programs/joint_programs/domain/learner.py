"""Learners on a college's roster, their enrolments in cohorts, their consents, and erasure."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import Conflict, InvalidTransition, ValidationFailed, Violation, ViolationCollector
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.curricula import SkillCoverage
from dovetail_shared.events.joint_programs import (
    ConsentGiven,
    ConsentWithdrawn,
    LearnerEnrolled,
    LearnerErased,
    LearnerGraduated,
    LearnerRegistered,
    LearnerWithdrew,
)
from dovetail_shared.principal import account_digest
from pydantic import Field

from joint_programs.domain.cohort import Cohort
from joint_programs.domain.program import JointProgram
from joint_programs.domain.rules import Rule, check_text

NAME_MAX = 200
NUMBER_MAX = 64
CONTACT_MAX = 320


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    GRADUATED = "graduated"
    WITHDRAWN = "withdrawn"


class ConsentPurpose(StrEnum):
    MATCHING = "matching"  # talent pipelines may rank the learner for a firm's demand
    PLACEMENT = "placement"  # internships may place the learner with the firm


def _event(
    payload: LearnerRegistered
    | LearnerEnrolled
    | LearnerGraduated
    | LearnerWithdrew
    | ConsentGiven
    | ConsentWithdrawn
    | LearnerErased,
    ref: uuid.UUID,
    now: datetime,
) -> DomainEvent:
    # The subject (the Kafka key and ce_subject) is the pseudonymous ref, never the roster row's id.
    return DomainEvent(payload=payload, subject=ref, time=now)


def _birthday(born: date, age: int) -> date:
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # born on 29 February: the birthday is 1 March in common years
        return date(born.year + age, 3, 1)


class Learner(Aggregate):
    """A person on one college's roster. ``ref`` is their pseudonymous id outside this service (ADR 0023).

    After erasure every personal field is None and ``erased_at`` is set; the row stays so that enrolment
    facts keep a pseudonymous owner for statistics.
    """

    college_id: uuid.UUID
    ref: uuid.UUID = Field(default_factory=uuid.uuid4)
    name: str | None
    name_zh: str | None = None
    student_number: str | None
    date_of_birth: date | None
    contact: str | None = None
    # The identity provider's subject of the learner's own account: a ``learner`` token with this ``sub``.
    account_subject: str | None = None
    erased_at: datetime | None = None

    @classmethod
    def register(
        cls,
        *,
        college_id: uuid.UUID,
        name: str,
        student_number: str,
        date_of_birth: date,
        now: datetime,
        today: date,
        name_zh: str | None = None,
        contact: str | None = None,
        account_subject: str | None = None,
    ) -> tuple[Learner, list[DomainEvent]]:
        out = ViolationCollector()
        check_text(out, "name", name, max_len=NAME_MAX)
        check_text(out, "name_zh", name_zh, max_len=NAME_MAX, required=False)
        check_text(out, "student_number", student_number, max_len=NUMBER_MAX)
        check_text(out, "contact", contact, max_len=CONTACT_MAX, required=False)
        check_text(out, "account_subject", account_subject, max_len=NAME_MAX, required=False)
        if date_of_birth >= today or date_of_birth.year < 1900:
            out.add("date_of_birth", Rule.RANGE, "must be a past date after 1900")
        out.raise_if_any()
        learner = cls(
            college_id=college_id,
            name=name,
            name_zh=name_zh,
            student_number=student_number,
            date_of_birth=date_of_birth,
            contact=contact,
            account_subject=account_subject,
            created_at=now,
            updated_at=now,
        )
        return learner, [_event(LearnerRegistered(learner_ref=learner.ref, college_id=college_id), learner.ref, now)]

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    def placement_facts(self, today: date) -> dict[str, object]:
        """What a ``placement`` consent lets internships know (ADR 0028): the account's digest, so it recognises
        the learner's token, and for minors only the days they turn 16 and 18 (never the date of birth)."""
        facts: dict[str, object] = {}
        if self.account_subject is not None:
            facts["account_digest"] = account_digest(self.account_subject)
        if self.date_of_birth is not None:
            for age in (16, 18):
                turns = _birthday(self.date_of_birth, age)
                if turns > today:
                    facts[f"turns_{age}_on"] = turns
        return facts

    def ensure_present(self) -> None:
        if self.erased:
            raise ValidationFailed("learner_id", Rule.LEARNER_ERASED, "the learner was erased")

    def erase(self, now: datetime) -> list[DomainEvent]:
        """Deletes every personal field; the pseudonymous ref and the enrolment facts remain."""
        if self.erased:
            return []
        self.name = self.name_zh = self.student_number = self.contact = self.account_subject = None
        self.date_of_birth = None
        self.erased_at = self.updated_at = now
        return [_event(LearnerErased(learner_ref=self.ref, college_id=self.college_id, erased_at=now), self.ref, now)]


class Enrolment(Aggregate):
    cohort_id: uuid.UUID
    program_id: uuid.UUID
    learner_id: uuid.UUID
    learner_ref: uuid.UUID
    status: EnrolmentStatus = EnrolmentStatus.ENROLLED
    enrolled_on: date
    ended_on: date | None = None

    @classmethod
    def enrol(
        cls, cohort: Cohort, learner: Learner, *, today: date, now: datetime
    ) -> tuple[Enrolment, list[DomainEvent]]:
        """The seat itself is taken by the repository (a conditional update on the cohort row)."""
        learner.ensure_present()
        if learner.college_id != cohort.college_id:
            raise ValidationFailed("learner_id", Rule.OTHER_COLLEGE, "the learner is on another college's roster")
        if not cohort.enrolling:
            raise ValidationFailed("cohort", Rule.COHORT_NOT_ENROLLING, f"the cohort is {cohort.status}, not enrolling")
        enrolment = cls(
            cohort_id=cohort.id,
            program_id=cohort.program_id,
            learner_id=learner.id,
            learner_ref=learner.ref,
            enrolled_on=today,
            created_at=now,
            updated_at=now,
        )
        event = LearnerEnrolled(
            learner_ref=learner.ref, cohort_id=cohort.id, program_id=cohort.program_id, enrolled_on=today
        )
        return enrolment, [_event(event, learner.ref, now)]

    def graduate(
        self, program: JointProgram, skills: list[SkillCoverage], *, today: date, now: datetime
    ) -> list[DomainEvent]:
        if self.status != EnrolmentStatus.ENROLLED:
            raise InvalidTransition("enrolment", self.status, "graduate")
        self.status, self.ended_on, self.updated_at = EnrolmentStatus.GRADUATED, today, now
        event = LearnerGraduated(
            learner_ref=self.learner_ref,
            cohort_id=self.cohort_id,
            program_id=self.program_id,
            graduated_on=today,
            curriculum_id=program.curriculum_id,
            curriculum_version_number=program.curriculum_version_number,
            skills=skills,
        )
        return [_event(event, self.learner_ref, now)]

    def withdraw(self, *, today: date, now: datetime) -> list[DomainEvent]:
        if self.status != EnrolmentStatus.ENROLLED:
            raise InvalidTransition("enrolment", self.status, "withdraw")
        self.status, self.ended_on, self.updated_at = EnrolmentStatus.WITHDRAWN, today, now
        event = LearnerWithdrew(
            learner_ref=self.learner_ref, cohort_id=self.cohort_id, program_id=self.program_id, withdrawn_on=today
        )
        return [_event(event, self.learner_ref, now)]


class Consent(Aggregate):
    """Consent for one named firm (``firm_id``) or every partner of one program (``program_id``), for a purpose.

    Withdrawal is immediate: a consent with ``withdrawn_at`` set grants nothing (policy.consent_grants).
    """

    learner_id: uuid.UUID
    learner_ref: uuid.UUID
    firm_id: uuid.UUID | None = None
    program_id: uuid.UUID | None = None
    purpose: ConsentPurpose
    given_at: datetime
    withdrawn_at: datetime | None = None

    @classmethod
    def give(
        cls,
        learner: Learner,
        *,
        purpose: ConsentPurpose,
        now: datetime,
        firm_id: uuid.UUID | None = None,
        program_id: uuid.UUID | None = None,
    ) -> tuple[Consent, list[DomainEvent]]:
        learner.ensure_present()
        if (firm_id is None) == (program_id is None):
            message = "name either one firm (firm_id) or a program whose partners may all see you (program_id)"
            raise ValidationFailed("firm_id", Rule.CONSENT_SCOPE, message)
        consent = cls(
            learner_id=learner.id,
            learner_ref=learner.ref,
            firm_id=firm_id,
            program_id=program_id,
            purpose=purpose,
            given_at=now,
            created_at=now,
            updated_at=now,
        )
        event = ConsentGiven(
            consent_id=consent.id,
            learner_ref=learner.ref,
            firm_id=firm_id,
            program_id=program_id,
            purpose=str(purpose),
            given_at=now,
            **(learner.placement_facts(now.date()) if purpose == ConsentPurpose.PLACEMENT else {}),
        )
        return consent, [_event(event, learner.ref, now)]

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None

    def withdraw(self, now: datetime) -> list[DomainEvent]:
        if not self.active:
            detail = "this consent was already withdrawn"
            raise Conflict(detail, violations=[Violation("consent", "already_withdrawn", detail)])
        self.withdrawn_at = self.updated_at = now
        event = ConsentWithdrawn(
            consent_id=self.id,
            learner_ref=self.learner_ref,
            firm_id=self.firm_id,
            program_id=self.program_id,
            purpose=str(self.purpose),
            withdrawn_at=now,
        )
        return [_event(event, self.learner_ref, now)]
