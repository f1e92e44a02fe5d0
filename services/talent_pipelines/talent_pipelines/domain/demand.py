"""The TalentDemand aggregate: a verified firm's need for people with skills, open → filled | expired | cancelled."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import InvalidTransition, ViolationCollector
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.talent_pipelines import (
    DemandCancelled,
    DemandExpired,
    DemandFilled,
    DemandPosted,
    DemandSkill,
    DemandUpdated,
    RankedSupply,
)

from talent_pipelines.domain.rules import Rule, check_text
from talent_pipelines.domain.taxonomy import TaxonomyGraph

ENTITY = "talent demand"
MAX_SKILLS = 60
HEADCOUNT_MAX = 10_000
# Defaults when the firm names only the occupation: its essential skills weigh more than its optional ones.
ESSENTIAL_WEIGHT, ESSENTIAL_LEVEL = 10, 2
OPTIONAL_WEIGHT, OPTIONAL_LEVEL = 3, 1


class DemandStatus(StrEnum):
    OPEN = "open"
    FILLED = "filled"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


def default_skills(graph: TaxonomyGraph, occupation_id: str) -> list[DemandSkill]:
    """The occupation's essential skills, then its optional ones at a lower weight, at most ``MAX_SKILLS``."""
    essential = [
        DemandSkill(skill_id=s, weight=ESSENTIAL_WEIGHT, min_level=ESSENTIAL_LEVEL)
        for s in graph.essential.get(occupation_id, [])
    ]
    optional = [
        DemandSkill(skill_id=s, weight=OPTIONAL_WEIGHT, min_level=OPTIONAL_LEVEL)
        for s in graph.optional.get(occupation_id, [])
    ]
    return (essential + optional)[:MAX_SKILLS]


def _validated(
    *,
    role_title: str,
    occupation_id: str | None,
    skills: Sequence[DemandSkill],
    headcount: int,
    region: str | None,
    needed_by: date,
    today: date,
    graph: TaxonomyGraph,
    hired: int = 0,
) -> list[DemandSkill]:
    """The rules of a demand's facts (on posting and on editing); returns the skills it asks for."""
    out = ViolationCollector()
    check_text(out, "role_title", role_title, max_len=200)
    check_text(out, "region", region, max_len=100, required=False)
    if not 1 <= headcount <= HEADCOUNT_MAX:
        out.add("headcount", Rule.RANGE, f"must be between 1 and {HEADCOUNT_MAX}")
    elif headcount <= hired:
        out.add("headcount", Rule.RANGE, f"must be more than the {hired} already hired")
    if needed_by <= today:
        out.add("needed_by", Rule.DATE_ORDER, "must be after today")
    if occupation_id is not None and graph.occupation_labels and not graph.is_occupation(occupation_id):
        out.add("occupation_id", Rule.KNOWN_OCCUPATION, "not a taxonomy occupation id")
    chosen = list(skills)
    if not chosen:
        if occupation_id is None:
            out.add("skills", Rule.SKILLS_OR_OCCUPATION, "give the required skills, or the target occupation")
        elif graph.is_occupation(occupation_id):
            chosen = default_skills(graph, occupation_id)
            if not chosen:
                out.add("occupation_id", Rule.OCCUPATION_HAS_NO_SKILLS, "the occupation lists no skills; give them")
    if len(chosen) > MAX_SKILLS:
        out.add("skills", Rule.MAX_ITEMS, f"at most {MAX_SKILLS} skills")
    seen: set[str] = set()
    for i, s in enumerate(chosen[:MAX_SKILLS]):
        if s.skill_id in seen:
            out.add(f"skills[{i}].skill_id", Rule.UNIQUE, "named twice")
        seen.add(s.skill_id)
        if graph.labels and not graph.is_skill(s.skill_id):
            out.add(f"skills[{i}].skill_id", Rule.KNOWN_SKILL, "not a taxonomy skill id")
        if not 1 <= s.weight <= 100:
            out.add(f"skills[{i}].weight", Rule.RANGE, "must be between 1 and 100")
        if not 1 <= s.min_level <= 5:
            out.add(f"skills[{i}].min_level", Rule.RANGE, "must be between 1 and 5")
    out.raise_if_any()
    return chosen


