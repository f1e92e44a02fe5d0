"""Who may do what to postings, applications, placements and logbooks: pure predicates; the use cases enforce them.

A learner is recognised by the refs the learners projection links to the token's subject (ADR 0028): ``mine`` is
that set (empty for anyone else). The list filters in ``repository.py`` are these predicates in SQL, and the
authorization matrix holds them against each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Set

from dovetail_shared.principal import Principal, Role

from internships.domain.application import Application
from internships.domain.placement import Party, Placement
from internships.domain.posting import Posting, PostingStatus

FIRM_STAFF = (Role.FIRM_ADMIN, Role.RECRUITER)
COLLEGE_STAFF = (Role.COLLEGE_ADMIN, Role.TEACHER)


def is_firm_staff(p: Principal, firm_id: uuid.UUID) -> bool:
    return p.acts_for(firm_id, *FIRM_STAFF)


def can_draft_posting(p: Principal) -> bool:
    return p.org is not None and p.has(*FIRM_STAFF)


def can_view_posting(p: Principal, posting: Posting) -> bool:
    """Published postings are for everyone signed in; a draft for its firm's staff and operators."""
    return posting.status != PostingStatus.DRAFT or p.is_operator or is_firm_staff(p, posting.firm_id)


def can_manage_posting(p: Principal, posting: Posting) -> bool:
    return is_firm_staff(p, posting.firm_id)


def is_learner(p: Principal, ref: uuid.UUID, mine: Set[uuid.UUID]) -> bool:
    return p.has(Role.LEARNER) and ref in mine


def can_view_application(p: Principal, app: Application, mine: Set[uuid.UUID]) -> bool:
    """The posting's firm, the learner, the learner's college staff, operators."""
    return (
        p.is_operator
        or is_firm_staff(p, app.firm_id)
        or is_learner(p, app.learner_ref, mine)
        or p.acts_for(app.college_id, *COLLEGE_STAFF)
    )


def can_decide_application(p: Principal, app: Application) -> bool:
    """Shortlist, offer, reject: the posting firm's staff."""
    return is_firm_staff(p, app.firm_id)


def is_mentor(p: Principal, placement: Placement) -> bool:
    return (
        p.acts_for(placement.firm_id, Role.MENTOR)
        and placement.mentor_sub is not None
        and p.sub == placement.mentor_sub
    )


def is_supervising_teacher(p: Principal, placement: Placement) -> bool:
    return (
        p.acts_for(placement.college_id, Role.TEACHER)
        and placement.teacher_sub is not None
        and p.sub == placement.teacher_sub
    )


def is_college_admin(p: Principal, placement: Placement) -> bool:
    return p.acts_for(placement.college_id, Role.COLLEGE_ADMIN)


def can_view_placement(p: Principal, placement: Placement, mine: Set[uuid.UUID]) -> bool:
    """The firm's staff and the mentor, the learner, the college's admins and the supervising teacher, operators."""
    return (
        p.is_operator
        or is_firm_staff(p, placement.firm_id)
        or is_mentor(p, placement)
        or is_learner(p, placement.learner_ref, mine)
        or is_college_admin(p, placement)
        or is_supervising_teacher(p, placement)
    )


def signing_party(p: Principal, placement: Placement, mine: Set[uuid.UUID]) -> Party | None:
    """Who the caller signs for: the learner themself, the firm's admin, the college's admin."""
    if is_learner(p, placement.learner_ref, mine):
        return Party.LEARNER
    if p.acts_for(placement.firm_id, Role.FIRM_ADMIN):
        return Party.FIRM
    if is_college_admin(p, placement):
        return Party.COLLEGE
    return None


def can_assign_mentor(p: Principal, placement: Placement) -> bool:
    return p.acts_for(placement.firm_id, Role.FIRM_ADMIN)


def can_assign_teacher(p: Principal, placement: Placement) -> bool:
    return is_college_admin(p, placement)


def can_insure_or_activate(p: Principal, placement: Placement) -> bool:
    """The college organises the liability insurance (the regulation puts it on the college and the firm)."""
    return is_college_admin(p, placement) or p.acts_for(placement.firm_id, Role.FIRM_ADMIN)


def can_complete(p: Principal, placement: Placement) -> bool:
    return is_college_admin(p, placement) or is_supervising_teacher(p, placement)


def can_terminate(p: Principal, placement: Placement) -> bool:
    return is_college_admin(p, placement) or p.acts_for(placement.firm_id, Role.FIRM_ADMIN)


def can_read_logbook(p: Principal, placement: Placement, mine: Set[uuid.UUID]) -> bool:
    """The learner, the mentor, the supervising teacher, the college's admins, operators (not the firm's HR)."""
    return (
        p.is_operator
        or is_learner(p, placement.learner_ref, mine)
        or is_mentor(p, placement)
        or is_supervising_teacher(p, placement)
        or is_college_admin(p, placement)
    )
