"""Who may do what to a curriculum: pure predicates over the caller and the aggregate; the service enforces them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dovetail_shared.principal import Principal, Role

from curricula.domain.curriculum import Curriculum, CurriculumVersion, VersionStatus
from curricula.domain.proposal import ChangeProposal

# Who, besides operators, sees unpublished curricula: these roles in the owning college, or in a co-author firm.
COLLEGE_DRAFT_ROLES = (Role.COLLEGE_ADMIN, Role.TEACHER)
CO_AUTHOR_ROLES = (Role.FIRM_ADMIN, Role.RECRUITER)


def _in_co_authors(p: Principal, c: Curriculum) -> bool:
    return p.org is not None and p.org in c.co_author_ids


def can_manage(p: Principal, c: Curriculum) -> bool:
    """Edit details and drafts, submit, publish, retire, change co-authors, accept or reject proposals.

    The owning college's admins only: platform operators read everything (``can_view_drafts``) but do not
    run a college's curricula, as they vet consortia without running them.
    """
    return p.acts_for(c.college_id, Role.COLLEGE_ADMIN)


def is_co_author(p: Principal, c: Curriculum) -> bool:
    """A firm's staff who work on the curriculum; recruiters included, since they bring the demand side."""
    return _in_co_authors(p, c) and p.has(*CO_AUTHOR_ROLES)


def can_view_drafts(p: Principal, c: Curriculum) -> bool:
    """Unpublished versions and proposals stay inside the partnership (and its teachers, who will teach them);
    platform operators see everything. ``CurriculumRepository.visible_to`` is the same rule in SQL."""
    return p.is_operator or p.acts_for(c.college_id, *COLLEGE_DRAFT_ROLES) or is_co_author(p, c)


def can_review_version(p: Principal, c: Curriculum) -> bool:
    """An approval binds the firm, so only its admin gives it."""
    return _in_co_authors(p, c) and p.has(Role.FIRM_ADMIN)


def can_propose(p: Principal, c: Curriculum) -> bool:
    return p.acts_for(c.college_id, Role.COLLEGE_ADMIN) or can_review_version(p, c)


def can_review_proposal(p: Principal, c: Curriculum, proposal: ChangeProposal) -> bool:
    """The other parties' admins; the proposer's own staff are refused (the domain also says own_proposal)."""
    if p.org is None or p.org == proposal.proposer_org_id:
        return False
    return can_propose(p, c)


def can_withdraw_proposal(p: Principal, proposal: ChangeProposal) -> bool:
    return p.acts_for(proposal.proposer_org_id, Role.COLLEGE_ADMIN, Role.FIRM_ADMIN)


@dataclass(frozen=True)
class CurriculumView:
    """What one caller may see of a curriculum; response schemas render it and decide nothing."""

    curriculum: Curriculum
    versions: list[CurriculumVersion]  # in number order
    # The version and timestamp of what this caller sees, and its ETag: insiders get the aggregate's
    # (``"<n>"``, the If-Match a write needs); outsiders the public view's (``"p<n>"``), which private work
    # does not move and which no write accepts.
    version: int
    updated_at: datetime
    etag: str


def curriculum_view(p: Principal | None, c: Curriculum) -> CurriculumView:
    """Insiders (``can_view_drafts``) see every version and the aggregate's version; everyone else only the
    published version and the public view's version and timestamp."""
    if p is not None and can_view_drafts(p, c):
        return CurriculumView(
            curriculum=c,
            versions=sorted(c.versions, key=lambda v: v.number),
            version=c.version,
            updated_at=c.updated_at,
            etag=f'"{c.version}"',
        )
    return CurriculumView(
        curriculum=c,
        versions=[v for v in c.versions if v.status == VersionStatus.PUBLISHED],
        version=c.public_version,
        updated_at=c.public_updated_at,
        etag=f'"p{c.public_version}"',
    )
