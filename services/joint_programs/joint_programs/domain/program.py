"""The JointProgram aggregate: a college and partner firms run a program on a pinned, published curriculum version."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import Conflict, InvalidTransition, ValidationFailed, Violation, ViolationCollector
from dovetail_shared.events.base import DomainEvent, EventPayload
from dovetail_shared.events.joint_programs import (
    CommittedIntake,
    ProgramApproved,
    ProgramClosed,
    ProgramDeclined,
    ProgramFlagged,
    ProgramLaunched,
    ProgramProposed,
    ProgramRepinned,
)
from pydantic import Field

from joint_programs.domain.rules import Rule, check_text, parse_enum

TITLE_MAX = 200
REASON_MAX = 2000
PARTNERS_MAX = 20
CAPACITY_MAX = 100_000
ENTITY = "joint program"


class ProgramModel(StrEnum):
    ORDER_CLASS = "order_class"  # 订单班
    MODERN_APPRENTICESHIP = "modern_apprenticeship"  # 现代学徒制
    INDUSTRY_COLLEGE = "industry_college"  # 产业学院
    JOINT_LAB = "joint_lab"


class ProgramStatus(StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    DECLINED = "declined"
    RUNNING = "running"
    CLOSED = "closed"


class PinFlag(StrEnum):
    """Why the pinned curriculum version needs the college's attention."""

    RETIRED = "retired"  # withdrawn without a successor
    SUPERSEDED = "superseded"  # a newer version is published


LIVE_STATUSES = frozenset({ProgramStatus.PROPOSED, ProgramStatus.APPROVED, ProgramStatus.RUNNING})


