"""Request and response bodies of the consortia API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from dovetail_shared.clock import TIME_ZONE_MAX
from dovetail_shared.dates import IsoDate
from dovetail_shared.text import Text
from pydantic import BaseModel, Field

from consortia.domain import (
    DEFAULT_CURRENCY,
    BenefitRule,
    BenefitRuleKind,
    ConsortiumKind,
    ConsortiumStatus,
    ConsortiumView,
    Contribution,
    ContributionKind,
    Distribution,
    EnterpriseSize,
    JoinRequest,
    JoinRequestStatus,
    LedgerTotal,
    Membership,
    MembershipRole,
    Organization,
    OrganizationKind,
    Share,
    VerificationStatus,
)

TEXT = 2000
NAME = 200
# Generous bounds that only stop absurd numbers (1e999999999 would make exact arithmetic crawl); the
# domain's rules (positive, minor unit, sum to 100...) are checked by the domain and named there.
Quantity = Annotated[Decimal, Field(max_digits=24, decimal_places=8)]
Money = Annotated[Decimal, Field(max_digits=24, decimal_places=8)]
Percent = Annotated[Decimal, Field(max_digits=16, decimal_places=10)]


# ------------------------------------------------------------------------------------------ organisations


class OrganizationCreate(BaseModel):
    name: Text = Field(max_length=NAME)
    name_zh: Text | None = Field(None, max_length=NAME)
    kind: OrganizationKind
    size: EnterpriseSize | None = Field(None, description="Required for an enterprise, refused otherwise")
    region: Text = Field(max_length=NAME, description="e.g. an administrative division code or name")
    registration_number: Text = Field(max_length=64, description="Unique (case-insensitive) business registration")
    time_zone: Text | None = Field(
        None,
        max_length=TIME_ZONE_MAX,
        description="IANA time zone of the organisation's calendar, e.g. Asia/Shanghai (default UTC): "
        "rules about days (not in the future, joined and left on) use its local date",
        examples=["Asia/Shanghai"],
    )


class RejectIn(BaseModel):
    reason: Text = Field(max_length=TEXT)


class OrganizationPublic(BaseModel):
    id: uuid.UUID
    version: int = Field(description="Optimistic-concurrency version; send it back as If-Match")
    created_at: datetime
    updated_at: datetime
    name: str
    name_zh: str | None
    kind: OrganizationKind
    size: EnterpriseSize | None
    region: str
    registration_number: str
    verification_status: VerificationStatus
    rejection_reason: str | None
    verified_at: datetime | None
    time_zone: str = Field(description="IANA time zone of the organisation's local calendar")

    @classmethod
    def of(cls, o: Organization) -> OrganizationPublic:
        return cls.model_validate(o.model_dump())


# ------------------------------------------------------------------------------------------------ consortia


class ConsortiumCreate(BaseModel):
    name: Text = Field(max_length=NAME)
    name_zh: Text | None = Field(None, max_length=NAME)
    kind: ConsortiumKind
    charter: Text = Field(max_length=20000)
    lead_organization_id: uuid.UUID | None = Field(None, description="Defaults to the caller's organisation")


class JoinRequestCreate(BaseModel):
    organization_id: uuid.UUID | None = Field(None, description="Defaults to the caller's organisation")
    requested_role: MembershipRole = MembershipRole.MEMBER


class RoleIn(BaseModel):
    role: MembershipRole


class LeadIn(BaseModel):
    organization_id: uuid.UUID


class ShareIn(BaseModel):
    organization_id: uuid.UUID
    percent: Percent


class BenefitRuleIn(BaseModel):
    """``fixed_shares`` with ``shares`` summing to exactly 100, or ``contribution_weighted`` over a period."""

    kind: BenefitRuleKind
    shares: list[ShareIn] = Field(default_factory=list, max_length=500)
    period_from: IsoDate | None = None
    period_to: IsoDate | None = None
    kinds: list[ContributionKind] | None = Field(None, max_length=20, description="Omit to weigh every kind")

    def to_domain(self) -> BenefitRule:
        # Built unchecked: the consortium checks it and names each broken rule.
        return BenefitRule(
            kind=self.kind,
            shares=[Share(organization_id=s.organization_id, percent=s.percent) for s in self.shares],
            period_from=self.period_from,
            period_to=self.period_to,
            kinds=self.kinds,
        )


class BenefitRulePublic(BaseModel):
    kind: BenefitRuleKind
    shares: list[Share]
    period_from: date | None
    period_to: date | None
    kinds: list[ContributionKind] | None


class MembershipPublic(BaseModel):
    organization_id: uuid.UUID
    organization_kind: OrganizationKind
    role: MembershipRole
    joined_on: date
    left_on: date | None

    @classmethod
    def of(cls, m: Membership) -> MembershipPublic:
        return cls.model_validate(m.model_dump())


class JoinRequestPublic(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    organization_kind: OrganizationKind
    requested_role: MembershipRole
    status: JoinRequestStatus
    reason: str | None
    requested_on: date
    decided_on: date | None

    @classmethod
    def of(cls, r: JoinRequest) -> JoinRequestPublic:
        return cls.model_validate(r.model_dump())


class ConsortiumPublic(BaseModel):
    id: uuid.UUID
    version: int = Field(description="Optimistic-concurrency version; send it back as If-Match")
    created_at: datetime
    updated_at: datetime
    name: str
    name_zh: str | None
    kind: ConsortiumKind
    charter: str
    lead_organization_id: uuid.UUID
    status: ConsortiumStatus
    activated_on: date | None
    dissolved_on: date | None
    view: Literal["public", "member"] = Field(
        description="member: the caller is an insider (or an operator) and sees everything below; "
        "public: current members only, no benefit rule, and only the caller's own join requests"
    )
    memberships: list[MembershipPublic]
    join_requests: list[JoinRequestPublic]
    benefit_rule: BenefitRulePublic | None

    @classmethod
    def of(cls, v: ConsortiumView) -> ConsortiumPublic:
        """Renders what the policy decided the caller may see (``service.view``); decides nothing itself."""
        c = v.consortium
        return cls(
            id=c.id,
            version=c.version,
            created_at=c.created_at,
            updated_at=c.updated_at,
            name=c.name,
            name_zh=c.name_zh,
            kind=c.kind,
            charter=c.charter,
            lead_organization_id=c.lead_organization_id,
            status=c.status,
            activated_on=c.activated_on,
            dissolved_on=c.dissolved_on,
            view="member" if v.member_view else "public",
            memberships=[MembershipPublic.of(m) for m in v.memberships],
            join_requests=[JoinRequestPublic.of(r) for r in v.join_requests],
            benefit_rule=BenefitRulePublic.model_validate(v.benefit_rule.model_dump()) if v.benefit_rule else None,
        )


# ---------------------------------------------------------------------------------- ledger and benefits


class ContributionCreate(BaseModel):
    organization_id: uuid.UUID | None = Field(None, description="Defaults to the caller's organisation")
    kind: ContributionKind
    quantity: Quantity
    unit: Text = Field(max_length=40, description="e.g. CNY, hours, placements, datasets")
    valuation: Money
    currency: Text = Field(DEFAULT_CURRENCY, max_length=8, description="ISO 4217 code of the valuation")
    contributed_on: IsoDate


class ContributionPublic(BaseModel):
    id: uuid.UUID
    created_at: datetime
    consortium_id: uuid.UUID
    organization_id: uuid.UUID
    kind: ContributionKind
    quantity: Decimal
    unit: str
    valuation: Decimal
    currency: str
    contributed_on: date
    recorded_by_organization_id: uuid.UUID | None

    @classmethod
    def of(cls, c: Contribution) -> ContributionPublic:
        return cls.model_validate(c.model_dump())


class KindTotal(BaseModel):
    kind: ContributionKind
    count: int
    quantity_by_unit: dict[str, Decimal]
    valuation_by_currency: dict[str, Decimal]


class MemberTotals(BaseModel):
    organization_id: uuid.UUID
    kinds: list[KindTotal]


class LedgerPublic(BaseModel):
    consortium_id: uuid.UUID
    date_from: date | None
    date_to: date | None
    members: list[MemberTotals]

    @classmethod
    def of(
        cls,
        consortium_id: uuid.UUID,
        totals: dict[uuid.UUID, dict[ContributionKind, LedgerTotal]],
        date_from: date | None,
        date_to: date | None,
    ) -> LedgerPublic:
        return cls(
            consortium_id=consortium_id,
            date_from=date_from,
            date_to=date_to,
            members=[
                MemberTotals(
                    organization_id=org_id,
                    kinds=[KindTotal(kind=kind, **total.model_dump()) for kind, total in by_kind.items()],
                )
                for org_id, by_kind in totals.items()
            ],
        )


class DistributionCreate(BaseModel):
    amount: Money
    currency: Text = Field(DEFAULT_CURRENCY, max_length=8)


class AllocationPublic(BaseModel):
    organization_id: uuid.UUID
    amount: Decimal


class DistributionPublic(BaseModel):
    id: uuid.UUID
    created_at: datetime
    consortium_id: uuid.UUID
    amount: Decimal
    currency: str
    rule_kind: BenefitRuleKind
    allocations: list[AllocationPublic] = Field(description="Sum exactly to amount (largest remainder)")
    distributed_on: date

    @classmethod
    def of(cls, d: Distribution) -> DistributionPublic:
        return cls.model_validate(d.model_dump())
