"""Request and response bodies of the talent pipelines API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from dovetail_shared.dates import IsoDate
from dovetail_shared.events.talent_pipelines import DemandSkill
from dovetail_shared.text import Text
from pydantic import BaseModel, Field

from talent_pipelines.domain import Candidate, DemandStatus, DropReason, Stage, TalentDemand
from talent_pipelines.domain.demand import HEADCOUNT_MAX, MAX_SKILLS
from talent_pipelines.domain.matching import MatchResult
from talent_pipelines.repository import CohortSupply
from talent_pipelines.service import Funnel, ProposalDraft, SkillGap

SKILL_ID = 200


class SkillIn(BaseModel):
    skill_id: Text = Field(max_length=SKILL_ID, description="An ESCO skill id")
    weight: int = Field(10, ge=1, le=100)
    min_level: int = Field(2, ge=1, le=5)


class DemandCreate(BaseModel):
    """The firm is the caller's organisation. Without ``skills``, the occupation's essential skills (weight 10,
    level 2) and optional ones (weight 3, level 1) are the demand's."""

    role_title: Text = Field(max_length=200)
    occupation_id: Text | None = Field(None, max_length=SKILL_ID, description="An ESCO occupation id")
    skills: list[SkillIn] = Field(default_factory=list, max_length=MAX_SKILLS)
    headcount: int = Field(ge=1, le=HEADCOUNT_MAX)
    region: Text | None = Field(None, max_length=100)
    needed_by: IsoDate

    def domain(self) -> dict[str, Any]:
        values = self.model_dump(exclude={"skills"})
        values["skills"] = [DemandSkill(**s.model_dump()) for s in self.skills]
        return values


class DemandPatch(BaseModel):
    """Only the fields given change (the rules of posting apply); ``region: null`` clears it; ``skills: []``
    falls back to the occupation's. Only an open demand is edited."""

    role_title: Text | None = Field(None, max_length=200)
    skills: list[SkillIn] | None = Field(None, max_length=MAX_SKILLS)
    headcount: int | None = Field(None, ge=1, le=HEADCOUNT_MAX)
    region: Text | None = Field(None, max_length=100)
    needed_by: IsoDate | None = None

    def changes(self) -> dict[str, Any]:
        values = self.model_dump(exclude_unset=True, exclude={"skills"})
        if self.skills is not None:
            values["skills"] = [DemandSkill(**s.model_dump()) for s in self.skills]
        return values


class DemandSkillPublic(BaseModel):
    skill_id: str
    weight: int
    min_level: int


class DemandPublic(BaseModel):
    id: uuid.UUID
    version: int = Field(description="Optimistic-concurrency version; send it back as If-Match")
    created_at: datetime
    updated_at: datetime
    firm_id: uuid.UUID
    role_title: str
    occupation_id: str | None
    skills: list[DemandSkillPublic]
    headcount: int
    hired: int
    region: str | None
    needed_by: date
    status: DemandStatus
    closed_at: datetime | None

    @classmethod
    def of(cls, d: TalentDemand) -> DemandPublic:
        return cls.model_validate(d.model_dump(exclude={"top"}))


class EvidencePublic(BaseModel):
    skill_id: str
    kind: str
    level: int
    hours: float


class SkillLinePublic(BaseModel):
    skill_id: str
    label: str
    weight: int
    min_level: int
    max_points: int
    points: int
    coverage: str = Field(description="covered | partial | missing")
    evidence: EvidencePublic | None
    relation: str | None = Field(description="exact | narrower | sibling: how the evidenced skill relates")
    via_label: str | None = Field(description="The narrower or sibling skill that earned partial credit")


class FitLinePublic(BaseModel):
    factor: str
    max_points: int
    points: int
    note: str


class RaisePublic(BaseModel):
    skill_id: str
    label: str
    gain: int = Field(description="Points the score would gain")
    how: str


class MatchPublic(BaseModel):
    kind: str
    id: uuid.UUID = Field(description="The cohort id, or the learner's pseudonymous reference")
    rank: int
    score: int = Field(description="Points out of 1000: the sum of the skill and fit contributions")
    college_id: uuid.UUID | None = None
    program_id: uuid.UUID | None = None
    curriculum_id: uuid.UUID | None = None
    skills: list[SkillLinePublic]
    fit: list[FitLinePublic]
    what_would_raise_it: list[RaisePublic]

    @classmethod
    def of(cls, r: MatchResult, rank: int, cohort: CohortSupply | None = None) -> MatchPublic:
        return cls(
            kind=r.kind.value,
            id=r.id,
            rank=rank,
            score=r.score,
            college_id=cohort.college_id if cohort else None,
            program_id=cohort.program_id if cohort else None,
            curriculum_id=cohort.curriculum_id if cohort else None,
            skills=[
                SkillLinePublic(
                    skill_id=s.skill_id,
                    label=s.label,
                    weight=s.weight,
                    min_level=s.min_level,
                    max_points=s.max_points,
                    points=s.points,
                    coverage=s.coverage.value,
                    evidence=None
                    if s.evidence is None
                    else EvidencePublic(
                        skill_id=s.evidence.skill_id,
                        kind=s.evidence.kind.value,
                        level=s.evidence.level,
                        hours=s.evidence.hours,
                    ),
                    relation=None if s.relation is None else s.relation.value,
                    via_label=s.via_label,
                )
                for s in r.skills
            ],
            fit=[FitLinePublic(factor=f.factor, max_points=f.max_points, points=f.points, note=f.note) for f in r.fit],
            what_would_raise_it=[
                RaisePublic(skill_id=x.skill_id, label=x.label, gain=x.gain, how=x.how) for x in r.raise_it
            ],
        )


