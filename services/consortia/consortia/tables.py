"""Tables of the consortia schema: organisations, consortia with their memberships and join requests, the ledger."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from dovetail_shared.db import MessagingTables
from dovetail_shared.tables import AggregateColumns
from sqlalchemy.dialects.postgresql import JSONB, UUID
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
    """A consortium's root row: it carries the one optimistic version of the consortium and its children."""

    __tablename__ = "consortia"
    __table_args__ = (
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
    activated_on: date | None = None
    dissolved_on: date | None = None


def _consortium_fk() -> Any:
    # A child row belongs to its consortium; deleting a consortium (tests, an operator's cleanup) takes them along.
    return sa.Column(UUID(as_uuid=True), sa.ForeignKey(f"{SCHEMA}.consortia.id", ondelete="CASCADE"), nullable=False)


class MembershipRow(SQLModel, table=True):
    """One stint of an organisation in a consortium (ADR 0018): a row, so a change writes only itself.

    ``position`` keeps the order stints were opened in (the domain's list order). Versioned through the
    consortium's root row, which every change of a stint also updates.
    """

    __tablename__ = "memberships"
    __table_args__ = (
        sa.UniqueConstraint("consortium_id", "position", name="uq_consortia_memberships_position"),
        # At most one open stint per organisation and consortium; also "the consortia it is an active member of".
        sa.Index(
            "uq_consortia_memberships_active",
            "organization_id",
            "consortium_id",
            unique=True,
            postgresql_where=sa.text("left_on IS NULL"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(primary_key=True)
    consortium_id: uuid.UUID = Field(sa_column=_consortium_fk())
    position: int = Field(nullable=False)
    organization_id: uuid.UUID = Field(nullable=False)
    organization_kind: str = Field(sa_type=sa.Text, nullable=False)
    role: str = Field(sa_type=sa.Text, nullable=False)
    joined_on: date = Field(nullable=False)
    left_on: date | None = None
    ended_by_dissolution: bool = Field(nullable=False)


class JoinRequestRow(SQLModel, table=True):
    """One request to join a consortium (ADR 0018); ``position`` is the order they were filed in."""

    __tablename__ = "join_requests"
    __table_args__ = (
        sa.UniqueConstraint("consortium_id", "position", name="uq_consortia_join_requests_position"),
        # The domain's "one pending request per organisation", held by the database too.
        sa.Index(
            "uq_consortia_join_requests_pending",
            "consortium_id",
            "organization_id",
            unique=True,
            postgresql_where=sa.text("status = 'pending'"),
        ),
        {"schema": SCHEMA},
    )

    id: uuid.UUID = Field(primary_key=True)
    consortium_id: uuid.UUID = Field(sa_column=_consortium_fk())
    position: int = Field(nullable=False)
    organization_id: uuid.UUID = Field(nullable=False)
    organization_kind: str = Field(sa_type=sa.Text, nullable=False)
    requested_role: str = Field(sa_type=sa.Text, nullable=False)
    status: str = Field(sa_type=sa.Text, nullable=False)
    reason: str | None = Field(default=None, sa_type=sa.Text)
    requested_on: date = Field(nullable=False)
    decided_on: date | None = None


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
    """One distribution; its allocations are written once with it and never change (ADR 0018: they stay JSONB)."""

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
# By name: these two have no aggregate base, and mypy does not see ``__table__`` on a bare SQLModel table class.
memberships_table: sa.Table = metadata.tables[f"{SCHEMA}.{MembershipRow.__tablename__}"]
join_requests_table: sa.Table = metadata.tables[f"{SCHEMA}.{JoinRequestRow.__tablename__}"]
contributions_table: sa.Table = ContributionRow.__table__
distributions_table: sa.Table = DistributionRow.__table__
messaging = MessagingTables(metadata, SCHEMA)