class JointProgram(Aggregate):
    """Invariants: partners are distinct firms other than the college; committed intake only for order classes,
    by partners, summing to at most the capacity; ``approved_by`` ⊆ ``partner_ids``."""

    college_id: uuid.UUID
    title: str
    title_zh: str | None = None
    model: ProgramModel
    partner_ids: list[uuid.UUID]
    consortium_id: uuid.UUID | None = None
    curriculum_id: uuid.UUID
    curriculum_version_number: int
    capacity: int
    committed_intake: list[CommittedIntake] = Field(default_factory=list)
    status: ProgramStatus = ProgramStatus.PROPOSED
    approved_by: list[uuid.UUID] = Field(default_factory=list)
    declined_by: uuid.UUID | None = None
    decline_reason: str | None = None
    pin_flag: PinFlag | None = None
    flagged_at: datetime | None = None
    launched_at: datetime | None = None
    closed_at: datetime | None = None

    @classmethod
    def propose(
        cls,
        *,
        college_id: uuid.UUID,
        title: str,
        model: ProgramModel | str,
        partner_ids: Sequence[uuid.UUID],
        curriculum_id: uuid.UUID,
        curriculum_version_number: int,
        capacity: int,
        now: datetime,
        title_zh: str | None = None,
        consortium_id: uuid.UUID | None = None,
        committed_intake: Sequence[CommittedIntake] = (),
    ) -> tuple[JointProgram, list[DomainEvent]]:
        model = parse_enum(ProgramModel, model, "model")
        partners = list(partner_ids)
        intake = list(committed_intake)
        out = ViolationCollector()
        check_text(out, "title", title, max_len=TITLE_MAX)
        check_text(out, "title_zh", title_zh, max_len=TITLE_MAX, required=False)
        if not 1 <= capacity <= CAPACITY_MAX:
            out.add("capacity", Rule.RANGE, f"must be between 1 and {CAPACITY_MAX}")
        if not partners:
            out.add("partner_ids", Rule.MIN_ITEMS, "a joint program needs at least one partner firm")
        elif len(partners) > PARTNERS_MAX:
            out.add("partner_ids", Rule.MAX_ITEMS, f"at most {PARTNERS_MAX} partner firms")
        seen: set[uuid.UUID] = set()
        for i, org in enumerate(partners):
            if org == college_id:
                out.add(f"partner_ids[{i}]", Rule.PARTNER_IS_COLLEGE, "the owning college is not its own partner")
            elif org in seen:
                out.add(f"partner_ids[{i}]", Rule.UNIQUE, "listed twice")
            seen.add(org)
        if intake and model != ProgramModel.ORDER_CLASS:
            out.add("committed_intake", Rule.INTAKE_ONLY_FOR_ORDER_CLASS, "only an order class commits an intake")
        firms: set[uuid.UUID] = set()
        for i, c in enumerate(intake):
            if c.firm_id not in seen:
                out.add(f"committed_intake[{i}].firm_id", Rule.NOT_A_PARTNER, "must be one of the partner firms")
            elif c.firm_id in firms:
                out.add(f"committed_intake[{i}].firm_id", Rule.UNIQUE, "listed twice")
            firms.add(c.firm_id)
            if c.headcount < 1:
                out.add(f"committed_intake[{i}].headcount", Rule.RANGE, "must be at least 1")
        if sum(c.headcount for c in intake) > capacity >= 1:
            out.add("committed_intake", Rule.INTAKE_EXCEEDS_CAPACITY, "the firms commit to hire more than the capacity")
        out.raise_if_any()
        program = cls(
            college_id=college_id,
            title=title,
            title_zh=title_zh,
            model=model,
            partner_ids=partners,
            consortium_id=consortium_id,
            curriculum_id=curriculum_id,
            curriculum_version_number=curriculum_version_number,
            capacity=capacity,
            committed_intake=intake,
            created_at=now,
            updated_at=now,
        )
        event = ProgramProposed(
            program_id=program.id,
            college_id=college_id,
            partner_ids=partners,
            consortium_id=consortium_id,
            model=str(model),
            title=title,
            curriculum_id=curriculum_id,
            curriculum_version_number=curriculum_version_number,
            capacity=capacity,
            committed_intake=intake,
        )
        return program, [program._event(event, now)]

    # ---- partners ---------------------------------------------------------------------------------------

    def _require(self, status: ProgramStatus | frozenset[ProgramStatus], action: str) -> None:
        allowed = status if isinstance(status, frozenset) else frozenset({status})
        if self.status not in allowed:
            raise InvalidTransition(ENTITY, self.status, action)

    def _partner(self, org_id: uuid.UUID) -> None:
        if org_id not in self.partner_ids:
            raise ValidationFailed("organization_id", Rule.NOT_A_PARTNER, "your firm is not a partner of this program")

    def approve(self, org_id: uuid.UUID, now: datetime) -> list[DomainEvent]:
        """A partner's approval; the last one moves the program to approved."""
        self._require(ProgramStatus.PROPOSED, "approve")
        self._partner(org_id)
        if org_id in self.approved_by:
            detail = "your firm already approved this program"
            raise Conflict(detail, violations=[Violation("organization_id", Rule.ALREADY_APPROVED, detail)])
        self.approved_by.append(org_id)
        self.updated_at = now
        if set(self.approved_by) != set(self.partner_ids):
            return []
        self.status = ProgramStatus.APPROVED
        return [
            self._event(
                ProgramApproved(program_id=self.id, college_id=self.college_id, partner_ids=list(self.partner_ids)), now
            )
        ]

    def decline(self, org_id: uuid.UUID, reason: str, now: datetime) -> list[DomainEvent]:
        self._require(ProgramStatus.PROPOSED, "decline")
        self._partner(org_id)
        out = ViolationCollector()
        check_text(out, "reason", reason, max_len=REASON_MAX)
        out.raise_if_any()
        self.status = ProgramStatus.DECLINED
        self.declined_by, self.decline_reason, self.updated_at = org_id, reason, now
        return [self._event(ProgramDeclined(program_id=self.id, organization_id=org_id, reason=reason), now)]

    # ---- college ----------------------------------------------------------------------------------------

    def launch(self, *, pinned_published: bool, now: datetime) -> list[DomainEvent]:
        """Approved → running, only on a version curricula still publishes (``pinned_published``: the projection)."""
        self._require(ProgramStatus.APPROVED, "launch")
        if not pinned_published or self.pin_flag is not None:
            raise ValidationFailed(
                "curriculum_version_number",
                Rule.PINNED_VERSION_RETIRED,
                "the pinned curriculum version is retired: re-pin the program to the published version first",
            )
        self.status, self.launched_at, self.updated_at = ProgramStatus.RUNNING, now, now
        event = ProgramLaunched(
            program_id=self.id,
            curriculum_id=self.curriculum_id,
            curriculum_version_number=self.curriculum_version_number,
        )
        return [self._event(event, now)]

    def close(self, now: datetime) -> list[DomainEvent]:
        self._require(ProgramStatus.RUNNING, "close")
        self.status, self.closed_at, self.updated_at = ProgramStatus.CLOSED, now, now
        return [self._event(ProgramClosed(program_id=self.id), now)]

    def repin(self, version_number: int, now: datetime) -> list[DomainEvent]:
        """To the curriculum's current published version (the service looks it up); clears the flag."""
        self._require(LIVE_STATUSES, "re-pin")
        if version_number == self.curriculum_version_number:
            detail = f"the program is already pinned to version {version_number}"
            raise Conflict(detail, violations=[Violation("curriculum_version_number", Rule.ALREADY_CURRENT, detail)])
        previous = self.curriculum_version_number
        self.curriculum_version_number = version_number
        self.pin_flag, self.flagged_at, self.updated_at = None, None, now
        event = ProgramRepinned(
            program_id=self.id,
            curriculum_id=self.curriculum_id,
            from_version_number=previous,
            to_version_number=version_number,
        )
        return [self._event(event, now)]

    def flag(self, reason: PinFlag, now: datetime) -> list[DomainEvent]:
        """The pinned version left publication; idempotent (a redelivered retirement flags nothing twice)."""
        if self.status not in LIVE_STATUSES or self.pin_flag is not None:
            return []
        self.pin_flag, self.flagged_at, self.updated_at = reason, now, now
        event = ProgramFlagged(
            program_id=self.id,
            curriculum_id=self.curriculum_id,
            curriculum_version_number=self.curriculum_version_number,
            reason=str(reason),
        )
        return [self._event(event, now)]

    def _event(self, payload: EventPayload, now: datetime) -> DomainEvent:
        return DomainEvent(payload=payload, subject=self.id, time=now)
