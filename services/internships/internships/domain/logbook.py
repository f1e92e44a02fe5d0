"""Logbook entries (the learner's record of a day's work, checked against the rule set, signed by the mentor)
and evaluations (the mentor's and the teacher's per-skill scores and grade)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import Conflict, InvalidTransition, ValidationFailed, Violation, ViolationCollector
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.internships import EvaluationSubmitted, LogbookEntrySigned, SkillScore

from internships.domain.learner import KnownLearner
from internships.domain.placement import Placement, PlacementStatus
from internships.domain.rules import Rule, RuleSet, check_text

TASKS_MAX = 4000
COMMENT_MAX = 2000
SKILLS_MAX = 20


class EntryStatus(StrEnum):
    SUBMITTED = "submitted"
    SIGNED = "signed"
    RETURNED = "returned"  # with the mentor's comment; it counts for nothing


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _hours(minutes: int) -> str:
    return f"{Decimal(minutes) / 60:.2f}".rstrip("0").rstrip(".")


def _limit(value: Decimal) -> str:
    return f"{value.normalize():f}"


def check_rules(
    rules: RuleSet,
    learner: KnownLearner,
    *,
    entry_date: date,
    start_time: time,
    end_time: time,
    minutes: int,
    day_minutes: int,
    week_minutes: int,
) -> None:
    """One violation per broken rule, each naming the rule and its limit. ``day_minutes``/``week_minutes`` are the
    hours already logged (and not returned) on that day and in that ISO week."""
    out = ViolationCollector()
    of = f"(rule set {rules.name})"
    day_limit = rules.day_limit
    if day_limit is not None and (day_minutes + minutes) > day_limit * 60:
        logged = f"; {_hours(day_minutes)} h already logged that day" if day_minutes else ""
        overtime = "no overtime" if rules.overtime_hours_max == 0 else f"{_limit(rules.overtime_hours_max)} h overtime"
        out.add(
            "end_time",
            Rule.DAILY_HOURS,
            f"at most {_limit(day_limit)} hours a day, {overtime}{logged} {of}",
        )
    if rules.weekly_hours_max is not None and (week_minutes + minutes) > rules.weekly_hours_max * 60:
        out.add(
            "end_time",
            Rule.WEEKLY_HOURS,
            f"at most {_limit(rules.weekly_hours_max)} hours a week; {_hours(week_minutes)} h already logged {of}",
        )
    night = _minutes(start_time) < _minutes(rules.night_end) or _minutes(end_time) > _minutes(rules.night_start)
    window = f"{rules.night_start:%H:%M}–{rules.night_end:%H:%M}"
    if night and not rules.night_work_allowed:
        out.add("start_time", Rule.NIGHT_WORK, f"no work between {window} {of}")
    elif night and not rules.minor_night_work_allowed and not learner.adult_on(entry_date):
        out.add("start_time", Rule.MINOR_NIGHT_WORK, f"no night shifts ({window}) for learners under 18 {of}")
    if entry_date in rules.holidays and not rules.public_holiday_work_allowed:
        out.add("entry_date", Rule.PUBLIC_HOLIDAY, f"no work on public holidays; {entry_date} is one {of}")
    out.raise_if_any()


class LogbookEntry(Aggregate):
    placement_id: uuid.UUID
    learner_ref: uuid.UUID
    entry_date: date
    start_time: time
    end_time: time
    break_minutes: int = 0
    minutes: int
    tasks: str | None = None
    skills: list[str] = []
    status: EntryStatus = EntryStatus.SUBMITTED
    comment: str | None = None
    signed_by: str | None = None
    signed_at: datetime | None = None

    @property
    def hours(self) -> float:
        return self.minutes / 60

    @classmethod
    def submit(
        cls,
        placement: Placement,
        learner: KnownLearner,
        rules: RuleSet,
        *,
        entry_date: date,
        start_time: time,
        end_time: time,
        break_minutes: int,
        tasks: str,
        skills: Sequence[str],
        day_minutes: int,
        week_minutes: int,
        today: date,
        now: datetime,
    ) -> LogbookEntry:
        if placement.status != PlacementStatus.ACTIVE:
            raise ValidationFailed("placement", Rule.PLACEMENT_NOT_ACTIVE, f"the placement is {placement.status}")
        out = ViolationCollector()
        if not placement.start_date <= entry_date <= placement.end_date:
            message = f"must be within the placement, {placement.start_date} to {placement.end_date}"
            out.add("entry_date", Rule.OUTSIDE_PLACEMENT, message)
        if entry_date > today:
            out.add("entry_date", Rule.FUTURE_DATE, "hours are logged for days that happened")
        minutes = _minutes(end_time) - _minutes(start_time) - break_minutes
        if end_time <= start_time:
            out.add("end_time", Rule.DATE_ORDER, "must be after the start time (an entry does not cross midnight)")
        elif break_minutes < 0 or minutes <= 0:
            out.add("break_minutes", Rule.RANGE, "must leave some working time")
        check_text(out, "tasks", tasks, max_len=TASKS_MAX)
        if len(set(skills)) != len(skills) or len(skills) > SKILLS_MAX:
            out.add("skills", Rule.DUPLICATE_SKILL, f"distinct skill ids, at most {SKILLS_MAX}")
        out.raise_if_any()
        check_rules(
            rules,
            learner,
            entry_date=entry_date,
            start_time=start_time,
            end_time=end_time,
            minutes=minutes,
            day_minutes=day_minutes,
            week_minutes=week_minutes,
        )
        return cls(
            placement_id=placement.id,
            learner_ref=placement.learner_ref,
            entry_date=entry_date,
            start_time=start_time,
            end_time=end_time,
            break_minutes=break_minutes,
            minutes=minutes,
            tasks=tasks,
            skills=list(skills),
            created_at=now,
            updated_at=now,
        )

    def _require_submitted(self, action: str) -> None:
        if self.status == EntryStatus.SIGNED:
            detail = "a signed logbook entry is immutable"
            raise Conflict(detail, violations=[Violation("entry", Rule.ENTRY_IMMUTABLE, detail)])
        if self.status != EntryStatus.SUBMITTED:
            raise InvalidTransition("logbook entry", self.status, action)

    def sign(self, placement: Placement, mentor_sub: str, now: datetime) -> list[DomainEvent]:
        self._require_submitted("sign")
        self.status, self.signed_by, self.signed_at, self.updated_at = EntryStatus.SIGNED, mentor_sub, now, now
        payload = LogbookEntrySigned(
            entry_id=self.id,
            placement_id=placement.id,
            firm_id=placement.firm_id,
            college_id=placement.college_id,
            learner_ref=placement.learner_ref,
            entry_date=self.entry_date,
            hours=self.hours,
            skills=list(self.skills),
            signed_at=now,
        )
        return [DomainEvent(payload=payload, subject=placement.id, time=now)]

    def return_(self, comment: str, now: datetime) -> None:
        self._require_submitted("return")
        out = ViolationCollector()
        check_text(out, "comment", comment, max_len=COMMENT_MAX)
        out.raise_if_any()
        self.status, self.comment, self.updated_at = EntryStatus.RETURNED, comment, now

    def purge(self, now: datetime) -> None:
        self.tasks = self.comment = None
        self.updated_at = now


class EvaluatorRole(StrEnum):
    MENTOR = "mentor"
    TEACHER = "teacher"


class Grade(StrEnum):
    """The four grades of Chinese vocational internship assessment: 优秀 / 良好 / 合格 / 不合格."""

    EXCELLENT = "excellent"
    GOOD = "good"
    PASS = "pass"  # noqa: S105 - a grade, not a password
    FAIL = "fail"


class Evaluation(Aggregate):
    placement_id: uuid.UUID
    learner_ref: uuid.UUID
    evaluator_role: EvaluatorRole
    evaluator_sub: str
    scores: list[SkillScore] = []
    grade: Grade
    comment: str | None = None

    @classmethod
    def submit(
        cls,
        placement: Placement,
        *,
        role: EvaluatorRole,
        evaluator_sub: str,
        scores: Sequence[SkillScore],
        grade: Grade,
        comment: str | None,
        now: datetime,
    ) -> tuple[Evaluation, list[DomainEvent]]:
        if placement.status != PlacementStatus.ACTIVE:
            raise ValidationFailed("placement", Rule.PLACEMENT_NOT_ACTIVE, f"the placement is {placement.status}")
        out = ViolationCollector()
        ids = [s.skill_id for s in scores]
        if len(set(ids)) != len(ids):
            out.add("scores", Rule.DUPLICATE_SKILL, "each skill at most once")
        check_text(out, "comment", comment, max_len=COMMENT_MAX, required=False)
        out.raise_if_any()
        evaluation = cls(
            placement_id=placement.id,
            learner_ref=placement.learner_ref,
            evaluator_role=role,
            evaluator_sub=evaluator_sub,
            scores=list(scores),
            grade=grade,
            comment=comment,
            created_at=now,
            updated_at=now,
        )
        payload = EvaluationSubmitted(
            evaluation_id=evaluation.id,
            placement_id=placement.id,
            firm_id=placement.firm_id,
            college_id=placement.college_id,
            learner_ref=placement.learner_ref,
            evaluator_role=str(role),
            scores=list(scores),
            grade=str(grade),
            submitted_at=now,
        )
        return evaluation, [DomainEvent(payload=payload, subject=placement.id, time=now)]

    def purge(self, now: datetime) -> None:
        self.comment = None
        self.updated_at = now


RATING_MIN_COUNT = 3  # a firm sees its ratings only as an aggregate of at least this many


class Rating(Aggregate):
    """The learner's rating of their placement (1 to 5, optional comment). The firm never sees one rating: only
    the count and mean over at least ``RATING_MIN_COUNT`` of its placements."""

    placement_id: uuid.UUID
    firm_id: uuid.UUID
    learner_ref: uuid.UUID
    score: int
    comment: str | None = None

    @classmethod
    def give(cls, placement: Placement, *, score: int, comment: str | None, now: datetime) -> Rating:
        if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.COMPLETED, PlacementStatus.TERMINATED):
            raise ValidationFailed("placement", Rule.PLACEMENT_NOT_ACTIVE, "rate a placement once it has started")
        out = ViolationCollector()
        if not 1 <= score <= 5:
            out.add("score", Rule.RANGE, "must be between 1 and 5")
        check_text(out, "comment", comment, max_len=COMMENT_MAX, required=False)
        out.raise_if_any()
        return cls(
            placement_id=placement.id,
            firm_id=placement.firm_id,
            learner_ref=placement.learner_ref,
            score=score,
            comment=comment,
            created_at=now,
            updated_at=now,
        )


def rating_summary(count: int, total: int) -> tuple[int | None, float | None]:
    """(count, mean) when there are enough ratings to hide each one; (None, None) otherwise."""
    if count < RATING_MIN_COUNT:
        return None, None
    return count, round(total / count, 2)
