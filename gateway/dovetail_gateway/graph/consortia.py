"""Consortia's part of the graph: organisations, consortia, memberships, join requests, ledger, distributions."""

from __future__ import annotations

import dataclasses
import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import UNSET

from dovetail_gateway.context import GatewayContext
from dovetail_gateway.graph.common import (
    Connection,
    UserError,
    build,
    list_page,
    load_one,
    query_params,
    read_object,
)
from dovetail_gateway.graph.mutations import OrganizationRef, Reason, command

if TYPE_CHECKING:
    from dovetail_gateway.graph.curricula import Curriculum
    from dovetail_gateway.graph.joint_programs import Program

Info = strawberry.Info[GatewayContext, None]
CurriculumRef = Annotated["Curriculum", strawberry.lazy("dovetail_gateway.graph.curricula")]
ProgramRef = Annotated["Program", strawberry.lazy("dovetail_gateway.graph.joint_programs")]


async def organization_by_id(info: Info, org_id: uuid.UUID | None) -> Organization | None:
    return await load_one(info.context.organizations, Organization, org_id)


# ------------------------------------------------------------------------------------------------- enums


@strawberry.enum
class OrganizationKind(enum.Enum):
    COLLEGE = "college"
    ENTERPRISE = "enterprise"
    RESEARCH_INSTITUTE = "research_institute"
    GOVERNMENT = "government"
    ASSOCIATION = "association"


@strawberry.enum
class EnterpriseSize(enum.Enum):
    LARGE = "large"
    SME = "sme"
    MICRO = "micro"


