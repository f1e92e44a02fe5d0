"""Consortia use cases on fakes: who may do what, the rules they enforce, events, versions; no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from consortia import service
from consortia.domain import (
    BenefitRule,
    Consortium,
    ConsortiumKind,
    ConsortiumStatus,
    Contribution,
    ContributionKind,
    Distribution,
    EnterpriseSize,
    JoinRequestStatus,
    LedgerTotal,
    MembershipRole,
    Organization,
    OrganizationKind,
    ValuedTotal,
    VerificationStatus,
    ledger_totals,
    valued_totals,
)
from consortia.repository import registration_number_taken
from dovetail_shared.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    ValidationFailed,
    VersionConflict,
)
from dovetail_shared.events.consortia import (
    BenefitDistributed,
    BenefitRuleSet,
    ConsortiumActivated,
    ConsortiumDissolved,
    ConsortiumFormed,
    ContributionRecorded,
    JoinRequested,
    JoinRequestRejected,
    LeadTransferred,
    MemberJoined,
    MemberLeft,
    MemberRoleChanged,
    OrganizationRegistered,
    OrganizationRejected,
    OrganizationVerified,
)
from dovetail_shared.messaging.memory import FakeUnitOfWork
from dovetail_shared.principal import Principal, Role
from dovetail_shared.repository import InMemoryRepository

TODAY = date(2025, 3, 1)
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY

# ------------------------------------------------------------------------------------------------- fakes


class FakeOrganizations(InMemoryRepository[Organization]):
    entity_name = "organization"

    # As the real repository: a registration number (any case) is held by at most one organisation that is
    # not rejected; adding or saving another holder is a named 409.

    async def add(self, agg: Organization) -> None:
        await self._ensure_number_free(agg)
        await super().add(agg)

    async def save(self, agg: Organization, *, expected_version: int | None = None) -> None:
        await self._ensure_number_free(agg)
        await super().save(agg, expected_version=expected_version)

    async def by_registration_number(self, number: str) -> Organization | None:
        found = next(
            (
                o
                for o in self.items.values()
                if o.registration_number.upper() == number.upper()
                and o.verification_status != VerificationStatus.REJECTED
            ),
            None,
        )
        return None if found is None else found.model_copy(deep=True)

    async def _ensure_number_free(self, agg: Organization) -> None:
        if agg.verification_status == VerificationStatus.REJECTED:
            return
        holder = await self.by_registration_number(agg.registration_number)
        if holder is not None and holder.id != agg.id:
            raise registration_number_taken()


class FakeConsortia(InMemoryRepository[Consortium]):
    entity_name = "consortium"


class FakeContributions(InMemoryRepository[Contribution]):
    entity_name = "contribution"

    def _of(
        self,
        consortium_id: uuid.UUID,
        *,
        organization_id: uuid.UUID | None = None,
        kind: ContributionKind | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> list[Contribution]:
        return [
            c.model_copy(deep=True)
            for c in self.items.values()
            if c.consortium_id == consortium_id
            and (organization_id is None or c.organization_id == organization_id)
            and (kind is None or c.kind == kind)
            and (date_from is None or c.contributed_on >= date_from)
            and (date_to is None or c.contributed_on <= date_to)
        ]

    async def ledger(
        self, consortium_id: uuid.UUID, *, limit: int, offset: int, **filters: Any
    ) -> tuple[list[Contribution], int]:
        lines = sorted(self._of(consortium_id, **filters), key=lambda c: (c.contributed_on, c.created_at))
        return lines[offset : offset + limit], len(lines)

    async def valued_totals(
        self, consortium_id: uuid.UUID, *, period_from: date, period_to: date, kinds: list[ContributionKind] | None
    ) -> list[ValuedTotal]:
        return valued_totals(self.items.values(), consortium_id, period_from, period_to, kinds)

    async def totals(
        self, consortium_id: uuid.UUID, *, date_from: date | None, date_to: date | None
    ) -> dict[uuid.UUID, dict[ContributionKind, LedgerTotal]]:
        return ledger_totals(self._of(consortium_id, date_from=date_from, date_to=date_to))


class FakeDistributions(InMemoryRepository[Distribution]):
    entity_name = "distribution"

    async def for_consortium(
        self, consortium_id: uuid.UUID, *, limit: int, offset: int
    ) -> tuple[list[Distribution], int]:
        found = sorted((d for d in self.items.values() if d.consortium_id == consortium_id), key=lambda d: d.created_at)
        return [d.model_copy(deep=True) for d in found[offset : offset + limit]], len(found)


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture
def repos() -> dict[str, Any]:
    """The store every unit of work of a test shares, as the database would be."""
    return {
        "organizations": FakeOrganizations(),
        "consortia": FakeConsortia(),
        "contributions": FakeContributions(),
        "distributions": FakeDistributions(),
    }


@pytest.fixture
def uow(repos: dict[str, Any]) -> FakeUnitOfWork:
    """The unit of work of the request under test; setup goes through its own, committed ones."""
    return FakeUnitOfWork(**repos)


def who(org: uuid.UUID | None, *roles: Role, sub: str | None = None) -> Principal:
    return Principal(sub=sub or f"user-{uuid.uuid4().hex[:6]}", org=org, roles=frozenset(roles))


OPERATOR = who(None, Role.OPERATOR)


async def registered(
    repos: dict[str, Any],
    kind: OrganizationKind = OrganizationKind.ENTERPRISE,
    *,
    status: VerificationStatus = VerificationStatus.VERIFIED,
    registered_by: str | None = None,
) -> Organization:
    org, _ = Organization.register(
        name=f"{kind} {uuid.uuid4().hex[:4]}",
        kind=kind,
        region="Suzhou",
        registration_number=uuid.uuid4().hex[:18].upper(),
        size=EnterpriseSize.SME if kind == OrganizationKind.ENTERPRISE else None,
        registered_by=registered_by,
        now=NOW,
    )
    if status == VerificationStatus.VERIFIED:
        org.verify(now=NOW)
    elif status == VerificationStatus.REJECTED:
        org.reject("papers unreadable", now=NOW)
    await repos["organizations"].add(org)
    return org


@dataclass
class World:
    """An active consortium led by a college, with one enterprise member, and an outside enterprise."""

    consortium: Consortium
    college: Organization
    firm: Organization
    outsider: Organization

    @property
    def lead_admin(self) -> Principal:
        return who(self.college.id, Role.COLLEGE_ADMIN)

    @property
    def firm_admin(self) -> Principal:
        return who(self.firm.id, Role.FIRM_ADMIN)

    @property
    def outsider_admin(self) -> Principal:
        return who(self.outsider.id, Role.FIRM_ADMIN)


@pytest.fixture
async def world(repos: dict[str, Any]) -> World:
    college = await registered(repos, OrganizationKind.COLLEGE)
    firm = await registered(repos)
    outsider = await registered(repos)
    lead_admin, firm_admin = who(college.id, Role.COLLEGE_ADMIN), who(firm.id, Role.FIRM_ADMIN)
    setup = FakeUnitOfWork(**repos)
    c = await service.form_consortium(
        setup,
        lead_admin,
        name="Suzhou Smart Manufacturing",
        kind=ConsortiumKind.CITY_CONSORTIUM,
        charter="Co-design curricula.",
        now=NOW,
    )
    _, request = await service.request_to_join(
        setup,
        firm_admin,
        c.id,
        organization_id=None,
        requested_role=MembershipRole.MEMBER,
        now=NOW,
        expected_version=None,
    )
    c = await service.decide_join_request(
        setup, lead_admin, c.id, request.id, approve=True, now=NOW, expected_version=None
    )
    await setup.commit()
    assert c.status == ConsortiumStatus.ACTIVE
    return World(c, college, firm, outsider)


def types(uow: FakeUnitOfWork) -> list[type]:
    return [type(e.payload) for e in uow.events]


def violations(err: DomainError) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in err.violations]


async def version_of(uow: FakeUnitOfWork, consortium_id: uuid.UUID) -> int:
    return (await uow.consortia.require(consortium_id)).version


# ------------------------------------------------------------------------------------------ organisations


async def test_anyone_signed_in_registers_an_organisation_pending_vetting(uow: FakeUnitOfWork) -> None:
    applicant = who(None, sub="applicant-1")
    org = await service.register_organization(
        uow,
        applicant,
        name="Suzhou Robotics",
        kind=OrganizationKind.ENTERPRISE,
        region="Suzhou",
        registration_number="91320500MA1XYZ",
        size=EnterpriseSize.SME,
        now=NOW,
    )
    stored = await uow.organizations.require(org.id)
    assert stored.version == 1
    assert stored.verification_status == VerificationStatus.PENDING
    assert stored.registered_by == "applicant-1"
    assert types(uow) == [OrganizationRegistered]
    assert uow.commits == 0 and uow.published == []

    await uow.commit()
    assert [e.type for e in uow.published] == [OrganizationRegistered.event_type]


async def test_a_taken_registration_number_is_a_conflict_and_nothing_is_emitted(
    uow: FakeUnitOfWork, repos: dict[str, Any]
) -> None:
    existing = await registered(repos)
    with pytest.raises(Conflict) as exc:
        await service.register_organization(
            uow,
            who(None),
            name="Copycat",
            kind=OrganizationKind.ENTERPRISE,
            region="Suzhou",
            registration_number=existing.registration_number.lower(),
            size=EnterpriseSize.MICRO,
            now=NOW,
        )
    assert violations(exc.value) == [("registration_number", "unique")]
    # Non-committal: the holder may be a pending applicant that strangers may not learn of.
    assert existing.registration_number.lower() not in exc.value.detail.lower()
    assert (
        exc.value.violations[0].message == "this registration number cannot be registered; contact a platform operator"
    )
    assert uow.events == []


async def test_a_rejected_organisation_releases_its_number_and_cannot_take_it_back_once_held(
    uow: FakeUnitOfWork, repos: dict[str, Any]
) -> None:
    squatter = await registered(repos, status=VerificationStatus.REJECTED, registered_by="squatter")
    genuine = await service.register_organization(
        uow,
        who(None),
        name="The genuine firm",
        kind=OrganizationKind.ENTERPRISE,
        region="Suzhou",
        registration_number=squatter.registration_number.lower(),
        size=EnterpriseSize.LARGE,
        now=NOW,
    )
    assert (await uow.organizations.require(genuine.id)).verification_status == VerificationStatus.PENDING

    with pytest.raises(Conflict) as exc:
        await service.decide_organization(uow, who(None, sub="squatter"), squatter.id, "resubmit", 1, now=NOW)
    assert violations(exc.value) == [("registration_number", "unique")]
    assert (await uow.organizations.require(squatter.id)).verification_status == VerificationStatus.REJECTED


async def test_a_pending_organisation_is_hidden_from_everyone_but_its_people(
    uow: FakeUnitOfWork, repos: dict[str, Any]
) -> None:
    org = await registered(repos, status=VerificationStatus.PENDING, registered_by="registrant")
    for p in (None, who(None), who(uuid.uuid4(), Role.FIRM_ADMIN)):
        with pytest.raises(NotFound):
            await service.get_organization(uow, p, org.id)
    for p in (OPERATOR, who(None, sub="registrant"), who(org.id, Role.RECRUITER)):
        assert (await service.get_organization(uow, p, org.id)).id == org.id


async def test_a_verified_organisation_is_public(uow: FakeUnitOfWork, repos: dict[str, Any]) -> None:
    org = await registered(repos)
    assert (await service.get_organization(uow, None, org.id)).id == org.id


async def test_an_operator_verifies_and_the_event_waits_for_the_commit(
    uow: FakeUnitOfWork, repos: dict[str, Any]
) -> None:
    org = await registered(repos, status=VerificationStatus.PENDING)
    verified = await service.decide_organization(uow, OPERATOR, org.id, "verify", 1, now=NOW)
    assert verified.is_verified
    assert (await uow.organizations.require(org.id)).version == 2
    assert types(uow) == [OrganizationVerified]
    assert uow.commits == 0


async def test_an_operator_rejects_with_a_reason(uow: FakeUnitOfWork, repos: dict[str, Any]) -> None:
    org = await registered(repos, status=VerificationStatus.PENDING)
    with pytest.raises(ValidationFailed) as exc:
        await service.decide_organization(uow, OPERATOR, org.id, "reject", None, reason="  ", now=NOW)
    assert violations(exc.value) == [("reason", "reason_required")]

    await service.decide_organization(uow, OPERATOR, org.id, "reject", 1, reason="licence expired", now=NOW)
    assert types(uow) == [OrganizationRejected]
    assert (await uow.organizations.require(org.id)).rejection_reason == "licence expired"


@pytest.mark.parametrize("action", ["verify", "reject"])
async def test_only_operators_vet_organisations(uow: FakeUnitOfWork, repos: dict[str, Any], action: str) -> None:
    org = await registered(repos, status=VerificationStatus.PENDING, registered_by="registrant")
    for p in (who(org.id, Role.FIRM_ADMIN), who(None, sub="registrant"), who(uuid.uuid4(), Role.COLLEGE_ADMIN)):
        with pytest.raises(Forbidden):
            await service.decide_organization(uow, p, org.id, action, None, reason="because", now=NOW)
    # Refused before the lookup: a non-operator learns nothing about which ids exist.
    with pytest.raises(Forbidden):
        await service.decide_organization(uow, who(None), uuid.uuid4(), action, None, now=NOW)
    assert (await uow.organizations.require(org.id)).verification_status == VerificationStatus.PENDING
    assert uow.events == []


async def test_the_registrant_or_the_organisations_admin_resubmits(uow: FakeUnitOfWork, repos: dict[str, Any]) -> None:
    org = await registered(repos, status=VerificationStatus.REJECTED, registered_by="registrant")
    with pytest.raises(Forbidden):  # its teacher sees it, but may not speak for it
        await service.decide_organization(uow, who(org.id, Role.TEACHER), org.id, "resubmit", None, now=NOW)
    with pytest.raises(NotFound):  # a stranger does not even see a rejected organisation
        await service.decide_organization(uow, who(uuid.uuid4(), Role.FIRM_ADMIN), org.id, "resubmit", None, now=NOW)

    again = await service.decide_organization(uow, who(None, sub="registrant"), org.id, "resubmit", 1, now=NOW)
    assert again.verification_status == VerificationStatus.PENDING
    assert uow.events == []  # nothing another service needs to know until the operator decides again


async def test_vetting_with_a_stale_version_conflicts(uow: FakeUnitOfWork, repos: dict[str, Any]) -> None:
    org = await registered(repos, status=VerificationStatus.PENDING)
    with pytest.raises(VersionConflict):
        await service.decide_organization(uow, OPERATOR, org.id, "verify", 2, now=NOW)
    assert (await uow.organizations.require(org.id)).verification_status == VerificationStatus.PENDING
    assert uow.events == []


# ---------------------------------------------------------------------------------------- forming


def form_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "name": "Kunshan Precision Alliance",
        "kind": ConsortiumKind.INDUSTRY_COMMUNITY,
        "charter": "Share equipment and placements.",
        "now": NOW,
    }
    return {**args, **overrides}


async def test_a_verified_colleges_admin_forms_a_consortium(uow: FakeUnitOfWork, repos: dict[str, Any]) -> None:
    college = await registered(repos, OrganizationKind.COLLEGE)
    c = await service.form_consortium(uow, who(college.id, Role.COLLEGE_ADMIN), **form_args())
    stored = await uow.consortia.require(c.id)
    assert stored.version == 1
    assert stored.lead_organization_id == college.id
    assert [(m.organization_id, m.role) for m in stored.memberships] == [(college.id, MembershipRole.LEAD)]
    assert types(uow) == [ConsortiumFormed, MemberJoined]
    assert uow.commits == 0


async def test_only_an_admin_of_the_lead_forms_a_consortium(uow: FakeUnitOfWork, repos: dict[str, Any]) -> None:
    college = await registered(repos, OrganizationKind.COLLEGE)
    other = await registered(repos)
    for p, lead in (
        (who(college.id, Role.TEACHER), None),
        (who(other.id, Role.FIRM_ADMIN), college.id),  # naming someone else as the lead
        (OPERATOR, college.id),  # operators vet organisations, they do not run consortia
    ):
        with pytest.raises(Forbidden):
            await service.form_consortium(uow, p, **form_args(lead_organization_id=lead))
    assert uow.consortia.items == {}
    assert uow.events == []


async def test_the_lead_must_be_a_known_verified_organisation(uow: FakeUnitOfWork, repos: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await service.form_consortium(uow, who(uuid.uuid4(), Role.COLLEGE_ADMIN), **form_args())
    assert violations(exc.value) == [("lead_organization_id", "known_organization")]

    pending = await registered(repos, OrganizationKind.COLLEGE, status=VerificationStatus.PENDING)
    with pytest.raises(ValidationFailed) as exc:
        await service.form_consortium(uow, who(pending.id, Role.COLLEGE_ADMIN), **form_args())
    assert violations(exc.value) == [("lead_organization_id", "organization_not_verified")]

    with pytest.raises(ValidationFailed) as exc:
        await service.form_consortium(uow, who(None, Role.COLLEGE_ADMIN), **form_args())
    assert violations(exc.value) == [("lead_organization_id", "required")]
    assert uow.consortia.items == {}


# ----------------------------------------------------------------------------------------- joining


async def test_an_enterprises_admin_asks_to_join(uow: FakeUnitOfWork, world: World) -> None:
    c, request = await service.request_to_join(
        uow,
        world.outsider_admin,
        world.consortium.id,
        organization_id=None,
        requested_role=MembershipRole.CORE,
        now=NOW,
        expected_version=world.consortium.version,
    )
    assert request.organization_id == world.outsider.id
    stored = await uow.consortia.require(c.id)
    assert stored.version == world.consortium.version + 1
    assert [r.status for r in stored.join_requests if r.id == request.id] == [JoinRequestStatus.PENDING]
    assert types(uow) == [JoinRequested]
    assert uow.commits == 0


async def test_joining_is_asked_by_the_organisations_own_admin(uow: FakeUnitOfWork, world: World) -> None:
    for p, org in (
        (who(world.outsider.id, Role.RECRUITER), None),
        (world.firm_admin, world.outsider.id),  # for another organisation
        (world.lead_admin, world.outsider.id),  # even the lead cannot enrol someone
    ):
        with pytest.raises(Forbidden):
            await service.request_to_join(
                uow,
                p,
                world.consortium.id,
                organization_id=org,
                requested_role=MembershipRole.MEMBER,
                now=NOW,
                expected_version=None,
            )
    assert await version_of(uow, world.consortium.id) == world.consortium.version


async def test_only_known_verified_organisations_ask_to_join(
    uow: FakeUnitOfWork, repos: dict[str, Any], world: World
) -> None:
    pending = await registered(repos, status=VerificationStatus.PENDING)
    cases = [(uuid.uuid4(), "known_organization"), (pending.id, "organization_not_verified")]
    for org_id, rule in cases:
        with pytest.raises(ValidationFailed) as exc:
            await service.request_to_join(
                uow,
                who(org_id, Role.FIRM_ADMIN),
                world.consortium.id,
                organization_id=None,
                requested_role=MembershipRole.MEMBER,
                now=NOW,
                expected_version=None,
            )
        assert violations(exc.value) == [("organization_id", rule)]
    assert uow.events == []


async def test_asking_to_join_an_unknown_consortium_is_not_found(uow: FakeUnitOfWork, world: World) -> None:
    with pytest.raises(NotFound):
        await service.request_to_join(
            uow,
            world.outsider_admin,
            uuid.uuid4(),
            organization_id=None,
            requested_role=MembershipRole.MEMBER,
            now=NOW,
            expected_version=None,
        )


async def test_asking_to_join_with_a_stale_version_conflicts(uow: FakeUnitOfWork, world: World) -> None:
    with pytest.raises(VersionConflict):
        await service.request_to_join(
            uow,
            world.outsider_admin,
            world.consortium.id,
            organization_id=None,
            requested_role=MembershipRole.MEMBER,
            now=NOW,
            expected_version=world.consortium.version - 1,
        )
    assert (await uow.consortia.require(world.consortium.id)).join_requests[1:] == []
    assert uow.events == []


async def pending_request(repos: dict[str, Any], world: World) -> tuple[uuid.UUID, int]:
    """The outsider's pending request, filed through its own committed unit of work; the new version."""
    setup = FakeUnitOfWork(**repos)
    c, request = await service.request_to_join(
        setup,
        world.outsider_admin,
        world.consortium.id,
        organization_id=None,
        requested_role=MembershipRole.MEMBER,
        now=NOW,
        expected_version=None,
    )
    await setup.commit()
    return request.id, c.version


