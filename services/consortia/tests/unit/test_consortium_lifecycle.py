"""Consortium formation, joining, activation, leaving, lead hand-over and dissolution."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from consortia.domain import (
    BenefitRule,
    Consortium,
    ConsortiumKind,
    ConsortiumStatus,
    ContributionKind,
    JoinRequestStatus,
    MembershipRole,
    OrganizationKind,
    active_role,
    is_active_member,
    is_lead,
)
from dovetail_shared.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from dovetail_shared.events.consortia import (
    ConsortiumActivated,
    ConsortiumDissolved,
    ConsortiumFormed,
    JoinRequested,
    JoinRequestRejected,
    LeadTransferred,
    MemberJoined,
    MemberLeft,
    MemberRoleChanged,
)

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY


def payload_types(events: list) -> list[type]:
    return [type(e.payload) for e in events]


# --------------------------------------------------------------------------------------------- formation


def test_form_makes_the_lead_a_member_and_emits_formed_then_joined(today: date) -> None:
    lead = uuid.uuid4()
    consortium, events = Consortium.form(
        " Suzhou Consortium ",
        ConsortiumKind.INDUSTRY_COMMUNITY,
        "charter text",
        lead,
        OrganizationKind.ENTERPRISE,
        today,
        lead_org_verified=True,
        name_zh="苏州产教联合体",
        now=NOW,
    )

    assert consortium.status == ConsortiumStatus.FORMING
    assert consortium.name == "Suzhou Consortium"
    assert consortium.lead_organization_id == lead
    [membership] = consortium.memberships
    assert (membership.organization_id, membership.role, membership.joined_on) == (
        lead,
        MembershipRole.LEAD,
        today,
    )
    assert payload_types(events) == [ConsortiumFormed, MemberJoined]
    assert all(e.subject == consortium.id for e in events)
    assert events[1].payload.role == "lead"


def test_form_refuses_unverified_lead_and_missing_text(today: date) -> None:
    with pytest.raises(ValidationFailed) as err:
        Consortium.form(
            "",
            ConsortiumKind.PROJECT,
            " ",
            uuid.uuid4(),
            OrganizationKind.COLLEGE,
            today,
            lead_org_verified=False,
            now=NOW,
        )
    assert {(v.field, v.rule) for v in err.value.violations} == {
        ("name", "required"),
        ("charter", "required"),
        ("lead_organization_id", "organization_not_verified"),
    }


# ------------------------------------------------------------------------------------- joining, activation


def test_request_is_pending_until_the_lead_decides(forming: Consortium, today: date) -> None:
    org = uuid.uuid4()
    request, events = forming.request_to_join(
        org, OrganizationKind.ENTERPRISE, MembershipRole.CORE, today, organization_verified=True, now=NOW
    )
    assert payload_types(events) == [JoinRequested]
    assert events[0].payload.request_id == request.id
    assert events[0].payload.requested_role == "core"
    assert events[0].subject == forming.id
    assert request.status == JoinRequestStatus.PENDING
    assert forming.join_requests == [request]
    assert not forming.is_active_member(org)


def test_approval_adds_member_in_requested_role(forming: Consortium, today: date) -> None:
    org = uuid.uuid4()
    request, _ = forming.request_to_join(
        org, OrganizationKind.RESEARCH_INSTITUTE, MembershipRole.CORE, today, organization_verified=True, now=NOW
    )

    events = forming.approve_request(request.id, today, now=NOW)

    assert payload_types(events) == [MemberJoined]
    assert events[0].payload.organization_id == org
    assert forming.membership_of(org).role == MembershipRole.CORE  # type: ignore[union-attr]
    assert request.status == JoinRequestStatus.APPROVED
    assert request.decided_on == today


def test_becomes_active_once_a_college_and_an_enterprise_are_members(forming: Consortium, admit, today: date) -> None:
    # The lead is a college; a research institute alone must not activate it.
    admit(forming, OrganizationKind.RESEARCH_INSTITUTE)
    assert forming.status == ConsortiumStatus.FORMING

    org = uuid.uuid4()
    request, _ = forming.request_to_join(
        org, OrganizationKind.ENTERPRISE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )
    events = forming.approve_request(request.id, today, now=NOW)

    assert forming.status == ConsortiumStatus.ACTIVE
    assert forming.activated_on == today
    assert payload_types(events) == [MemberJoined, ConsortiumActivated]
    assert events[1].subject == forming.id


def test_two_enterprises_without_a_college_stay_forming(today: date, admit) -> None:
    consortium, _ = Consortium.form(
        "Firms only",
        ConsortiumKind.PROJECT,
        "charter",
        uuid.uuid4(),
        OrganizationKind.ENTERPRISE,
        today,
        lead_org_verified=True,
        now=NOW,
    )
    admit(consortium, OrganizationKind.ENTERPRISE)
    admit(consortium, OrganizationKind.GOVERNMENT)
    assert consortium.status == ConsortiumStatus.FORMING


def test_activation_is_announced_once(active: Consortium, admit, today: date) -> None:
    org = uuid.uuid4()
    request, _ = active.request_to_join(
        org, OrganizationKind.COLLEGE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )
    assert payload_types(active.approve_request(request.id, today, now=NOW)) == [MemberJoined]


def test_joining_twice_is_a_conflict(forming: Consortium, admit, today: date) -> None:
    org = admit(forming, OrganizationKind.ENTERPRISE)
    with pytest.raises(Conflict) as err:
        forming.request_to_join(
            org, OrganizationKind.ENTERPRISE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
        )
    assert err.value.violations[0].rule == "already_member"


def test_second_pending_request_is_a_conflict(forming: Consortium, today: date) -> None:
    org = uuid.uuid4()
    forming.request_to_join(
        org, OrganizationKind.COLLEGE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )
    with pytest.raises(Conflict) as err:
        forming.request_to_join(
            org, OrganizationKind.COLLEGE, MembershipRole.OBSERVER, today, organization_verified=True, now=NOW
        )
    assert err.value.violations[0].rule == "request_pending"


def test_lead_role_cannot_be_requested(forming: Consortium, today: date) -> None:
    with pytest.raises(ValidationFailed) as err:
        forming.request_to_join(
            uuid.uuid4(), OrganizationKind.COLLEGE, MembershipRole.LEAD, today, organization_verified=True, now=NOW
        )
    assert err.value.violations[0].rule == "lead_not_requestable"


def test_unverified_organisation_cannot_request(forming: Consortium, today: date) -> None:
    with pytest.raises(ValidationFailed) as err:
        forming.request_to_join(
            uuid.uuid4(),
            OrganizationKind.ENTERPRISE,
            MembershipRole.MEMBER,
            today,
            organization_verified=False,
            now=NOW,
        )
    assert err.value.violations[0].rule == "organization_not_verified"
    assert forming.join_requests == []


def test_reject_request_records_reason_and_allows_a_new_request(forming: Consortium, today: date) -> None:
    org = uuid.uuid4()
    request, _ = forming.request_to_join(
        org, OrganizationKind.ENTERPRISE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )

    events = forming.reject_request(request.id, " no training capacity ", today, now=NOW)

    assert payload_types(events) == [JoinRequestRejected]
    assert events[0].payload.reason == "no training capacity"
    assert events[0].payload.request_id == request.id

    assert request.status == JoinRequestStatus.REJECTED
    assert request.reason == "no training capacity"
    assert not forming.is_active_member(org)
    again, _ = forming.request_to_join(
        org, OrganizationKind.ENTERPRISE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )
    assert again.id != request.id


def test_reject_request_needs_a_reason(forming: Consortium, today: date) -> None:
    request, _ = forming.request_to_join(
        uuid.uuid4(), OrganizationKind.ENTERPRISE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )
    with pytest.raises(ValidationFailed) as err:
        forming.reject_request(request.id, "", today, now=NOW)
    assert err.value.violations[0].rule == "reason_required"
    assert request.status == JoinRequestStatus.PENDING


def test_a_decided_request_cannot_be_decided_again(forming: Consortium, today: date) -> None:
    request, _ = forming.request_to_join(
        uuid.uuid4(), OrganizationKind.ENTERPRISE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )
    forming.approve_request(request.id, today, now=NOW)
    with pytest.raises(InvalidTransition):
        forming.approve_request(request.id, today, now=NOW)
    with pytest.raises(InvalidTransition):
        forming.reject_request(request.id, "too late", today, now=NOW)


def test_unknown_request_is_not_found(forming: Consortium, today: date) -> None:
    with pytest.raises(NotFound):
        forming.approve_request(uuid.uuid4(), today, now=NOW)


# ------------------------------------------------------------------------------------------------ leaving


def test_member_leaves_and_may_rejoin_later(active: Consortium, admit, today: date) -> None:
    org = admit(active, OrganizationKind.ASSOCIATION, MembershipRole.OBSERVER)
    later = today + timedelta(days=30)

    events = active.leave(org, later, now=NOW)

    assert payload_types(events) == [MemberLeft]
    assert events[0].payload.left_on == later
    assert events[0].payload.role == "observer"
    assert not active.is_active_member(org)
    request, _ = active.request_to_join(
        org, OrganizationKind.ASSOCIATION, MembershipRole.MEMBER, later, organization_verified=True, now=NOW
    )
    active.approve_request(request.id, later, now=NOW)
    stints = [m for m in active.memberships if m.organization_id == org]
    assert [(m.left_on, m.is_active) for m in stints] == [(later, False), (None, True)]


def test_lead_cannot_leave(active: Consortium, lead_id: uuid.UUID, today: date) -> None:
    with pytest.raises(ValidationFailed) as err:
        active.leave(lead_id, today, now=NOW)
    assert err.value.violations[0].rule == "lead_cannot_leave"
    assert active.is_active_member(lead_id)


def test_non_member_cannot_leave(active: Consortium, today: date) -> None:
    with pytest.raises(NotFound):
        active.leave(uuid.uuid4(), today, now=NOW)


def test_active_consortium_stays_active_when_its_only_enterprise_leaves(active: Consortium, today: date) -> None:
    firm = next(m.organization_id for m in active.memberships if m.organization_kind == OrganizationKind.ENTERPRISE)
    active.leave(firm, today, now=NOW)
    assert active.status == ConsortiumStatus.ACTIVE


# ------------------------------------------------------------------------------------ roles and the lead


def test_change_role_among_non_lead_roles(active: Consortium, admit) -> None:
    org = admit(active, OrganizationKind.ENTERPRISE, MembershipRole.MEMBER)
    events = active.change_role(org, MembershipRole.CORE, now=NOW)
    assert active_role(active.memberships, org) == MembershipRole.CORE
    assert payload_types(events) == [MemberRoleChanged]
    assert (events[0].payload.previous_role, events[0].payload.role) == ("member", "core")
    assert active.change_role(org, MembershipRole.CORE, now=NOW) == []  # no change, no event


def test_change_role_refuses_to_make_or_unmake_the_lead(active: Consortium, admit, lead_id: uuid.UUID) -> None:
    org = admit(active, OrganizationKind.ENTERPRISE)
    with pytest.raises(ValidationFailed) as err:
        active.change_role(org, MembershipRole.LEAD, now=NOW)
    assert err.value.violations[0].rule == "use_transfer_lead"
    with pytest.raises(ValidationFailed) as err:
        active.change_role(lead_id, MembershipRole.MEMBER, now=NOW)
    assert err.value.violations[0].rule == "lead_role_fixed"


def test_transfer_lead_then_old_lead_may_leave(active: Consortium, admit, lead_id: uuid.UUID, today: date) -> None:
    new_lead = admit(active, OrganizationKind.COLLEGE)

    events = active.transfer_lead(new_lead, now=NOW)

    assert payload_types(events) == [MemberRoleChanged, MemberRoleChanged, LeadTransferred]
    assert [(e.payload.organization_id, e.payload.role) for e in events[:2]] == [(lead_id, "core"), (new_lead, "lead")]
    assert events[2].payload.previous_lead_organization_id == lead_id
    assert events[2].payload.lead_organization_id == new_lead

    assert active.lead_organization_id == new_lead
    assert is_lead(active.memberships, new_lead)
    assert not is_lead(active.memberships, lead_id)
    assert active_role(active.memberships, lead_id) == MembershipRole.CORE
    active.leave(lead_id, today, now=NOW)
    assert not is_active_member(active.memberships, lead_id)


def test_transfer_lead_needs_an_active_member(active: Consortium, lead_id: uuid.UUID) -> None:
    with pytest.raises(ValidationFailed) as err:
        active.transfer_lead(uuid.uuid4(), now=NOW)
    assert err.value.violations[0].rule == "not_active_member"
    with pytest.raises(ValidationFailed) as err:
        active.transfer_lead(lead_id, now=NOW)
    assert err.value.violations[0].rule == "already_lead"


# -------------------------------------------------------------------------------------------- dissolution


def test_dissolve_closes_memberships_and_pending_requests(active: Consortium, today: date) -> None:
    pending, _ = active.request_to_join(
        uuid.uuid4(), OrganizationKind.COLLEGE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )
    members = {m.organization_id for m in active.active_memberships}
    end = today + timedelta(days=365)

    events = active.dissolve(end, now=NOW)

    assert active.status == ConsortiumStatus.DISSOLVED
    assert active.dissolved_on == end
    assert active.active_memberships == []
    assert pending.status == JoinRequestStatus.REJECTED
    assert payload_types(events) == [JoinRequestRejected, MemberLeft, MemberLeft, ConsortiumDissolved]
    assert events[0].payload.request_id == pending.id
    assert {e.payload.organization_id for e in events[1:-1]} == members
    assert all(e.subject == active.id for e in events)


def test_forming_consortium_can_be_dissolved(forming: Consortium, today: date) -> None:
    forming.dissolve(today, now=NOW)
    assert forming.status == ConsortiumStatus.DISSOLVED


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda c, org, d: c.dissolve(d, now=NOW), id="dissolve"),
        pytest.param(
            lambda c, org, d: c.request_to_join(
                uuid.uuid4(), OrganizationKind.COLLEGE, MembershipRole.MEMBER, d, organization_verified=True, now=NOW
            ),
            id="request_to_join",
        ),
        pytest.param(lambda c, org, d: c.leave(org, d, now=NOW), id="leave"),
        pytest.param(lambda c, org, d: c.change_role(org, MembershipRole.CORE, now=NOW), id="change_role"),
        pytest.param(lambda c, org, d: c.transfer_lead(org, now=NOW), id="transfer_lead"),
        pytest.param(
            lambda c, org, d: c.record_contribution(
                org, ContributionKind.FUNDING, Decimal(1), "CNY", Decimal("1.00"), d, d, now=NOW
            ),
            id="record_contribution",
        ),
        pytest.param(
            lambda c, org, d: c.set_benefit_rule(BenefitRule.weighted(d, d), now=NOW),
            id="set_benefit_rule",
        ),
        pytest.param(
            lambda c, org, d: c.distribute(Decimal("10.00"), "CNY", [], uuid.uuid4(), d, now=NOW),
            id="distribute",
        ),
    ],
)
def test_dissolved_consortium_refuses_every_change(active: Consortium, admit, today: date, change) -> None:
    org = admit(active, OrganizationKind.ENTERPRISE)
    active.dissolve(today, now=NOW)
    before = active.model_dump()

    with pytest.raises(InvalidTransition) as err:
        change(active, org, today)

    assert err.value.current == "dissolved"
    assert active.model_dump() == before


def test_dissolved_consortium_refuses_request_decisions(active: Consortium, today: date) -> None:
    request, _ = active.request_to_join(
        uuid.uuid4(), OrganizationKind.COLLEGE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )
    active.dissolve(today, now=NOW)
    with pytest.raises(InvalidTransition):
        active.approve_request(request.id, today, now=NOW)
    with pytest.raises(InvalidTransition):
        active.reject_request(request.id, "closed", today, now=NOW)


def test_consortium_round_trips_through_its_storage_form(active: Consortium, admit, today: date) -> None:
    admit(active, OrganizationKind.COLLEGE, MembershipRole.CORE)
    active.request_to_join(
        uuid.uuid4(), OrganizationKind.COLLEGE, MembershipRole.MEMBER, today, organization_verified=True, now=NOW
    )
    active.set_benefit_rule(BenefitRule.weighted(today, today, [ContributionKind.FUNDING]), now=NOW)

    restored = Consortium.model_validate(active.model_dump(mode="json"))

    assert restored == active


def test_unknown_roles_and_kinds_are_named_violations_not_value_errors(forming: Consortium, today: date) -> None:
    org = uuid.uuid4()
    with pytest.raises(ValidationFailed) as err:
        forming.request_to_join(org, OrganizationKind.ENTERPRISE, "boss", today, organization_verified=True, now=NOW)  # type: ignore[arg-type]
    assert [(v.field, v.rule) for v in err.value.violations] == [("requested_role", "one_of")]
    with pytest.raises(ValidationFailed) as err:
        forming.request_to_join(org, "guild", MembershipRole.MEMBER, today, organization_verified=True, now=NOW)  # type: ignore[arg-type]
    assert [(v.field, v.rule) for v in err.value.violations] == [("organization_kind", "one_of")]
    with pytest.raises(ValidationFailed) as err:
        forming.change_role(org, "boss", now=NOW)  # type: ignore[arg-type]
    assert [(v.field, v.rule) for v in err.value.violations] == [("role", "one_of")]
