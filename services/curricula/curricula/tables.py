"""Tables of the curricula schema: curricula (versions inline as JSONB), proposals, projections, messaging."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from dovetail_shared.db import MessagingTables
from dovetail_shared.projections.memberships import MembershipsProjection
from dovetail_shared.projections.organizations import OrganizationsProjection
from dovetail_shared.tables import AggregateColumns
from dovetail_shared.taxonomy import TaxonomyTables
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlmodel import Field, SQLModel

SCHEMA = "curricula"
metadata = SQLModel.metadata


class CurriculumRow(AggregateColumns, SQLModel, table=True):
    """A curriculum and all its versions: one row, one optimistic version, one consistency boundary."""

    __tablename__ = "curricula"
    __table_args__ = (
        sa.Index("ix_curricula_college", "college_id"),
        sa.Index("ix_curricula_co_authors", "co_author_ids", postgresql_using="gin"),
        # Every filter and the order of GET /curricula (ADR 0013).
        sa.Index("ix_curricula_created", "created_at", "id"),
        sa.Index("ix_curricula_occupation", "target_occupation", "created_at"),
        {"schema": SCHEMA},
    )

    college_id: uuid.UUID = Field(nullable=False)
    title: str = Field(sa_type=sa.Text, nullable=False)
    title_zh: str | None = Field(default=None, sa_type=sa.Text)
    target_occupation: str = Field(sa_type=sa.Text, nullable=False)
    level: str = Field(sa_type=sa.Text, nullable=False)
    consortium_id: uuid.UUID | None = None
    co_author_ids: list[uuid.UUID] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(UUID(as_uuid=True)), nullable=False)
    )
    approval_rule: str = Field(sa_type=sa.Text, nullable=False)
    versions: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    # Denormalised from ``versions`` so "what may outsiders see" is an indexable column.
    published_version_number: int | None = Field(default=None, index=True)
    # What outsiders see has its own version and timestamp: private work does not move them (ADR 0009).
    public_version: int = Field(nullable=False)
    public_updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True), nullable=False)


class ProposalRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "change_proposals"
    __table_args__ = (
        sa.Index("ix_curricula_change_proposals_listed", "curriculum_id", "created_at", "id"),
        {"schema": SCHEMA},
    )

    curriculum_id: uuid.UUID = Field(nullable=False)
    proposer_org_id: uuid.UUID = Field(nullable=False)
    base_version_number: int = Field(nullable=False)
    demand_id: uuid.UUID | None = None
    rationale: str = Field(sa_type=sa.Text, nullable=False)
    diff: dict[str, Any] = Field(sa_column=sa.Column(JSONB, nullable=False))
    status: str = Field(sa_type=sa.Text, nullable=False)
    reviews: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    decided_reason: str | None = Field(default=None, sa_type=sa.Text)
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    accepted_version_number: int | None = None


curricula_table: sa.Table = CurriculumRow.__table__
proposals_table: sa.Table = ProposalRow.__table__
messaging = MessagingTables(metadata, SCHEMA)
# What curricula knows of consortia's facts, from their events (it never reads their tables).
organizations = OrganizationsProjection(metadata, SCHEMA)
memberships = MembershipsProjection(metadata, SCHEMA)
organizations_table = organizations.table
taxonomy = TaxonomyTables(metadata, SCHEMA)
