"""The Posting aggregate: a verified firm's internship offer; draft → open → filled | closed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import InvalidTransition, ValidationFailed, ViolationCollector
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.internships import PostingClosed, PostingFilled, PostingOpened, RequiredSkill

from internships.domain.rules import Rule, RuleSet, check_text

ENTITY = "posting"
TITLE_MAX = 200
TEXT_MAX = 4000
POSITIONS_MAX = 1000
STAFF_MAX = 10_000_000
SKILLS_MAX = 30


class PostingStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    FILLED = "filled"
    CLOSED = "closed"


class Posting(Aggregate):
    """``firm_staff`` and ``post_staff`` are the firm's declared headcount (whole firm, the post's team): the
    intern-share rules are measured against them (ADR 0028). ``placed`` counts accepted offers."""

    firm_id: uuid.UUID
    title: str
    description: str | None = None
    positions: int
    skills: list[RequiredSkill] = []
    region: str | None = None
    location: str | None = None
    start_date: date
    end_date: date
    stipend: Decimal = Decimal(0)  # per month, in the firm's currency
    post_wage: Decimal = Decimal(0)  # what a regular employee on this post earns per month
    firm_staff: int
    post_staff: int
    program_id: uuid.UUID | None = None
    cohort_id: uuid.UUID | None = None
    status: PostingStatus = PostingStatus.DRAFT
    placed: int = 0
    closed_reason: str | None = None

    @classmethod
    def draft(
        cls,
        *,
        firm_id: uuid.UUID,
        title: str,
        positions: int,
        skills: Sequence[RequiredSkill],
        start_date: date,
        end_date: date,
        stipend: Decimal,
        post_wage: Decimal,
        firm_staff: int,
        post_staff: int,
        now: datetime,
        description: str | None = None,
        region: str | None = None,
        location: str | None = None,
        program_id: uuid.UUID | None = None,
        cohort_id: uuid.UUID | None = None,
    ) -> Posting:
        out = ViolationCollector()
        check_text(out, "title", title, max_len=TITLE_MAX)
        check_text(out, "description", description, max_len=TEXT_MAX, required=False)
        check_text(out, "region", region, max_len=TITLE_MAX, required=False)
        check_text(out, "location", location, max_len=TITLE_MAX, required=False)
        if not 1 <= positions <= POSITIONS_MAX:
            out.add("positions", Rule.RANGE, f"must be between 1 and {POSITIONS_MAX}")
        if end_date <= start_date:
            out.add("end_date", Rule.DATE_ORDER, "must be after the start date")
        ids = [s.skill_id for s in skills]
        if len(set(ids)) != len(ids):
            out.add("skills", Rule.DUPLICATE_SKILL, "each skill at most once")
        if len(ids) > SKILLS_MAX:
            out.add("skills", Rule.RANGE, f"at most {SKILLS_MAX} skills")
        if stipend < 0 or post_wage < 0:
            out.add("stipend", Rule.RANGE, "must not be negative")
        if not 1 <= post_staff <= firm_staff <= STAFF_MAX:
            out.add("post_staff", Rule.RANGE, "between 1 and the firm's staff")
        out.raise_if_any()
        return cls(
            firm_id=firm_id,
            title=title,
            description=description,
            positions=positions,
            skills=list(skills),
            region=region,
            location=location,
            start_date=start_date,
            end_date=end_date,
            stipend=stipend,
            post_wage=post_wage,
            firm_staff=firm_staff,
            post_staff=post_staff,
            program_id=program_id,
            cohort_id=cohort_id,
            created_at=now,
            updated_at=now,
        )

    def open(self, rules: RuleSet, now: datetime) -> list[DomainEvent]:
        """Draft → open, under the stipend floor and the per-post intern share."""
        if self.status != PostingStatus.DRAFT:
            raise InvalidTransition(ENTITY, self.status, "open")
        if rules.stipend_floor_share is not None:
            floor = (self.post_wage * rules.stipend_floor_share).quantize(Decimal("0.01"))
            if self.stipend < floor:
                share = f"{rules.stipend_floor_share:.0%}"
                message = f"the stipend must be at least {share} of the post's wage ({floor}; rule set {rules.name})"
                raise ValidationFailed("stipend", Rule.STIPEND_FLOOR, message)
        cap = post_cap(self, rules)
        if cap is not None and self.positions > cap:
            message = (
                f"interns may be at most {rules.post_staff_share_max:.0%} of the post's {self.post_staff} staff: "
                f"at most {cap} positions (rule set {rules.name})"
            )
            raise ValidationFailed("positions", Rule.POST_STAFF_SHARE, message)
        self.status, self.updated_at = PostingStatus.OPEN, now
        return [self._facts(PostingOpened, now)]

    def close(self, now: datetime, reason: str = "closed_by_firm") -> list[DomainEvent]:
        if self.status not in (PostingStatus.DRAFT, PostingStatus.OPEN):
            raise InvalidTransition(ENTITY, self.status, "close")
        self.status, self.closed_reason, self.updated_at = PostingStatus.CLOSED, reason, now
        return [self._facts(PostingClosed, now)]

    def place_one(self, now: datetime) -> list[DomainEvent]:
        """An offer was accepted; at ``positions`` accepted placements the posting is filled."""
        if self.status != PostingStatus.OPEN:
            raise ValidationFailed("posting", Rule.POSTING_NOT_OPEN, f"the posting is {self.status}")
        self.placed += 1
        self.updated_at = now
        if self.placed >= self.positions:
            self.status = PostingStatus.FILLED
            return [self._facts(PostingFilled, now)]
        return []

    @property
    def accepting(self) -> bool:
        return self.status == PostingStatus.OPEN

    def _facts(
        self, kind: type[PostingOpened] | type[PostingFilled] | type[PostingClosed], now: datetime
    ) -> DomainEvent:
        payload = kind(
            posting_id=self.id,
            firm_id=self.firm_id,
            title=self.title,
            positions=self.positions,
            skills=list(self.skills),
            region=self.region,
            start_date=self.start_date,
            end_date=self.end_date,
            program_id=self.program_id,
            cohort_id=self.cohort_id,
        )
        return DomainEvent(payload=payload, subject=self.id, time=now)


def _share_cap(staff: int, share: Decimal | None) -> int | None:
    return None if share is None else int(Decimal(staff) * share)


def post_cap(posting: Posting, rules: RuleSet) -> int | None:
    """Most interns the post may have at once (≤ 20% of its staff under cn-2021)."""
    return _share_cap(posting.post_staff, rules.post_staff_share_max)


def firm_cap(posting: Posting, rules: RuleSet) -> int | None:
    """Most interns the firm may have at once (≤ 10% of its staff under cn-2021)."""
    return _share_cap(posting.firm_staff, rules.firm_staff_share_max)