@strawberry.enum
class VerificationStatus(enum.Enum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


@strawberry.enum
class ConsortiumKind(enum.Enum):
    CITY_CONSORTIUM = "city_consortium"
    INDUSTRY_COMMUNITY = "industry_community"
    PROJECT = "project"


@strawberry.enum
class ConsortiumStatus(enum.Enum):
    FORMING = "forming"
    ACTIVE = "active"
    DISSOLVED = "dissolved"


@strawberry.enum
class MembershipRole(enum.Enum):
    LEAD = "lead"
    CORE = "core"
    MEMBER = "member"
    OBSERVER = "observer"


@strawberry.enum
class JoinRequestStatus(enum.Enum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


@strawberry.enum
class ContributionKind(enum.Enum):
    FUNDING = "funding"
    EQUIPMENT_HOURS = "equipment_hours"
    MENTOR_HOURS = "mentor_hours"
    PLACEMENTS = "placements"
    DATA = "data"
    IP = "ip"


@strawberry.enum
class BenefitRuleKind(enum.Enum):
    FIXED_SHARES = "fixed_shares"
    CONTRIBUTION_WEIGHTED = "contribution_weighted"


# ------------------------------------------------------------------------------------------------- types


@strawberry.type(description="A college, firm, institute, agency or association on the platform")
class Organization:
    id: uuid.UUID
    name: str
    name_zh: str | None
    kind: OrganizationKind
    size: EnterpriseSize | None
    region: str
    registration_number: str
    verification_status: VerificationStatus
    verified_at: datetime | None
    rejection_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @strawberry.field(description="Curricula this organisation owns as a college (curricula service)")
    async def curricula(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[CurriculumRef]:
        from dovetail_gateway.graph.curricula import Curriculum

        return await list_page(info, Curriculum, "curricula", "/curricula", first, after, {"college_id": self.id})

    @strawberry.field(
        description="Joint programs this organisation runs (as the college) or partners in (as a firm), as far "
        "as joint programs shows them to you"
    )
    async def programs(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[ProgramRef]:
        from dovetail_gateway.graph.joint_programs import Program

        key = "college_id" if self.kind is OrganizationKind.COLLEGE else "partner_id"
        prime = info.context.programs
        return await list_page(info, Program, "joint_programs", "/programs", first, after, {key: self.id}, prime=prime)

    @strawberry.field(description="Consortia this organisation is an active member of")
    async def consortia(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Consortium]:
        filters = {"organization_id": self.id}
        return await list_page(info, Consortium, "consortia", "/consortia", first, after, filters)


@strawberry.type
class Membership:
    organization_id: uuid.UUID
    organization_kind: OrganizationKind
    role: MembershipRole
    joined_on: date
    left_on: date | None

    @strawberry.field(description="The member (null if it is not visible to you)")
    async def organization(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.organization_id)


@strawberry.type
class JoinRequest:
    id: uuid.UUID
    organization_id: uuid.UUID
    organization_kind: OrganizationKind
    requested_role: MembershipRole
    status: JoinRequestStatus
    requested_on: date
    decided_on: date | None
    reason: str | None

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.organization_id)


@strawberry.type
class Share:
    organization_id: uuid.UUID
    percent: Decimal


@strawberry.type
class BenefitRule:
    kind: BenefitRuleKind
    kinds: list[ContributionKind] | None
    period_from: date | None
    period_to: date | None
    shares: list[Share]


@strawberry.type(description="A consortium of colleges and firms with members, a ledger and benefit sharing")
class Consortium:
    id: uuid.UUID
    name: str
    name_zh: str | None
    kind: ConsortiumKind
    charter: str
    status: ConsortiumStatus
    lead_organization_id: uuid.UUID
    activated_on: date | None
    dissolved_on: date | None
    benefit_rule: BenefitRule | None
    memberships: list[Membership]
    view: str = strawberry.field(description="What the service showed you: `public` or `member`")
    created_at: datetime
    updated_at: datetime
    version: int

    @strawberry.field
    async def lead(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.lead_organization_id)

    @strawberry.field(description="Join requests (the lead sees them all; an applicant its own)")
    async def join_requests(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[JoinRequest]:
        return await list_page(info, JoinRequest, "consortia", f"/consortia/{self.id}/join-requests", first, after)

    @strawberry.field(description="Ledger lines, newest first; members only")
    async def contributions(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        organization_id: uuid.UUID | None = None,
        kind: ContributionKind | None = None,
    ) -> Connection[Contribution]:
        filters = {"from": date_from, "to": date_to, "organization_id": organization_id, "kind": kind}
        path = f"/consortia/{self.id}/contributions"
        return await list_page(info, Contribution, "consortia", path, first, after, filters)

    @strawberry.field(description="Benefit distributions; members only")
    async def distributions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Distribution]:
        path = f"/consortia/{self.id}/distributions"
        return await list_page(info, Distribution, "consortia", path, first, after)

    @strawberry.field(description="Totals per member and kind over a period; members only")
    async def ledger(self, info: Info, date_from: date | None = None, date_to: date | None = None) -> Ledger:
        params = query_params({"from": date_from, "to": date_to})
        return build(Ledger, _ledger_json(await info.context.read("consortia", f"/consortia/{self.id}/ledger", params)))


@strawberry.type
class Contribution:
    id: uuid.UUID
    consortium_id: uuid.UUID
    organization_id: uuid.UUID
    recorded_by_organization_id: uuid.UUID | None
    kind: ContributionKind
    quantity: Decimal
    unit: str
    valuation: Decimal
    currency: str
    contributed_on: date
    created_at: datetime

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.organization_id)


@strawberry.type
class Allocation:
    organization_id: uuid.UUID
    amount: Decimal

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.organization_id)


@strawberry.type
class Distribution:
    id: uuid.UUID
    consortium_id: uuid.UUID
    amount: Decimal
    currency: str
    rule_kind: BenefitRuleKind
    distributed_on: date
    allocations: list[Allocation]
    created_at: datetime


@strawberry.type
class Amount:
    unit: str
    value: Decimal


@strawberry.type
class KindTotal:
    kind: ContributionKind
    count: int
    quantity_by_unit: list[Amount]
    valuation_by_currency: list[Amount]


@strawberry.type
class MemberTotals:
    organization_id: uuid.UUID
    kinds: list[KindTotal]

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.organization_id)


@strawberry.type
class Ledger:
    consortium_id: uuid.UUID
    date_from: date | None
    date_to: date | None
    members: list[MemberTotals]


# The ledger's totals are maps (unit → quantity) in REST; the graph lists them, which GraphQL can type.
def _amounts(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"unit": k, "value": v} for k, v in raw.items()]


def _ledger_json(data: dict[str, Any]) -> dict[str, Any]:
    return {
        **data,
        "members": [
            {
                **m,
                "kinds": [
                    {
                        **k,
                        "quantity_by_unit": _amounts(k.get("quantity_by_unit", {})),
                        "valuation_by_currency": _amounts(k.get("valuation_by_currency", {})),
                    }
                    for k in m.get("kinds", [])
                ],
            }
            for m in data.get("members", [])
        ],
    }


# ------------------------------------------------------------------------------------------------ inputs


@strawberry.input
class RegisterOrganizationInput:
    name: str
    kind: OrganizationKind
    region: str
    registration_number: str
    name_zh: str | None = UNSET
    size: EnterpriseSize | None = UNSET


@strawberry.input
class FormConsortiumInput:
    name: str
    kind: ConsortiumKind
    charter: str
    name_zh: str | None = UNSET
    lead_organization_id: uuid.UUID | None = strawberry.field(
        default=UNSET, description="Defaults to the caller's organisation"
    )


