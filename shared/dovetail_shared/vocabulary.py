"""Words every service shares about organisations: their kinds, enterprise sizes and vetting status."""

from __future__ import annotations

from enum import StrEnum


class OrganizationKind(StrEnum):
    COLLEGE = "college"
    ENTERPRISE = "enterprise"
    RESEARCH_INSTITUTE = "research_institute"
    GOVERNMENT = "government"
    ASSOCIATION = "association"


class EnterpriseSize(StrEnum):
    LARGE = "large"
    SME = "sme"
    MICRO = "micro"


# An organisation's vetting by a platform operator: pending → verified | rejected. (A comment, not a
# docstring: the docstring would become the enum's description in every service's OpenAPI document.)
class VerificationStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class ConsortiumStatus(StrEnum):
    FORMING = "forming"
    ACTIVE = "active"
    DISSOLVED = "dissolved"
