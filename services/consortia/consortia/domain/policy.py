"""Who holds which place in a consortium, and who may do what: pure predicates the service enforces."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from dovetail_shared.principal import Principal, Role

from consortia.domain.benefits import BenefitRule
from consortia.domain.consortium import Consortium, ConsortiumStatus, JoinRequest, Membership, MembershipRole
from consortia.domain.organization import Organization

# An organisation's admins act for it: a college's admins, a firm's admins. Research institutes,
# government bodies and associations have no role of their own in the token, so either admin role counts.
ADMIN_ROLES = (Role.COLLEGE_ADMIN, Role.FIRM_ADMIN)
# Staff of a member organisation see its consortium's books; learners (who may carry their college's
# organisation in their token) do not.
STAFF_ROLES = (Role.COLLEGE_ADMIN, Role.TEACHER, Role.FIRM_ADMIN, Role.RECRUITER, Role.MENTOR)


def active_role(memberships: Iterable[Membership], org_id: uuid.UUID | None) -> MembershipRole | None:
    """The organisation's role in its current membership, or None if it is not an active member."""
    if org_id is None:
        return None
    for membership in memberships:
        if membership.organization_id == org_id and membership.is_active:
            return membership.role
    return None


def is_active_member(memberships: Iterable[Membership], org_id: uuid.UUID | None) -> bool:
    return active_role(memberships, org_id) is not None


def is_lead(memberships: Iterable[Membership], org_id: uuid.UUID | None) -> bool:
    """The lead decides join requests, roles, the benefit rule, distributions and dissolution."""
    return active_role(memberships, org_id) == MembershipRole.LEAD


# --------------------------------------------------------------------------------------- the caller


def is_admin_of(p: Principal, org_id: uuid.UUID | None) -> bool:
    return p.acts_for(org_id, *ADMIN_ROLES)


def can_manage(p: Principal, c: Consortium) -> bool:
    """The lead's admins manage membership, roles, the benefit rule, distributions and dissolution.

    Judged by ``lead_organization_id`` rather than by an open membership, so the lead of a dissolved
    consortium is told "dissolved" (409) rather than "forbidden" (403). Operators vet organisations;
    they do not run consortia.
    """
    return is_admin_of(p, c.lead_organization_id)


def is_insider(p: Principal, c: Consortium) -> bool:
    """Staff of an active member; after dissolution, staff of the members it had when it ended."""
    if p.org is None or not p.has(*STAFF_ROLES):
        return False
    if c.is_active_member(p.org):
        return True
    # The explicit set of members at the end, never ``left_on == dissolved_on``: a member removed earlier on
    # the day of dissolution has the same dates and must not regain the books.
    return c.status == ConsortiumStatus.DISSOLVED and c.was_member_at_end(p.org)


def can_view_ledger(p: Principal, c: Consortium) -> bool:
    """Contributions, totals, distributions and the benefit rule: members' staff and operators."""
    return p.is_operator or is_insider(p, c)


def can_see_request(p: Principal, c: Consortium, request: JoinRequest) -> bool:
    """Insiders see every request; an applicant sees its own."""
    return can_view_ledger(p, c) or p.org == request.organization_id


def can_record_for(p: Principal, c: Consortium, org_id: uuid.UUID) -> bool:
    """A member's admins record its own contributions; the lead's admins may record for any member."""
    return is_admin_of(p, org_id) or can_manage(p, c)


def can_remove(p: Principal, c: Consortium, org_id: uuid.UUID) -> bool:
    """A member's admins take it out (leaving); the lead's admins may remove any other member."""
    return is_admin_of(p, org_id) or can_manage(p, c)


def can_view_organization(p: Principal | None, org: Organization) -> bool:
    """Verified organisations are public; pending and rejected ones only to operators, the organisation
    itself and whoever registered it (an unvetted name must not look endorsed by the platform)."""
    if org.is_verified:
        return True
    if p is None:
        return False
    return p.is_operator or p.org == org.id or (org.registered_by is not None and org.registered_by == p.sub)


def can_resubmit(p: Principal, org: Organization) -> bool:
    return p.is_operator or is_admin_of(p, org.id) or (org.registered_by is not None and org.registered_by == p.sub)


# --------------------------------------------------------------------------------------- what is seen


@dataclass(frozen=True)
class ConsortiumView:
    """What one caller may see of a consortium; response schemas render it and decide nothing."""

    consortium: Consortium
    member_view: bool
    memberships: list[Membership]
    join_requests: list[JoinRequest]
    benefit_rule: BenefitRule | None


def consortium_view(p: Principal | None, c: Consortium) -> ConsortiumView:
    """Insiders (and operators) see everything; others current members only, no benefit rule, and only the
    join requests of their own organisation."""
    member = p is not None and can_view_ledger(p, c)
    return ConsortiumView(
        consortium=c,
        member_view=member,
        memberships=list(c.memberships if member else c.active_memberships),
        join_requests=[r for r in c.join_requests if p is not None and can_see_request(p, c, r)],
        benefit_rule=c.benefit_rule if member else None,
    )