async def test_the_leads_admin_approves_a_join_request(
    uow: FakeUnitOfWork, repos: dict[str, Any], world: World
) -> None:
    request_id, version = await pending_request(repos, world)
    c = await service.decide_join_request(
        uow, world.lead_admin, world.consortium.id, request_id, approve=True, now=NOW, expected_version=version
    )
    assert c.is_active_member(world.outsider.id)
    assert await version_of(uow, c.id) == version + 1
    assert types(uow) == [MemberJoined]


async def test_approving_the_first_enterprise_activates_the_consortium(
    uow: FakeUnitOfWork, repos: dict[str, Any]
) -> None:
    college, firm = await registered(repos, OrganizationKind.COLLEGE), await registered(repos)
    lead_admin = who(college.id, Role.COLLEGE_ADMIN)
    setup = FakeUnitOfWork(**repos)
    c = await service.form_consortium(setup, lead_admin, **form_args())
    _, request = await service.request_to_join(
        setup,
        who(firm.id, Role.FIRM_ADMIN),
        c.id,
        organization_id=None,
        requested_role=MembershipRole.CORE,
        now=NOW,
        expected_version=None,
    )
    await setup.commit()

    c = await service.decide_join_request(uow, lead_admin, c.id, request.id, approve=True, now=NOW, expected_version=2)
    assert c.status == ConsortiumStatus.ACTIVE
    assert types(uow) == [MemberJoined, ConsortiumActivated]