@strawberry.input
class ShareInput:
    organization_id: uuid.UUID
    percent: Decimal


@strawberry.input
class BenefitRuleInput:
    kind: BenefitRuleKind
    shares: list[ShareInput] | None = UNSET
    kinds: list[ContributionKind] | None = UNSET
    period_from: date | None = UNSET
    period_to: date | None = UNSET


@strawberry.input
class ContributionInput:
    kind: ContributionKind
    quantity: Decimal
    unit: str
    valuation: Decimal
    contributed_on: date
    currency: str | None = UNSET
    organization_id: uuid.UUID | None = UNSET


@strawberry.input
class DistributionInput:
    amount: Decimal
    currency: str | None = UNSET


@strawberry.input
class JoinRequestInput:
    organization_id: uuid.UUID | None = UNSET
    requested_role: MembershipRole | None = UNSET


# ---------------------------------------------------------------------------------------------- payloads


@strawberry.type
class OrganizationPayload:
    organization: Organization | None
    user_errors: list[UserError]


@strawberry.type
class ConsortiumPayload:
    consortium: Consortium | None
    user_errors: list[UserError]


@strawberry.type
class ContributionPayload:
    contribution: Contribution | None
    user_errors: list[UserError]


@strawberry.type
class DistributionPayload:
    distribution: Distribution | None
    user_errors: list[UserError]


# --------------------------------------------------------------------------------------------- the roots


@strawberry.type
class ConsortiaQuery:
    @strawberry.field(description="An organisation you may see (verified ones for everyone), or null")
    async def organization(self, info: Info, id: uuid.UUID) -> Organization | None:
        return await organization_by_id(info, id)

    @strawberry.field
    async def organizations(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        kind: OrganizationKind | None = None,
        verification_status: VerificationStatus | None = None,
        region: str | None = None,
    ) -> Connection[Organization]:
        filters = {"kind": kind, "verification_status": verification_status, "region": region}
        return await list_page(info, Organization, "consortia", "/organizations", first, after, filters)

    @strawberry.field
    async def consortium(self, info: Info, id: uuid.UUID) -> Consortium | None:
        return await load_one(info.context.consortia, Consortium, id)

    @strawberry.field
    async def consortia(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        organization_id: uuid.UUID | None = None,
        status: ConsortiumStatus | None = None,
        kind: ConsortiumKind | None = None,
    ) -> Connection[Consortium]:
        filters = {"organization_id": organization_id, "status": status, "kind": kind}
        return await list_page(info, Consortium, "consortia", "/consortia", first, after, filters)

    @strawberry.field
    async def contribution(self, info: Info, consortium_id: uuid.UUID, id: uuid.UUID) -> Contribution | None:
        return await read_object(info, Contribution, "consortia", f"/consortia/{consortium_id}/contributions/{id}")

    @strawberry.field
    async def distribution(self, info: Info, consortium_id: uuid.UUID, id: uuid.UUID) -> Distribution | None:
        return await read_object(info, Distribution, "consortia", f"/consortia/{consortium_id}/distributions/{id}")

    @strawberry.field
    async def join_request(self, info: Info, consortium_id: uuid.UUID, id: uuid.UUID) -> JoinRequest | None:
        return await read_object(info, JoinRequest, "consortia", f"/consortia/{consortium_id}/join-requests/{id}")