class TalentDemand(Aggregate):
    firm_id: uuid.UUID
    role_title: str
    occupation_id: str | None = None
    skills: list[DemandSkill]
    headcount: int
    hired: int = 0
    region: str | None = None
    needed_by: date
    status: DemandStatus = DemandStatus.OPEN
    closed_at: datetime | None = None
    # The top results last announced (matches.changed compares against them).
    top: list[RankedSupply] = []

    @classmethod
    def post(
        cls,
        *,
        firm_id: uuid.UUID,
        role_title: str,
        occupation_id: str | None,
        skills: Sequence[DemandSkill],
        headcount: int,
        region: str | None,
        needed_by: date,
        today: date,
        now: datetime,
        graph: TaxonomyGraph,
    ) -> tuple[TalentDemand, list[DomainEvent]]:
        chosen = _validated(
            role_title=role_title,
            occupation_id=occupation_id,
            skills=skills,
            headcount=headcount,
            region=region,
            needed_by=needed_by,
            today=today,
            graph=graph,
        )
        demand = cls(
            firm_id=firm_id,
            role_title=role_title,
            occupation_id=occupation_id,
            skills=chosen,
            headcount=headcount,
            region=region,
            needed_by=needed_by,
            created_at=now,
            updated_at=now,
        )
        return demand, [demand._posted(now)]

    @property
    def is_open(self) -> bool:
        return self.status == DemandStatus.OPEN

    def _posted(self, now: datetime) -> DomainEvent:
        payload = DemandPosted(
            demand_id=self.id,
            firm_id=self.firm_id,
            role_title=self.role_title,
            occupation_id=self.occupation_id,
            skills=self.skills,
            headcount=self.headcount,
            region=self.region,
            needed_by=self.needed_by,
        )
        return DomainEvent(payload=payload, subject=self.id, time=now)

    def edit(
        self,
        *,
        role_title: str | None = None,
        skills: Sequence[DemandSkill] | None = None,
        headcount: int | None = None,
        region: str | None = None,
        needed_by: date | None = None,
        clear: frozenset[str] = frozenset(),
        today: date,
        now: datetime,
        graph: TaxonomyGraph,
    ) -> list[DomainEvent]:
        """Change an open demand's facts under the rules of posting; ``clear`` names ``region`` to empty it.
        Empty ``skills`` fall back to the occupation's. No change, no event."""
        if not self.is_open:
            raise InvalidTransition(ENTITY, self.status, "edit")
        new_needed_by = needed_by if needed_by is not None else self.needed_by
        new_region = None if "region" in clear else (region if region is not None else self.region)
        new_skills = _validated(
            role_title=role_title if role_title is not None else self.role_title,
            occupation_id=self.occupation_id,
            skills=self.skills if skills is None else skills,
            headcount=headcount if headcount is not None else self.headcount,
            region=new_region,
            # An unchanged needed-by date is not re-checked against today (the expiry job owns it).
            needed_by=new_needed_by if needed_by is not None else date.max,
            today=today,
            graph=graph,
            hired=self.hired,
        )
        before = (self.role_title, self.skills, self.headcount, self.region, self.needed_by)
        self.role_title = role_title if role_title is not None else self.role_title
        self.skills = new_skills
        self.headcount = headcount if headcount is not None else self.headcount
        self.region = new_region
        self.needed_by = new_needed_by
        if (self.role_title, self.skills, self.headcount, self.region, self.needed_by) == before:
            return []
        self.updated_at = now
        payload = DemandUpdated(**self._posted(now).payload.model_dump())
        return [DomainEvent(payload=payload, subject=self.id, time=now)]

    def _close(self, status: DemandStatus, action: str, now: datetime) -> None:
        if not self.is_open:
            raise InvalidTransition(ENTITY, self.status, action)
        self.status, self.closed_at, self.updated_at = status, now, now

    def cancel(self, now: datetime) -> list[DomainEvent]:
        self._close(DemandStatus.CANCELLED, "cancel", now)
        payload = DemandCancelled(demand_id=self.id, firm_id=self.firm_id, hired=self.hired)
        return [DomainEvent(payload=payload, subject=self.id, time=now)]

    def is_due(self, today: date) -> bool:
        """Open past its needed-by date (the expiry job's question)."""
        return self.is_open and today > self.needed_by

    def expire(self, today: date, now: datetime) -> list[DomainEvent]:
        if not self.is_due(today):
            raise InvalidTransition(ENTITY, self.status, "expire")
        self._close(DemandStatus.EXPIRED, "expire", now)
        payload = DemandExpired(demand_id=self.id, firm_id=self.firm_id, needed_by=self.needed_by, hired=self.hired)
        return [DomainEvent(payload=payload, subject=self.id, time=now)]

    def record_hire(self, now: datetime) -> list[DomainEvent]:
        """One more hire; reaching the headcount fills the demand."""
        if not self.is_open:
            raise InvalidTransition(ENTITY, self.status, "hire for")
        self.hired += 1
        self.updated_at = now
        if self.hired < self.headcount:
            return []
        self._close(DemandStatus.FILLED, "fill", now)
        payload = DemandFilled(demand_id=self.id, firm_id=self.firm_id, hired=self.hired, filled_at=now)
        return [DomainEvent(payload=payload, subject=self.id, time=now)]
