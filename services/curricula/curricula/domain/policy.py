"""Who may do what to a curriculum: pure predicates over the caller and the aggregate; the service enforces them."""

from __future__ import annotations

from dovetail_shared.principal import Principal, Role

from curricula.domain.curriculum import Curriculum
from curricula.domain.proposal import ChangeProposal


def _in_co_authors(p: Principal, c: Curriculum) -> bool:
    return p.org is not None and p.org in c.co_author_ids


def can_manage(p: Principal, c: Curriculum) -> bool:
    """Edit drafts, submit, publish, retire, change co-authors, accept or reject proposals."""
    return p.is_operator or p.acts_for(c.college_id, Role.COLLEGE_ADMIN)


def is_co_author(p: Principal, c: Curriculum) -> bool:
    """A firm's staff who work on the curriculum; recruiters included, since they bring the demand side."""
    return _in_co_authors(p, c) and p.has(Role.FIRM_ADMIN, Role.RECRUITER)


def can_view_drafts(p: Principal, c: Curriculum) -> bool:
    """Unpublished versions and proposals stay inside the partnership (and its teachers, who will teach them)."""
    return can_manage(p, c) or is_co_author(p, c) or p.acts_for(c.college_id, Role.TEACHER)


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
