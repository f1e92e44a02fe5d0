"""Pure domain of the consortia service: organisations, consortia, the contribution ledger, benefit sharing."""

from consortia.domain.benefits import (
    Allocation,
    BenefitRule,
    BenefitRuleKind,
    Distribution,
    Share,
    allocate,
)
from consortia.domain.consortium import (
    Consortium,
    ConsortiumKind,
    ConsortiumStatus,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    MembershipRole,
)
from consortia.domain.contributions import (
    Contribution,
    ContributionKind,
    LedgerTotal,
    ledger_totals,
)
from consortia.domain.money import DEFAULT_CURRENCY, minor_unit_exponent, normalize_currency
from consortia.domain.organization import (
    EnterpriseSize,
    Organization,
    OrganizationKind,
    VerificationStatus,
)
from consortia.domain.policy import active_role, is_active_member, is_lead

__all__ = [
    "DEFAULT_CURRENCY",
    "Allocation",
    "BenefitRule",
    "BenefitRuleKind",
    "Consortium",
    "ConsortiumKind",
    "ConsortiumStatus",
    "Contribution",
    "ContributionKind",
    "Distribution",
    "EnterpriseSize",
    "JoinRequest",
    "JoinRequestStatus",
    "LedgerTotal",
    "Membership",
    "MembershipRole",
    "Organization",
    "OrganizationKind",
    "Share",
    "VerificationStatus",
    "active_role",
    "allocate",
    "is_active_member",
    "is_lead",
    "ledger_totals",
    "minor_unit_exponent",
    "normalize_currency",
]