async def test_the_lead_rejects_a_request_with_a_reason(
    uow: FakeUnitOfWork, repos: dict[str, Any], world: World
) -> None:
    request_id, _ = await pending_request(repos, world)
    c = await service.decide_join_request(
        uow,
        world.lead_admin,
        world.consortium.id,
        request_id,
        approve=False,
        reason="not in our sector",
        now=NOW,
        expected_version=None,
    )
    assert c.join_request(request_id).status == JoinRequestStatus.REJECTED
    assert types(uow) == [JoinRequestRejected]


async def test_only_the_leads_admins_decide_join_requests(
    uow: FakeUnitOfWork, repos: dict[str, Any], world: World
) -> None:
    request_id, version = await pending_request(repos, world)
    for p in (world.firm_admin, world.outsider_admin, who(world.college.id, Role.TEACHER), OPERATOR):
        with pytest.raises(Forbidden):
            await service.decide_join_request(
                uow, p, world.consortium.id, request_id, approve=True, now=NOW, expected_version=None
            )
    stored = await uow.consortia.require(world.consortium.id)
    assert stored.version == version
    assert stored.join_request(request_id).status == JoinRequestStatus.PENDING


async def test_deciding_a_request_with_a_stale_version_conflicts(
    uow: FakeUnitOfWork, repos: dict[str, Any], world: World
) -> None:
    request_id, version = await pending_request(repos, world)
    with pytest.raises(VersionConflict):
        await service.decide_join_request(
            uow,
            world.lead_admin,
            world.consortium.id,
            request_id,
            approve=True,
            now=NOW,
            expected_version=version - 1,
        )
    assert not (await uow.consortia.require(world.consortium.id)).is_active_member(world.outsider.id)
    assert uow.events == []


