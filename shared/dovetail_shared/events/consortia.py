"""Events published by the consortia service (topics ``consortia.organization`` and ``consortia.consortium``)."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from dovetail_shared.events.base import EventPayload


class OrganizationRegistered(EventPayload):
    event_type: ClassVar[str] = "dovetail.consortia.organization.registered.v1"
    aggregate: ClassVar[str] = "organization"

    organization_id: uuid.UUID
    name: str
    name_zh: str | None = None
    kind: str
    size: str | None = None
    region: str
    registration_number: str
    # IANA time zone of the organisation's local calendar; absent in events from before it existed (read: UTC).
    time_zone: str | None = None


class OrganizationVerified(EventPayload):
    event_type: ClassVar[str] = "dovetail.consortia.organization.verified.v1"
    aggregate: ClassVar[str] = "organization"

    organization_id: uuid.UUID
    name: str
    kind: str
    size: str | None = None
    region: str
    time_zone: str | None = None  # as in OrganizationRegistered


class OrganizationRejected(EventPayload):
    event_type: ClassVar[str] = "dovetail.consortia.organization.rejected.v1"
    aggregate: ClassVar[str] = "organization"

    organization_id: uuid.UUID
    kind: str
    reason: str


class ConsortiumFormed(EventPayload):
    event_type: ClassVar[str] = "dovetail.consortia.consortium.formed.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID
    name: str
    kind: str
    lead_organization_id: uuid.UUID


class ConsortiumActivated(EventPayload):
    event_type: ClassVar[str] = "dovetail.consortia.consortium.activated.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID


class ConsortiumDissolved(EventPayload):
    event_type: ClassVar[str] = "dovetail.consortia.consortium.dissolved.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID


class MemberJoined(EventPayload):
    event_type: ClassVar[str] = "dovetail.consortia.member.joined.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID
    organization_id: uuid.UUID
    role: str
    joined_on: date


class MemberLeft(EventPayload):
    event_type: ClassVar[str] = "dovetail.consortia.member.left.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID
    organization_id: uuid.UUID
    role: str
    left_on: date


class ContributionRecorded(EventPayload):
    event_type: ClassVar[str] = "dovetail.consortia.contribution.recorded.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID
    contribution_id: uuid.UUID
    organization_id: uuid.UUID
    kind: str
    quantity: Decimal
    unit: str
    valuation: Decimal
    currency: str
    contributed_on: date


class Allocation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    organization_id: uuid.UUID
    amount: Decimal


class BenefitDistributed(EventPayload):
    event_type: ClassVar[str] = "dovetail.consortia.benefit.distributed.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID
    distribution_id: uuid.UUID
    amount: Decimal
    currency: str
    rule: str
    allocations: list[Allocation]


class JoinRequested(EventPayload):
    """An organisation asked to join; the lead decides (approval shows up as ``MemberJoined``)."""

    event_type: ClassVar[str] = "dovetail.consortia.join-request.submitted.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID
    request_id: uuid.UUID
    organization_id: uuid.UUID
    requested_role: str
    requested_on: date


class JoinRequestRejected(EventPayload):
    """The lead refused a join request, or dissolution closed it (reason ``consortium dissolved``)."""

    event_type: ClassVar[str] = "dovetail.consortia.join-request.rejected.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID
    request_id: uuid.UUID
    organization_id: uuid.UUID
    reason: str
    decided_on: date


class MemberRoleChanged(EventPayload):
    """A member's role changed (by the lead, or as part of a lead transfer)."""

    event_type: ClassVar[str] = "dovetail.consortia.member.role-changed.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID
    organization_id: uuid.UUID
    previous_role: str
    role: str


class LeadTransferred(EventPayload):
    """The lead moved to another member; the two ``MemberRoleChanged`` events precede it."""

    event_type: ClassVar[str] = "dovetail.consortia.lead.transferred.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID
    previous_lead_organization_id: uuid.UUID
    lead_organization_id: uuid.UUID


class Share(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    organization_id: uuid.UUID
    percent: Decimal


class BenefitRuleSet(EventPayload):
    """The consortium's benefit-sharing rule was set or replaced.

    ``shares`` is filled for ``fixed_shares``; the period (and ``kinds``, null meaning every kind) for
    ``contribution_weighted``. The keys are always present, so the schema has no optional fields.
    """

    event_type: ClassVar[str] = "dovetail.consortia.benefit-rule.set.v1"
    aggregate: ClassVar[str] = "consortium"

    consortium_id: uuid.UUID
    kind: str
    shares: list[Share]
    period_from: date | None
    period_to: date | None
    kinds: list[str] | None
