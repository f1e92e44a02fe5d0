"""Who may do what: the policy predicates the service enforces, on plain objects."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from consortia.domain import (
    Consortium,
    MembershipRole,
    Organization,
    OrganizationKind,
    can_manage,
    can_record_for,
    can_remove,
    can_resubmit,
    can_see_request,
    can_view_ledger,
    can_view_organization,
    is_admin_of,
)
from dovetail_shared.principal import Principal, Role

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY


def caller(*roles: Role, org: uuid.UUID | None = None, sub: str = "u") -> Principal:
    return Principal(sub=sub, org=org, roles=frozenset(roles))


def firm_of(active: Consortium) -> uuid.UUID:
    return next(m.organization_id for m in active.active_memberships if m.role != MembershipRole.LEAD)


def test_admins_are_college_or_firm_admins_of_that_organisation() -> None:
    org = uuid.uuid4()
    assert is_admin_of(caller(Role.COLLEGE_ADMIN, org=org), org)
    assert is_admin_of(caller(Role.FIRM_ADMIN, org=org), org)
    assert not is_admin_of(caller(Role.TEACHER, org=org), org)
    assert not is_admin_of(caller(Role.FIRM_ADMIN, org=uuid.uuid4()), org)
    assert not is_admin_of(caller(Role.OPERATOR), org)


def test_only_the_leads_admins_manage(active: Consortium, lead_id: uuid.UUID) -> None:
    assert can_manage(caller(Role.COLLEGE_ADMIN, org=lead_id), active)
    assert not can_manage(caller(Role.TEACHER, org=lead_id), active)
    assert not can_manage(caller(Role.FIRM_ADMIN, org=firm_of(active)), active)
    assert not can_manage(caller(Role.OPERATOR), active)


def test_ledger_is_for_member_staff_and_operators(active: Consortium, lead_id: uuid.UUID) -> None:
    firm = firm_of(active)
    assert can_view_ledger(caller(Role.MENTOR, org=firm), active)
    assert can_view_ledger(caller(Role.TEACHER, org=lead_id), active)
    assert can_view_ledger(caller(Role.OPERATOR), active)
    assert not can_view_ledger(caller(Role.LEARNER, org=lead_id), active)
    assert not can_view_ledger(caller(Role.FIRM_ADMIN, org=uuid.uuid4()), active)


def test_a_member_that_left_loses_the_ledger_but_members_at_dissolution_keep_it(
    active: Consortium, admit, lead_id: uuid.UUID, today: date
) -> None:
    early = admit(active, OrganizationKind.ASSOCIATION)
    active.leave(early, today, now=NOW)
    assert not can_view_ledger(caller(Role.FIRM_ADMIN, org=early), active)
    active.dissolve(today + timedelta(days=1), now=NOW)
    assert can_view_ledger(caller(Role.COLLEGE_ADMIN, org=lead_id), active)
    assert can_view_ledger(caller(Role.FIRM_ADMIN, org=firm_of_history(active)), active)
    assert not can_view_ledger(caller(Role.FIRM_ADMIN, org=early), active)


def test_a_member_removed_on_the_day_of_dissolution_does_not_regain_the_ledger(
    active: Consortium, admit, lead_id: uuid.UUID, today: date
) -> None:
    removed = admit(active, OrganizationKind.ASSOCIATION)
    active.leave(removed, today, now=NOW)
    active.dissolve(today, now=NOW)
    assert next(m for m in active.memberships if m.organization_id == removed).left_on == active.dissolved_on
    assert not can_view_ledger(caller(Role.FIRM_ADMIN, org=removed), active)
    assert can_view_ledger(caller(Role.COLLEGE_ADMIN, org=lead_id), active)
    assert can_view_ledger(caller(Role.FIRM_ADMIN, org=firm_of_history(active)), active)


def firm_of_history(c: Consortium) -> uuid.UUID:
    return next(m.organization_id for m in c.memberships if m.organization_kind == OrganizationKind.ENTERPRISE)


def test_applicants_see_their_own_requests_only(active: Consortium, today: date) -> None:
    mine, other = uuid.uuid4(), uuid.uuid4()
    r1, _ = active.request_to_join(
        mine, OrganizationKind.ENTERPRISE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )
    r2, _ = active.request_to_join(
        other, OrganizationKind.ENTERPRISE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )
    applicant = caller(Role.FIRM_ADMIN, org=mine)
    assert can_see_request(applicant, active, r1)
    assert not can_see_request(applicant, active, r2)
    assert can_see_request(caller(Role.RECRUITER, org=firm_of(active)), active, r2)


def test_contributions_and_removals_own_or_by_the_lead(active: Consortium, lead_id: uuid.UUID) -> None:
    firm = firm_of(active)
    assert can_record_for(caller(Role.FIRM_ADMIN, org=firm), active, firm)
    assert can_record_for(caller(Role.COLLEGE_ADMIN, org=lead_id), active, firm)
    assert not can_record_for(caller(Role.FIRM_ADMIN, org=firm), active, lead_id)
    assert not can_record_for(caller(Role.RECRUITER, org=firm), active, firm)
    assert can_remove(caller(Role.FIRM_ADMIN, org=firm), active, firm)
    assert can_remove(caller(Role.COLLEGE_ADMIN, org=lead_id), active, firm)
    assert not can_remove(caller(Role.FIRM_ADMIN, org=firm), active, lead_id)


def test_unvetted_organisations_are_seen_by_operators_themselves_and_their_registrant() -> None:
    org, _ = Organization.register(
        name="Acme", kind=OrganizationKind.COLLEGE, region="r", registration_number="1", registered_by="alice", now=NOW
    )
    assert not can_view_organization(None, org)
    assert not can_view_organization(caller(Role.FIRM_ADMIN, sub="bob"), org)
    assert can_view_organization(caller(Role.LEARNER, sub="alice"), org)
    assert can_view_organization(caller(Role.TEACHER, org=org.id), org)
    assert can_view_organization(caller(Role.OPERATOR), org)
    assert can_resubmit(caller(Role.LEARNER, sub="alice"), org)
    assert not can_resubmit(caller(Role.TEACHER, org=org.id), org)
    org.verify(now=NOW)
    assert can_view_organization(None, org)