# -------------------------------------------------------------------------------------- membership


async def test_a_member_leaves_by_its_own_admin(uow: FakeUnitOfWork, world: World) -> None:
    c = await service.remove_member(
        uow,
        world.firm_admin,
        world.consortium.id,
        world.firm.id,
        now=NOW,
        expected_version=world.consortium.version,
    )
    assert not c.is_active_member(world.firm.id)
    assert types(uow) == [MemberLeft]
    assert await version_of(uow, c.id) == world.consortium.version + 1


async def test_the_lead_removes_a_member_but_no_one_else_does(uow: FakeUnitOfWork, world: World) -> None:
    for p in (world.outsider_admin, who(world.firm.id, Role.RECRUITER), OPERATOR):
        with pytest.raises(Forbidden):
            await service.remove_member(uow, p, world.consortium.id, world.firm.id, now=NOW, expected_version=None)
    assert uow.events == []
    await service.remove_member(
        uow, world.lead_admin, world.consortium.id, world.firm.id, now=NOW, expected_version=None
    )
    assert types(uow) == [MemberLeft]


async def test_the_lead_cannot_leave_without_handing_over(uow: FakeUnitOfWork, world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await service.remove_member(
            uow, world.lead_admin, world.consortium.id, world.college.id, now=NOW, expected_version=None
        )
    assert violations(exc.value) == [("organization_id", "lead_cannot_leave")]


async def test_the_lead_changes_a_role_transfers_the_lead_and_dissolves(uow: FakeUnitOfWork, world: World) -> None:
    cid, v = world.consortium.id, world.consortium.version
    await service.change_role(uow, world.lead_admin, cid, world.firm.id, MembershipRole.CORE, v, now=NOW)
    assert types(uow) == [MemberRoleChanged]

    c = await service.transfer_lead(uow, world.lead_admin, cid, world.firm.id, v + 1, now=NOW)
    assert c.lead_organization_id == world.firm.id
    assert types(uow)[1:] == [MemberRoleChanged, MemberRoleChanged, LeadTransferred]

    with pytest.raises(Forbidden):  # the college is no longer the lead
        await service.dissolve(uow, world.lead_admin, cid, now=NOW, expected_version=None)
    c = await service.dissolve(uow, world.firm_admin, cid, now=NOW, expected_version=v + 2)
    assert c.status == ConsortiumStatus.DISSOLVED
    assert types(uow)[4:] == [MemberLeft, MemberLeft, ConsortiumDissolved]
    assert await version_of(uow, cid) == v + 3
    assert uow.commits == 0


@pytest.mark.parametrize("use_case", ["change_role", "transfer_lead", "dissolve", "set_benefit_rule", "distribute"])
async def test_lead_only_use_cases_refuse_members_outsiders_and_operators(
    uow: FakeUnitOfWork, world: World, use_case: str
) -> None:
    cid, firm = world.consortium.id, world.firm.id
    calls = {
        "change_role": lambda p: service.change_role(uow, p, cid, firm, MembershipRole.OBSERVER, None, now=NOW),
        "transfer_lead": lambda p: service.transfer_lead(uow, p, cid, firm, None, now=NOW),
        "dissolve": lambda p: service.dissolve(uow, p, cid, now=NOW, expected_version=None),
        "set_benefit_rule": lambda p: service.set_benefit_rule(
            uow, p, cid, BenefitRule.fixed({world.college.id: Decimal(100)}), None, now=NOW
        ),
        "distribute": lambda p: service.distribute(
            uow, p, cid, amount=Decimal(100), currency="CNY", now=NOW, expected_version=None
        ),
    }
    for p in (world.firm_admin, world.outsider_admin, who(world.college.id, Role.TEACHER), OPERATOR):
        with pytest.raises(Forbidden):
            await calls[use_case](p)
    assert await version_of(uow, cid) == world.consortium.version
    assert uow.events == []


async def test_lead_use_cases_refuse_a_stale_version(uow: FakeUnitOfWork, world: World) -> None:
    cid, stale = world.consortium.id, world.consortium.version - 1
    with pytest.raises(VersionConflict):
        await service.change_role(uow, world.lead_admin, cid, world.firm.id, MembershipRole.CORE, stale, now=NOW)
    with pytest.raises(VersionConflict):
        await service.transfer_lead(uow, world.lead_admin, cid, world.firm.id, stale, now=NOW)
    with pytest.raises(VersionConflict):
        await service.dissolve(uow, world.lead_admin, cid, now=NOW, expected_version=stale)
    with pytest.raises(VersionConflict):
        rule = BenefitRule.fixed({world.college.id: Decimal(100)})
        await service.set_benefit_rule(uow, world.lead_admin, cid, rule, stale, now=NOW)
    stored = await uow.consortia.require(cid)
    assert (stored.version, stored.status, stored.benefit_rule) == (world.consortium.version, "active", None)
    assert uow.events == []


# ----------------------------------------------------------------------------------- ledger and benefits


async def record(uow: FakeUnitOfWork, p: Principal, world: World, **overrides: Any) -> Contribution:
    args: dict[str, Any] = {
        "organization_id": None,
        "kind": ContributionKind.EQUIPMENT_HOURS,
        "quantity": Decimal(120),
        "unit": "hours",
        "valuation": Decimal("36000.00"),
        "currency": "CNY",
        "contributed_on": date(2025, 2, 1),
        "now": NOW,
        "expected_version": None,
    }
    return await service.record_contribution(uow, p, world.consortium.id, **{**args, **overrides})


async def test_a_member_records_its_own_contribution(uow: FakeUnitOfWork, world: World) -> None:
    contribution = await record(uow, world.firm_admin, world, expected_version=world.consortium.version)
    stored = await uow.contributions.require(contribution.id)
    assert (stored.organization_id, stored.recorded_by_organization_id) == (world.firm.id, world.firm.id)
    # A line is a row of its own: the consortium is not rewritten (outsiders cannot watch the ledger move).
    assert await version_of(uow, world.consortium.id) == world.consortium.version
    assert types(uow) == [ContributionRecorded]
    assert uow.commits == 0


async def test_the_lead_records_for_a_member_and_is_named_as_recorder(uow: FakeUnitOfWork, world: World) -> None:
    contribution = await record(uow, world.lead_admin, world, organization_id=world.firm.id)
    assert contribution.organization_id == world.firm.id
    assert contribution.recorded_by_organization_id == world.college.id


async def test_a_member_may_not_record_for_another(uow: FakeUnitOfWork, world: World) -> None:
    for p, org in (
        (world.firm_admin, world.college.id),
        (who(world.firm.id, Role.RECRUITER), None),
        (OPERATOR, world.firm.id),
    ):
        with pytest.raises(Forbidden):
            await record(uow, p, world, organization_id=org)
    assert uow.contributions.items == {}
    assert await version_of(uow, world.consortium.id) == world.consortium.version


async def test_an_outsiders_admin_is_refused_by_the_ledger_rule(uow: FakeUnitOfWork, world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await record(uow, world.outsider_admin, world)
    assert violations(exc.value) == [("organization_id", "not_active_member")]
    assert uow.contributions.items == {}


async def test_recording_with_a_stale_version_stores_no_line(uow: FakeUnitOfWork, world: World) -> None:
    with pytest.raises(VersionConflict):
        await record(uow, world.firm_admin, world, expected_version=world.consortium.version - 1)
    assert uow.contributions.items == {}
    assert uow.events == []


async def test_fixed_shares_distribution(uow: FakeUnitOfWork, world: World) -> None:
    cid, v = world.consortium.id, world.consortium.version
    rule = BenefitRule.fixed({world.college.id: Decimal(60), world.firm.id: Decimal(40)})
    await service.set_benefit_rule(uow, world.lead_admin, cid, rule, v, now=NOW)
    assert types(uow) == [BenefitRuleSet]

    d = await service.distribute(
        uow, world.lead_admin, cid, amount=Decimal("1000.01"), currency="cny", now=NOW, expected_version=v + 1
    )
    stored = await uow.distributions.require(d.id)
    assert stored.currency == "CNY"
    assert {a.organization_id: a.amount for a in stored.allocations} == {
        world.college.id: Decimal("600.01"),
        world.firm.id: Decimal("400.00"),
    }
    assert types(uow) == [BenefitRuleSet, BenefitDistributed]
    assert await version_of(uow, cid) == v + 2


async def test_weighted_distribution_weighs_the_ledger_of_the_rules_period(
    uow: FakeUnitOfWork, repos: dict[str, Any], world: World
) -> None:
    setup = FakeUnitOfWork(**repos)
    await record(setup, world.lead_admin, world, valuation=Decimal(300), contributed_on=date(2025, 1, 10))
    await record(setup, world.firm_admin, world, valuation=Decimal(100), contributed_on=date(2025, 1, 20))
    await record(setup, world.firm_admin, world, valuation=Decimal(9999), contributed_on=date(2024, 12, 31))
    rule = BenefitRule.weighted(date(2025, 1, 1), date(2025, 2, 28))
    await service.set_benefit_rule(setup, world.lead_admin, world.consortium.id, rule, None, now=NOW)
    await setup.commit()

    d = await service.distribute(
        uow,
        world.lead_admin,
        world.consortium.id,
        amount=Decimal(1000),
        currency="CNY",
        now=NOW,
        expected_version=None,
    )
    assert {a.organization_id: a.amount for a in d.allocations} == {
        world.college.id: Decimal("750.00"),
        world.firm.id: Decimal("250.00"),
    }


async def test_distributing_without_a_rule_is_refused(uow: FakeUnitOfWork, world: World) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await service.distribute(
            uow,
            world.lead_admin,
            world.consortium.id,
            amount=Decimal(1),
            currency="CNY",
            now=NOW,
            expected_version=None,
        )
    assert violations(exc.value) == [("benefit_rule", "benefit_rule_required")]
    assert uow.distributions.items == {}


async def test_distributing_with_a_stale_version_stores_nothing(uow: FakeUnitOfWork, world: World) -> None:
    cid, v = world.consortium.id, world.consortium.version
    await service.set_benefit_rule(
        uow, world.lead_admin, cid, BenefitRule.fixed({world.college.id: Decimal(100)}), v, now=NOW
    )
    with pytest.raises(VersionConflict):
        await service.distribute(
            uow, world.lead_admin, cid, amount=Decimal(10), currency="CNY", now=NOW, expected_version=v
        )
    assert uow.distributions.items == {}
    assert types(uow) == [BenefitRuleSet]


async def ledger_of(repos: dict[str, Any], world: World) -> tuple[Contribution, Distribution]:
    setup = FakeUnitOfWork(**repos)
    contribution = await record(setup, world.firm_admin, world)
    rule = BenefitRule.fixed({world.college.id: Decimal(50), world.firm.id: Decimal(50)})
    await service.set_benefit_rule(setup, world.lead_admin, world.consortium.id, rule, None, now=NOW)
    distribution = await service.distribute(
        setup,
        world.lead_admin,
        world.consortium.id,
        amount=Decimal(10),
        currency="CNY",
        now=NOW,
        expected_version=None,
    )
    await setup.commit()
    return contribution, distribution


async def test_members_staff_and_operators_read_the_ledger(
    uow: FakeUnitOfWork, repos: dict[str, Any], world: World
) -> None:
    contribution, distribution = await ledger_of(repos, world)
    cid = world.consortium.id
    for p in (who(world.firm.id, Role.MENTOR), who(world.college.id, Role.TEACHER), OPERATOR):
        lines, total = await service.list_contributions(
            uow, p, cid, organization_id=None, kind=None, date_from=None, date_to=None, limit=10, offset=0
        )
        assert ([c.id for c in lines], total) == ([contribution.id], 1)
        assert (await service.get_contribution(uow, p, cid, contribution.id)).id == contribution.id
        totals = await service.ledger_totals(uow, p, cid, date_from=None, date_to=None)
        assert totals[world.firm.id][ContributionKind.EQUIPMENT_HOURS].count == 1
        items, count = await service.list_distributions(uow, p, cid, limit=10, offset=0)
        assert ([d.id for d in items], count) == ([distribution.id], 1)
        assert (await service.get_distribution(uow, p, cid, distribution.id)).id == distribution.id


async def test_outsiders_and_members_learners_do_not_read_the_ledger(
    uow: FakeUnitOfWork, repos: dict[str, Any], world: World
) -> None:
    contribution, distribution = await ledger_of(repos, world)
    cid = world.consortium.id
    for p in (world.outsider_admin, who(world.college.id, Role.LEARNER), who(None)):
        with pytest.raises(Forbidden):
            await service.list_contributions(
                uow, p, cid, organization_id=None, kind=None, date_from=None, date_to=None, limit=10, offset=0
            )
        with pytest.raises(Forbidden):
            await service.get_contribution(uow, p, cid, contribution.id)
        with pytest.raises(Forbidden):
            await service.ledger_totals(uow, p, cid, date_from=None, date_to=None)
        with pytest.raises(Forbidden):
            await service.list_distributions(uow, p, cid, limit=10, offset=0)
        with pytest.raises(Forbidden):
            await service.get_distribution(uow, p, cid, distribution.id)


async def test_a_line_of_another_consortium_is_not_found_through_this_one(
    uow: FakeUnitOfWork, repos: dict[str, Any], world: World
) -> None:
    contribution, distribution = await ledger_of(repos, world)
    # The firm's admin also leads a consortium of its own, and asks for its first one's lines through it.
    setup = FakeUnitOfWork(**repos)
    own = await service.form_consortium(setup, world.firm_admin, **form_args())
    await setup.commit()
    with pytest.raises(NotFound):
        await service.get_contribution(uow, world.firm_admin, own.id, contribution.id)
    with pytest.raises(NotFound):
        await service.get_distribution(uow, world.firm_admin, own.id, distribution.id)
    with pytest.raises(NotFound):
        await service.get_contribution(uow, world.firm_admin, world.consortium.id, uuid.uuid4())
