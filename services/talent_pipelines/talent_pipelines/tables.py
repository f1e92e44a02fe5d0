"""Tables of the talent_pipelines schema: demands, candidates and their moves, the supply projection, messaging."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from dovetail_shared.db import MessagingTables
from dovetail_shared.projections.organizations import OrganizationsProjection
from dovetail_shared.tables import AggregateColumns
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlmodel import Field, SQLModel

SCHEMA = "talent_pipelines"
metadata = SQLModel.metadata
CANDIDATE_INDEX = "uq_talent_pipelines_candidates_learner"
TS = sa.DateTime(timezone=True)


class DemandRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "demands"
    __table_args__ = (
        sa.Index("ix_talent_pipelines_demands_firm", "firm_id", "created_at", "id"),
        sa.Index("ix_talent_pipelines_demands_created", "created_at", "id"),
        sa.Index("ix_talent_pipelines_demands_status", "status", "created_at"),
        # The expiry job and rematching read open demands.
        sa.Index("ix_talent_pipelines_demands_open", "needed_by", postgresql_where=sa.text("status = 'open'")),
        {"schema": SCHEMA},
    )

    firm_id: uuid.UUID = Field(nullable=False)
    role_title: str = Field(sa_type=sa.Text, nullable=False)
    occupation_id: str | None = Field(default=None, sa_type=sa.Text)
    skills: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    headcount: int = Field(nullable=False)
    hired: int = Field(nullable=False)
    region: str | None = Field(default=None, sa_type=sa.Text)
    needed_by: date = Field(nullable=False)
    status: str = Field(sa_type=sa.Text, nullable=False)
    closed_at: datetime | None = Field(default=None, sa_type=TS)
    top: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))


class CandidateRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "candidates"
    __table_args__ = (
        sa.Index(CANDIDATE_INDEX, "demand_id", "learner_ref", unique=True),
        sa.Index("ix_talent_pipelines_candidates_demand", "demand_id", "created_at", "id"),
        sa.Index("ix_talent_pipelines_candidates_learner", "learner_ref"),
        {"schema": SCHEMA},
    )

    demand_id: uuid.UUID = Field(nullable=False)
    firm_id: uuid.UUID = Field(nullable=False)
    learner_ref: uuid.UUID | None = None
    stage: str = Field(sa_type=sa.Text, nullable=False)
    drop_reason: str | None = Field(default=None, sa_type=sa.Text)


demands_table: sa.Table = DemandRow.__table__
candidates_table: sa.Table = CandidateRow.__table__

# Every move of every candidate (no learner reference: the history survives erasure, unlinkable).
moves_table = sa.Table(
    "candidate_moves",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("candidate_id", UUID(as_uuid=True), nullable=False),
    sa.Column("demand_id", UUID(as_uuid=True), nullable=False),
    sa.Column("from_stage", sa.Text, nullable=True),
    sa.Column("to_stage", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("by", sa.Text, nullable=False),
    sa.Column("moved_at", TS, nullable=False),
    sa.Index("ix_talent_pipelines_moves_demand", "demand_id", "moved_at"),
    sa.Index("ix_talent_pipelines_moves_candidate", "candidate_id", "moved_at"),
    schema=SCHEMA,
)

# ---- the supply projection, from curricula's, joint programs' and internships' events only

# Programs' consortium (joint programs' ``program.proposed``): the gap report's consortium filter.
programs_table = sa.Table(
    "supply_programs",
    metadata,
    sa.Column("program_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("consortium_id", UUID(as_uuid=True), nullable=True),
    sa.Column("updated_at", TS, nullable=False),
    sa.Index("ix_talent_pipelines_programs_consortium", "consortium_id"),
    schema=SCHEMA,
)

cohorts_table = sa.Table(
    "supply_cohorts",
    metadata,
    sa.Column("cohort_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("program_id", UUID(as_uuid=True), nullable=False),
    sa.Column("college_id", UUID(as_uuid=True), nullable=False),
    sa.Column("partner_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    sa.Column("curriculum_id", UUID(as_uuid=True), nullable=False),
    sa.Column("version_number", sa.Integer, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("seat_limit", sa.Integer, nullable=False),
    sa.Column("graduation_date", sa.Date, nullable=False),
    sa.Column("skills", JSONB, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    sa.Index("ix_talent_pipelines_cohorts_program", "program_id"),
    # The consent rule: programs the firm is a partner of.
    sa.Index("ix_talent_pipelines_cohorts_partners", "partner_ids", postgresql_using="gin"),
    sa.Index("ix_talent_pipelines_cohorts_curriculum", "curriculum_id", "version_number"),
    schema=SCHEMA,
)

curricula_table = sa.Table(
    "supply_curricula",
    metadata,
    sa.Column("curriculum_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("college_id", UUID(as_uuid=True), nullable=True),
    sa.Column("title", sa.Text, nullable=True),
    sa.Column("co_author_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    sa.Column("published_number", sa.Integer, nullable=True),
    sa.Column("skills", JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
    sa.Column("updated_at", TS, nullable=False),
    schema=SCHEMA,
)

learners_table = sa.Table(
    "supply_learners",
    metadata,
    sa.Column("learner_ref", UUID(as_uuid=True), primary_key=True),
    sa.Column("college_id", UUID(as_uuid=True), nullable=True),
    sa.Column("cohort_id", UUID(as_uuid=True), nullable=True),
    sa.Column("program_id", UUID(as_uuid=True), nullable=True),
    sa.Column("updated_at", TS, nullable=False),
    sa.Index("ix_talent_pipelines_learners_cohort", "cohort_id"),
    schema=SCHEMA,
)

# Active consents for the purpose ``matching`` only; a withdrawal deletes the row.
consents_table = sa.Table(
    "supply_consents",
    metadata,
    sa.Column("consent_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("learner_ref", UUID(as_uuid=True), nullable=False),
    sa.Column("firm_id", UUID(as_uuid=True), nullable=True),
    sa.Column("program_id", UUID(as_uuid=True), nullable=True),
    sa.Column("given_at", TS, nullable=False),
    sa.Index("ix_talent_pipelines_consents_learner", "learner_ref"),
    sa.Index("ix_talent_pipelines_consents_firm", "firm_id"),
    sa.Index("ix_talent_pipelines_consents_program", "program_id"),
    schema=SCHEMA,
)

# A learner's evidence per skill and kind (taught, practised, assessed): the best level and the hours.
evidence_table = sa.Table(
    "learner_evidence",
    metadata,
    sa.Column("learner_ref", UUID(as_uuid=True), primary_key=True),
    sa.Column("skill_id", sa.Text, primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("hours", sa.Float, nullable=False),
    sa.Column("updated_at", TS, nullable=False),
    schema=SCHEMA,
)

messaging = MessagingTables(metadata, SCHEMA)
# Verified firms post demands: what talent pipelines knows of consortia's organisations, from their events.
organizations = OrganizationsProjection(metadata, SCHEMA)
