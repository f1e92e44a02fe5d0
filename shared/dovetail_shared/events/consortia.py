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


class OrganizationVerified(EventPayload):
    event_type: ClassVar[str] = "dovetail.consortia.organization.verified.v1"
    aggregate: ClassVar[str] = "organization"

    organization_id: uuid.UUID
    name: str
    kind: str
    size: str | None = None
    region: str


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