@strawberry.type
class ConsortiaMutation:
    @strawberry.mutation(description="Apply to join the platform; pending until an operator vets it")
    async def register_organization(self, info: Info, input: RegisterOrganizationInput) -> OrganizationPayload:
        return await command(info, OrganizationPayload, "consortia", "POST", "/organizations", input=input)

    @strawberry.mutation(description="An operator verifies a pending organisation")
    async def verify_organization(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> OrganizationPayload:
        return await command(
            info,
            OrganizationPayload,
            "consortia",
            "POST",
            f"/organizations/{id}/verify",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation(description="An operator rejects a pending organisation, saying why")
    async def reject_organization(
        self, info: Info, id: uuid.UUID, reason: str, expected_version: int | None = None
    ) -> OrganizationPayload:
        return await command(
            info,
            OrganizationPayload,
            "consortia",
            "POST",
            f"/organizations/{id}/reject",
            input=Reason(reason),
            input_argument=None,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="Put a rejected organisation back in the vetting queue")
    async def resubmit_organization(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> OrganizationPayload:
        return await command(
            info,
            OrganizationPayload,
            "consortia",
            "POST",
            f"/organizations/{id}/resubmit",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation(description="Form a consortium led by your organisation")
    async def form_consortium(self, info: Info, input: FormConsortiumInput) -> ConsortiumPayload:
        return await command(info, ConsortiumPayload, "consortia", "POST", "/consortia", input=input)

    @strawberry.mutation(description="The lead sets how benefits are shared")
    async def set_benefit_rule(
        self, info: Info, consortium_id: uuid.UUID, input: BenefitRuleInput, expected_version: int | None = None
    ) -> ConsortiumPayload:
        return await command(
            info,
            ConsortiumPayload,
            "consortia",
            "PUT",
            f"/consortia/{consortium_id}/benefit-rule",
            input=input,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="The lead dissolves the consortium")
    async def dissolve_consortium(
        self, info: Info, consortium_id: uuid.UUID, expected_version: int | None = None
    ) -> ConsortiumPayload:
        return await command(
            info,
            ConsortiumPayload,
            "consortia",
            "POST",
            f"/consortia/{consortium_id}/dissolve",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation(description="Ask to join (for your organisation, or as an operator for another)")
    async def request_to_join_consortium(
        self,
        info: Info,
        consortium_id: uuid.UUID,
        input: JoinRequestInput | None = None,
        expected_version: int | None = None,
    ) -> ConsortiumPayload:
        return await command(
            info,
            ConsortiumPayload,
            "consortia",
            "POST",
            f"/consortia/{consortium_id}/join-requests",
            input=input or JoinRequestInput(),
            expected_version=expected_version,
        )

    @strawberry.mutation(description="The lead approves a join request")
    async def approve_join_request(
        self, info: Info, consortium_id: uuid.UUID, request_id: uuid.UUID, expected_version: int | None = None
    ) -> ConsortiumPayload:
        return await command(
            info,
            ConsortiumPayload,
            "consortia",
            "POST",
            f"/consortia/{consortium_id}/join-requests/{request_id}/approve",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation(description="The lead rejects a join request, saying why")
    async def reject_join_request(
        self,
        info: Info,
        consortium_id: uuid.UUID,
        request_id: uuid.UUID,
        reason: str,
        expected_version: int | None = None,
    ) -> ConsortiumPayload:
        return await command(
            info,
            ConsortiumPayload,
            "consortia",
            "POST",
            f"/consortia/{consortium_id}/join-requests/{request_id}/reject",
            input=Reason(reason),
            input_argument=None,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="The lead hands the lead role to another active member")
    async def transfer_lead(
        self, info: Info, consortium_id: uuid.UUID, organization_id: uuid.UUID, expected_version: int | None = None
    ) -> ConsortiumPayload:
        return await command(
            info,
            ConsortiumPayload,
            "consortia",
            "POST",
            f"/consortia/{consortium_id}/lead",
            input=OrganizationRef(organization_id),
            input_argument=None,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="The lead removes a member (or a member leaves)")
    async def remove_member(
        self, info: Info, consortium_id: uuid.UUID, organization_id: uuid.UUID, expected_version: int | None = None
    ) -> ConsortiumPayload:
        return await command(
            info,
            ConsortiumPayload,
            "consortia",
            "DELETE",
            f"/consortia/{consortium_id}/members/{organization_id}",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation(description="The lead changes a member's role")
    async def change_member_role(
        self,
        info: Info,
        consortium_id: uuid.UUID,
        organization_id: uuid.UUID,
        role: MembershipRole,
        expected_version: int | None = None,
    ) -> ConsortiumPayload:
        return await command(
            info,
            ConsortiumPayload,
            "consortia",
            "PUT",
            f"/consortia/{consortium_id}/members/{organization_id}/role",
            input=_Role(role),
            input_argument=None,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="Record a ledger line (a member for itself, the lead for any member)")
    async def record_contribution(
        self, info: Info, consortium_id: uuid.UUID, input: ContributionInput, expected_version: int | None = None
    ) -> ContributionPayload:
        return await command(
            info,
            ContributionPayload,
            "consortia",
            "POST",
            f"/consortia/{consortium_id}/contributions",
            input=input,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="The lead distributes an amount by the benefit rule")
    async def distribute(
        self, info: Info, consortium_id: uuid.UUID, input: DistributionInput, expected_version: int | None = None
    ) -> DistributionPayload:
        return await command(
            info,
            DistributionPayload,
            "consortia",
            "POST",
            f"/consortia/{consortium_id}/distributions",
            input=input,
            expected_version=expected_version,
        )


# The body of changeMemberRole (a plain argument, so a violation on ``role`` maps back onto it).
@dataclasses.dataclass
class _Role:
    role: MembershipRole
