"""Pure predicates about who holds which place in a consortium, for the service's authorization checks."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from consortia.domain.consortium import Membership, MembershipRole


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