class MatchesPublic(BaseModel):
    demand_id: uuid.UUID
    cohorts: list[MatchPublic]
    learners: list[MatchPublic] = Field(description="Consenting learners; for the demand's firm only")


class SkillRefOut(BaseModel):
    skill_id: str
    level: int


class OutcomeOut(BaseModel):
    description: str
    skills: list[SkillRefOut]


class ModuleOut(BaseModel):
    code: str
    title: str
    hours: int
    outcomes: list[OutcomeOut]


class DiffOut(BaseModel):
    add_modules: list[ModuleOut]
    remove_module_codes: list[str] = []
    update_modules: list[ModuleOut] = []


class ProposalBody(BaseModel):
    """Exactly curricula's ``POST /curricula/{curriculum_id}/proposals`` body."""

    diff: DiffOut
    rationale: str
    demand_id: uuid.UUID


class GapProposalPublic(BaseModel):
    curriculum_id: uuid.UUID
    base_version_number: int
    send_to: str = Field(description="curricula's endpoint to send ``proposal`` to, with the firm's own token")
    proposal: ProposalBody
    gains: list[RaisePublic]

    @classmethod
    def of(cls, d: ProposalDraft) -> GapProposalPublic:
        outcomes = [
            OutcomeOut(description=f"Apply {label}", skills=[SkillRefOut(skill_id=s, level=level)])
            for s, label, level, _ in d.skills
        ]
        module = ModuleOut(code=d.module_code, title=d.module_title, hours=20 * len(d.skills), outcomes=outcomes)
        return cls(
            curriculum_id=d.curriculum_id,
            base_version_number=d.base_version_number,
            send_to=f"/curricula/{d.curriculum_id}/proposals",
            proposal=ProposalBody(diff=DiffOut(add_modules=[module]), rationale=d.rationale, demand_id=d.demand_id),
            gains=[
                RaisePublic(skill_id=s, label=label, gain=gain, how=f"taught at level {level}")
                for s, label, level, gain in d.skills
            ],
        )


class CandidateCreate(BaseModel):
    learner_ref: uuid.UUID = Field(description="A consenting learner from the demand's matches")


class AdvanceIn(BaseModel):
    to_stage: Stage


class DropIn(BaseModel):
    reason: DropReason


class CandidatePublic(BaseModel):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    demand_id: uuid.UUID
    learner_ref: uuid.UUID | None
    stage: Stage
    drop_reason: DropReason | None

    @classmethod
    def of(cls, c: Candidate) -> CandidatePublic:
        return cls.model_validate(c.model_dump())


class MovePublic(BaseModel):
    from_stage: str | None
    to_stage: str
    reason: str | None
    by: str
    moved_at: datetime


class CandidateHistory(BaseModel):
    candidate: CandidatePublic
    moves: list[MovePublic]


class FunnelPublic(BaseModel):
    demand_id: uuid.UUID
    status: DemandStatus
    headcount: int
    hired: int
    reached: dict[str, int | None] = Field(description="Candidates that reached each stage; null when suppressed")
    conversion_percent: dict[str, int | None]
    dropped: int | None
    days_to_fill: int | None

    @classmethod
    def of(cls, f: Funnel) -> FunnelPublic:
        return cls(
            demand_id=f.demand.id,
            status=f.demand.status,
            headcount=f.demand.headcount,
            hired=f.demand.hired,
            reached=f.reached,
            conversion_percent=f.conversion,
            dropped=f.dropped,
            days_to_fill=f.days_to_fill,
        )


class SkillGapPublic(BaseModel):
    skill_id: str
    label: str
    demands: int
    demanded_weight: int
    cohorts_teaching: int
    colleges_teaching: int

    @classmethod
    def of(cls, g: SkillGap) -> SkillGapPublic:
        return cls(**g.__dict__)


class GapsPublic(BaseModel):
    items: list[SkillGapPublic]
