"""Tables of the curricula schema: curricula and their version rows, proposals and their review rows, projections."""

from __future__ import annotations

import uuid
from datetime import date, datetime
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
    """A curriculum's root row: its own facts and the aggregate's one optimistic version (ADR 0012).

    The versions are rows of ``curriculum_versions``; every save of the aggregate still bumps ``version`` here,
    so the root row stays the one consistency boundary. ``public_version``/``public_updated_at`` move only
    when what outsiders can see changes (ADR 0009).
    """

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
    # Denormalised from the version rows so "what may outsiders see" is an indexable column of the root.
    published_version_number: int | None = Field(default=None, index=True)
    public_version: int = Field(nullable=False)
    public_updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True), nullable=False)


class CurriculumVersionRow(SQLModel, table=True):
    """One numbered version of a curriculum; a save writes only the version rows that changed."""

    __tablename__ = "curriculum_versions"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["curriculum_id"], [f"{SCHEMA}.curricula.id"], name="fk_curriculum_versions_curriculum", ondelete="CASCADE"
        ),
        sa.UniqueConstraint("id", name="uq_curriculum_versions_id"),
        {"schema": SCHEMA},
    )

    # The primary key (curriculum_id, number) also serves loading a curriculum's (or a page's) versions.
    curriculum_id: uuid.UUID = Field(primary_key=True)
    number: int = Field(primary_key=True)
    id: uuid.UUID = Field(nullable=False)
    status: str = Field(sa_type=sa.Text, nullable=False)
    effective_date: date | None = None
    modules: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    # Bounded: one approval per co-author, plus one request for changes per review round.
    reviews: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    base_version_number: int | None = None
    source_proposal_id: uuid.UUID | None = None
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True), nullable=False)
    published_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    retired_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


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
    decided_reason: str | None = Field(default=None, sa_type=sa.Text)
    decided_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    accepted_version_number: int | None = None


class ProposalReviewRow(SQLModel, table=True):
    """One review of a change proposal, in the order given: adding a review inserts one row."""

    __tablename__ = "proposal_reviews"
    __table_args__ = (
        sa.ForeignKeyConstraint(
            ["proposal_id"], [f"{SCHEMA}.change_proposals.id"], name="fk_proposal_reviews_proposal", ondelete="CASCADE"
        ),
        {"schema": SCHEMA},
    )

    proposal_id: uuid.UUID = Field(primary_key=True)
    seq: int = Field(primary_key=True)
    organization_id: uuid.UUID = Field(nullable=False)
    decision: str = Field(sa_type=sa.Text, nullable=False)
    comment: str = Field(sa_type=sa.Text, nullable=False)
    at: datetime = Field(sa_type=sa.DateTime(timezone=True), nullable=False)


curricula_table: sa.Table = CurriculumRow.__table__
versions_table: sa.Table = metadata.tables[f"{SCHEMA}.{CurriculumVersionRow.__tablename__}"]
proposals_table: sa.Table = ProposalRow.__table__
proposal_reviews_table: sa.Table = metadata.tables[f"{SCHEMA}.{ProposalReviewRow.__tablename__}"]
messaging = MessagingTables(metadata, SCHEMA)
# What curricula knows of consortia's facts, from their events (it never reads their tables).
organizations = OrganizationsProjection(metadata, SCHEMA)
memberships = MembershipsProjection(metadata, SCHEMA)
organizations_table = organizations.table
taxonomy = TaxonomyTables(metadata, SCHEMA)
