"""Request and response bodies of the curricula API.

Content sent in (modules, diffs) has request types of its own so that OpenAPI documents the size bounds
(``maxItems``) and every text field is the shared ``Text``: what PostgreSQL cannot store (NUL, a lone
surrogate) is refused at the boundary. Every other rule, bounds included, is the domain's
(``validate_modules``, ``ModuleDiff.check``), which names the JSON path and rule id. Responses reuse the
domain's value types.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from dovetail_shared.dates import IsoDate
from dovetail_shared.events.curricula import SkillCoverage
from dovetail_shared.text import Text
from pydantic import BaseModel, ConfigDict, Field

from curricula.domain import (
    CO_AUTHORS_MAX,
    DIFF_LIST_MAX,
    DISTINCT_SKILLS_MAX,
    MODULES_MAX,
    OUTCOMES_MAX,
    RATIONALE_MAX,
    SKILLS_PER_OUTCOME_MAX,
    ApprovalRule,
    ChangeProposal,
    CurriculumLevel,
    CurriculumVersion,
    CurriculumView,
    LearningOutcome,
    Module,
    ModuleDiff,
    ProposalReview,
    ProposalStatus,
    ReviewDecision,
    SkillRef,
    VersionReview,
    VersionStatus,
    skill_coverage,
)
from curricula.domain.values import MODULE_CODE_MAX, MODULE_TITLE_MAX, OUTCOME_DESCRIPTION_MAX, SKILL_ID_MAX

TEXT = 2000


def domain_bound(max_length: int) -> Any:
    """Documents a length bound that the domain checks (with its own rule id, ``length``), not pydantic."""
    return Field(json_schema_extra={"maxLength": max_length})


ModuleCode = Annotated[Text, domain_bound(MODULE_CODE_MAX)]


class CurriculumCreate(BaseModel):
    college_id: uuid.UUID | None = Field(None, description="Defaults to the caller's organisation")
    title: Text = Field(max_length=200)
    title_zh: Text | None = Field(None, max_length=200)
    target_occupation: Text = Field(max_length=500, description="Taxonomy (ESCO) occupation id")
    level: CurriculumLevel
    consortium_id: uuid.UUID | None = None
    co_author_ids: list[uuid.UUID] = Field(default_factory=list, max_length=CO_AUTHORS_MAX)
    approval_rule: ApprovalRule = ApprovalRule.ALL_CO_AUTHORS


class CurriculumPatch(BaseModel):
    """Send only what changes; ``null`` clears ``title_zh`` or ``consortium_id``."""

    model_config = ConfigDict(extra="forbid")

    title: Text | None = Field(None, max_length=200)
    title_zh: Text | None = Field(None, max_length=200)
    approval_rule: ApprovalRule | None = None
    consortium_id: uuid.UUID | None = None


class SkillRefIn(BaseModel):
    skill_id: Annotated[Text, domain_bound(SKILL_ID_MAX)]
    level: int

    def to_domain(self) -> SkillRef:
        return SkillRef(skill_id=self.skill_id, level=self.level)


class LearningOutcomeIn(BaseModel):
    description: Annotated[Text, domain_bound(OUTCOME_DESCRIPTION_MAX)]
    skills: list[SkillRefIn] = Field(default_factory=list, max_length=SKILLS_PER_OUTCOME_MAX)

    def to_domain(self) -> LearningOutcome:
        return LearningOutcome(description=self.description, skills=[s.to_domain() for s in self.skills])


class ModuleIn(BaseModel):
    code: ModuleCode
    title: Annotated[Text, domain_bound(MODULE_TITLE_MAX)]
    hours: int
    outcomes: list[LearningOutcomeIn] = Field(default_factory=list, max_length=OUTCOMES_MAX)

    def to_domain(self) -> Module:
        return Module(
            code=self.code, title=self.title, hours=self.hours, outcomes=[o.to_domain() for o in self.outcomes]
        )


class ModuleDiffIn(BaseModel):
    """Whole-module edits; the version they produce must stay within a draft's bounds (see ``DraftUpdate``)."""

    add_modules: list[ModuleIn] = Field(default_factory=list, max_length=DIFF_LIST_MAX)
    remove_module_codes: list[ModuleCode] = Field(default_factory=list, max_length=DIFF_LIST_MAX)
    update_modules: list[ModuleIn] = Field(default_factory=list, max_length=DIFF_LIST_MAX)

    def to_domain(self) -> ModuleDiff:
        return ModuleDiff(
            add_modules=[m.to_domain() for m in self.add_modules],
            remove_module_codes=list(self.remove_module_codes),
            update_modules=[m.to_domain() for m in self.update_modules],
        )


