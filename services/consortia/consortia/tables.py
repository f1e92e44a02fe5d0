"""Tables of the consortia schema: organisations, consortia (members inline as JSONB), the ledger, messaging."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from dovetail_shared.db import MessagingTables
from dovetail_shared.tables import AggregateColumns
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlmodel import Field, SQLModel

SCHEMA = "consortia"
metadata = SQLModel.metadata
# Registration numbers are compared case-insensitively: "91320500ma1…" must not pass as a new firm. Only
# organisations that are not rejected hold their number: a squatter's rejected application must not block
# the genuine firm from registering it.
REGISTRATION_NUMBER_INDEX = "uq_consortia_organizations_registration_number"
NUMBER_RELEASED_STATUS = "rejected"


class OrganizationRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "organizations"
    __table_args__ = (
        sa.Index(
            REGISTRATION_NUMBER_INDEX,
            sa.text("upper(registration_number)"),
            unique=True,
            postgresql_where=sa.text(f"verification_status <> '{NUMBER_RELEASED_STATUS}'"),
        ),
        sa.Index("ix_consortia_organizations_status", "verification_status"),
        # Every filter and the order of GET /organizations (ADR 0013).
        sa.Index("ix_consortia_organizations_created", "created_at", "id"),
        sa.Index("ix_consortia_organizations_kind", "kind", "created_at"),
        sa.Index("ix_consortia_organizations_region", "region", "created_at"),
        sa.Index("ix_consortia_organizations_registered_by", "registered_by"),
        {"schema": SCHEMA},
    )

    name: str = Field(sa_type=sa.Text, nullable=False)
    name_zh: str | None = Field(default=None, sa_type=sa.Text)
    kind: str = Field(sa_type=sa.Text, nullable=False)
    size: str | None = Field(default=None, sa_type=sa.Text)
    region: str = Field(sa_type=sa.Text, nullable=False)
    registration_number: str = Field(sa_type=sa.Text, nullable=False)
    verification_status: str = Field(sa_type=sa.Text, nullable=False)
    rejection_reason: str | None = Field(default=None, sa_type=sa.Text)
    verified_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    registered_by: str | None = Field(default=None, sa_type=sa.Text)
    # IANA name; organisations registered before time zones existed keep UTC days (ADR 0015).
    time_zone: str = Field(sa_type=sa.Text, nullable=False, sa_column_kwargs={"server_default": "UTC"})


class ConsortiumRow(AggregateColumns, SQLModel, table=True):
    """A consortium with its memberships, join requests and benefit rule: one row, one optimistic version."""

    __tablename__ = "consortia"
    __table_args__ = (
        sa.Index("ix_consortia_consortia_members", "member_organization_ids", postgresql_using="gin"),
        sa.Index("ix_consortia_consortia_created", "created_at", "id"),
        sa.Index("ix_consortia_consortia_status", "status", "created_at"),
        sa.Index("ix_consortia_consortia_kind", "kind", "created_at"),
        {"schema": SCHEMA},
    )

    name: str = Field(sa_type=sa.Text, nullable=False)
    name_zh: str | None = Field(default=None, sa_type=sa.Text)
    kind: str = Field(sa_type=sa.Text, nullable=False)
    charter: str = Field(sa_type=sa.Text, nullable=False)
    lead_organization_id: uuid.UUID = Field(nullable=False, index=True)
    status: str = Field(sa_type=sa.Text, nullable=False)
    benefit_rule: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(JSONB(none_as_null=True)))
    memberships: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    join_requests: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    activated_on: date | None = None
    dissolved_on: date | None = None
    # Denormalised from ``memberships`` so "the consortia this organisation is in" is an indexed query.
    member_organization_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(UUID(as_uuid=True)), nullable=False)
    )


class ContributionRow(AggregateColumns, SQLModel, table=True):
    """One line of a consortium's contribution ledger (append-only)."""

    __tablename__ = "contributions"
    __table_args__ = (
        # The ledger's order (contributed_on, created_at, id) within a consortium, and its two filters.
        sa.Index("ix_consortia_contributions_ledger", "consortium_id", "contributed_on", "created_at", "id"),
        sa.Index("ix_consortia_contributions_member", "consortium_id", "organization_id", "contributed_on"),
        sa.Index("ix_consortia_contributions_kind", "consortium_id", "kind", "contributed_on"),
        {"schema": SCHEMA},
    )

    consortium_id: uuid.UUID = Field(nullable=False)
    organization_id: uuid.UUID = Field(nullable=False)
    kind: str = Field(sa_type=sa.Text, nullable=False)
    # Unconstrained numeric: exact decimals, as entered (the domain checks the currency's minor unit).
    quantity: Decimal = Field(sa_type=sa.Numeric, nullable=False)
    unit: str = Field(sa_type=sa.Text, nullable=False)
    valuation: Decimal = Field(sa_type=sa.Numeric, nullable=False)
    currency: str = Field(sa_type=sa.Text, nullable=False)
    contributed_on: date = Field(nullable=False)
    recorded_by_organization_id: uuid.UUID | None = None


class DistributionRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "distributions"
    __table_args__ = (
        sa.Index("ix_consortia_distributions_consortium", "consortium_id", "created_at"),
        {"schema": SCHEMA},
    )

    consortium_id: uuid.UUID = Field(nullable=False)
    amount: Decimal = Field(sa_type=sa.Numeric, nullable=False)
    currency: str = Field(sa_type=sa.Text, nullable=False)
    rule_kind: str = Field(sa_type=sa.Text, nullable=False)
    allocations: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    distributed_on: date = Field(nullable=False)


organizations_table: sa.Table = OrganizationRow.__table__
consortia_table: sa.Table = ConsortiumRow.__table__
contributions_table: sa.Table = ContributionRow.__table__
distributions_table: sa.Table = DistributionRow.__table__
messaging = MessagingTables(metadata, SCHEMA)
