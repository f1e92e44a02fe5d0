"""The Cohort aggregate: one intake of a program, with a seat limit, dates and a lifecycle."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import InvalidTransition, ValidationFailed, ViolationCollector
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.curricula import SkillCoverage
from dovetail_shared.events.joint_programs import CohortGraduated, CohortOpened, CohortStarted

from joint_programs.domain.program import JointProgram, ProgramStatus
from joint_programs.domain.rules import Rule

ENTITY = "cohort"
# e.g. 2026-autumn, 2027-spring, 2026 (one intake a year)
INTAKE_TERM = re.compile(r"[0-9]{4}(-(spring|summer|autumn|winter))?")
SEAT_LIMIT_MAX = 10_000


class CohortStatus(StrEnum):
    PLANNED = "planned"
    OPEN = "open"  # enrolling
    RUNNING = "running"
    GRADUATED = "graduated"


# Enrolment is open while the cohort enrols and after it started (late entrants), never after graduation.
ENROLLING = frozenset({CohortStatus.OPEN, CohortStatus.RUNNING})


class Cohort(Aggregate):
    """``enrolled_count`` is kept by the repository's conditional update (the seat limit), never saved from here."""

    program_id: uuid.UUID
    college_id: uuid.UUID
    intake_term: str
    seat_limit: int
    start_date: date
    graduation_date: date
    status: CohortStatus = CohortStatus.PLANNED
    enrolled_count: int = 0

    @classmethod
    def plan(
        cls,
        program: JointProgram,
        *,
        intake_term: str,
        seat_limit: int,
        start_date: date,
        graduation_date: date,
        now: datetime,
    ) -> Cohort:
        out = ViolationCollector()
        if program.status not in (ProgramStatus.PROPOSED, ProgramStatus.APPROVED, ProgramStatus.RUNNING):
            raise InvalidTransition("joint program", program.status, "plan a cohort of")
        if not INTAKE_TERM.fullmatch(intake_term):
            out.add("intake_term", "pattern", "must be a year, optionally with a season: 2026-autumn")
        if not 1 <= seat_limit <= SEAT_LIMIT_MAX:
            out.add("seat_limit", Rule.RANGE, f"must be between 1 and {SEAT_LIMIT_MAX}")
        elif seat_limit > program.capacity:
            out.add(
                "seat_limit",
                Rule.SEAT_LIMIT_OVER_CAPACITY,
                f"must not exceed the program's capacity {program.capacity}",
            )
        if graduation_date <= start_date:
            out.add("graduation_date", Rule.DATE_ORDER, "must be after the start date")
        out.raise_if_any()
        return cls(
            program_id=program.id,
            college_id=program.college_id,
            intake_term=intake_term,
            seat_limit=seat_limit,
            start_date=start_date,
            graduation_date=graduation_date,
            created_at=now,
            updated_at=now,
        )

    def open(self, program: JointProgram, skills: list[SkillCoverage], now: datetime) -> list[DomainEvent]:
        """Planned → open: enrolment starts; the partners must have approved the program."""
        if self.status != CohortStatus.PLANNED:
            raise InvalidTransition(ENTITY, self.status, "open")
        if program.status not in (ProgramStatus.APPROVED, ProgramStatus.RUNNING):
            raise ValidationFailed("program", Rule.PROGRAM_NOT_READY, "the program's partners have not all approved it")
        self.status, self.updated_at = CohortStatus.OPEN, now
        return [self._facts(CohortOpened, program, skills, now)]

    def start(self, program: JointProgram, skills: list[SkillCoverage], now: datetime) -> list[DomainEvent]:
        if self.status != CohortStatus.OPEN:
            raise InvalidTransition(ENTITY, self.status, "start")
        if program.status != ProgramStatus.RUNNING:
            raise ValidationFailed("program", Rule.PROGRAM_NOT_RUNNING, "launch the program before its cohorts start")
        self.status, self.updated_at = CohortStatus.RUNNING, now
        return [self._facts(CohortStarted, program, skills, now)]

    def graduate(self, program: JointProgram, skills: list[SkillCoverage], now: datetime) -> list[DomainEvent]:
        if self.status != CohortStatus.RUNNING:
            raise InvalidTransition(ENTITY, self.status, "graduate")
        self.status, self.updated_at = CohortStatus.GRADUATED, now
        return [self._facts(CohortGraduated, program, skills, now)]

    @property
    def enrolling(self) -> bool:
        return self.status in ENROLLING

    def _facts(
        self,
        kind: type[CohortOpened] | type[CohortStarted] | type[CohortGraduated],
        program: JointProgram,
        skills: list[SkillCoverage],
        now: datetime,
    ) -> DomainEvent:
        payload = kind(
            cohort_id=self.id,
            program_id=program.id,
            college_id=program.college_id,
            partner_ids=list(program.partner_ids),
            model=str(program.model),
            intake_term=self.intake_term,
            seat_limit=self.seat_limit,
            start_date=self.start_date,
            graduation_date=self.graduation_date,
            curriculum_id=program.curriculum_id,
            curriculum_version_number=program.curriculum_version_number,
            skills=skills,
        )
        return DomainEvent(payload=payload, subject=self.id, time=now)