class DraftUpdate(BaseModel):
    modules: list[ModuleIn] = Field(
        max_length=MODULES_MAX,
        description=f"The version's whole content: at most {MODULES_MAX} modules, "
        f"teaching at most {DISTINCT_SKILLS_MAX} distinct skills",
    )
    effective_date: IsoDate | None = None

    def domain_modules(self) -> list[Module]:
        return [m.to_domain() for m in self.modules]


class ReviewIn(BaseModel):
    decision: ReviewDecision
    comment: Text = Field("", max_length=TEXT)


class CoAuthorIn(BaseModel):
    organization_id: uuid.UUID


class ProposalCreate(BaseModel):
    diff: ModuleDiffIn
    rationale: Text = Field(max_length=RATIONALE_MAX)
    demand_id: uuid.UUID | None = Field(None, description="The talent demand that motivated the change")


class RejectIn(BaseModel):
    reason: Text = Field(max_length=TEXT)


class VersionPublic(BaseModel):
    id: uuid.UUID
    number: int
    status: VersionStatus
    effective_date: date | None
    modules: list[Module]
    reviews: list[VersionReview]
    base_version_number: int | None
    source_proposal_id: uuid.UUID | None
    published_at: datetime | None
    retired_at: datetime | None
    total_hours: int
    skills: list[SkillCoverage]

    @classmethod
    def of(cls, v: CurriculumVersion) -> VersionPublic:
        return cls(
            id=v.id,
            number=v.number,
            status=v.status,
            effective_date=v.effective_date,
            modules=v.modules,
            reviews=v.reviews,
            base_version_number=v.base_version_number,
            source_proposal_id=v.source_proposal_id,
            published_at=v.published_at,
            retired_at=v.retired_at,
            total_hours=v.total_hours,
            skills=skill_coverage(v.modules),
        )


class CurriculumPublic(BaseModel):
    id: uuid.UUID
    version: int = Field(
        description="For the college and co-authors, the optimistic-concurrency version (send it back as "
        'If-Match, as the ETag says). For everyone else, the version of the public view (ETag "p<n>"): it moves '
        "only when what they can see changes, and no write accepts it"
    )
    created_at: datetime
    updated_at: datetime = Field(description="When what the caller can see last changed")
    college_id: uuid.UUID
    title: str
    title_zh: str | None
    target_occupation: str
    level: CurriculumLevel
    consortium_id: uuid.UUID | None
    co_author_ids: list[uuid.UUID]
    approval_rule: ApprovalRule
    published_version_number: int | None
    versions: list[VersionPublic] = Field(description="Outsiders see only the published version")

    @classmethod
    def of(cls, view: CurriculumView) -> CurriculumPublic:
        """Renders what the policy decided the caller may see (``service.view``); decides nothing itself."""
        c = view.curriculum
        published = c.published_version
        return cls(
            id=c.id,
            version=view.version,
            created_at=c.created_at,
            updated_at=view.updated_at,
            college_id=c.college_id,
            title=c.title,
            title_zh=c.title_zh,
            target_occupation=c.target_occupation,
            level=c.level,
            consortium_id=c.consortium_id,
            co_author_ids=c.co_author_ids,
            approval_rule=c.approval_rule,
            published_version_number=published.number if published else None,
            versions=[VersionPublic.of(v) for v in view.versions],
        )


class ProposalPublic(BaseModel):
    id: uuid.UUID
    version: int
    created_at: datetime
    updated_at: datetime
    curriculum_id: uuid.UUID
    proposer_org_id: uuid.UUID
    base_version_number: int
    demand_id: uuid.UUID | None
    rationale: str
    diff: ModuleDiff
    status: ProposalStatus
    reviews: list[ProposalReview]
    decided_reason: str | None
    decided_at: datetime | None
    accepted_version_number: int | None

    @classmethod
    def of(cls, p: ChangeProposal) -> ProposalPublic:
        return cls.model_validate(p.model_dump())
