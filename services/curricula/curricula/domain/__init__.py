"""Pure domain of the curricula service: curricula, their versions, change proposals and access policy."""

from curricula.domain.curriculum import (
    OPEN_STATUSES,
    ApprovalRule,
    Curriculum,
    CurriculumLevel,
    CurriculumVersion,
    VersionReview,
    VersionStatus,
)
from curricula.domain.policy import (
    can_manage,
    can_propose,
    can_review_proposal,
    can_review_version,
    can_view_drafts,
    can_withdraw_proposal,
    is_co_author,
)
from curricula.domain.proposal import ChangeProposal, ModuleDiff, ProposalReview, ProposalStatus
from curricula.domain.rules import Rule
from curricula.domain.values import (
    SKILL_LEVEL_MAX,
    SKILL_LEVEL_MIN,
    LearningOutcome,
    Module,
    Review,
    ReviewDecision,
    SkillRef,
    skill_coverage,
    validate_modules,
)

__all__ = [
    "OPEN_STATUSES",
    "SKILL_LEVEL_MAX",
    "SKILL_LEVEL_MIN",
    "ApprovalRule",
    "ChangeProposal",
    "Curriculum",
    "CurriculumLevel",
    "CurriculumVersion",
    "LearningOutcome",
    "Module",
    "ModuleDiff",
    "ProposalReview",
    "ProposalStatus",
    "Review",
    "ReviewDecision",
    "Rule",
    "SkillRef",
    "VersionReview",
    "VersionStatus",
    "can_manage",
    "can_propose",
    "can_review_proposal",
    "can_review_version",
    "can_view_drafts",
    "can_withdraw_proposal",
    "is_co_author",
    "skill_coverage",
    "validate_modules",
]
