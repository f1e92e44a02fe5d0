"""Tables of the internships schema: postings, applications, placements, logbook entries, evaluations, the
projections of consortia's organisations and of joint programs' learners, messaging."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from dovetail_shared.db import MessagingTables
from dovetail_shared.projections.organizations import OrganizationsProjection
from dovetail_shared.tables import AggregateColumns
from dovetail_shared.taxonomy import TaxonomyTables
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlmodel import Field, SQLModel

SCHEMA = "internships"
metadata = SQLModel.metadata
LIVE_APPLICATION_INDEX = "uq_internships_applications_live"
EVALUATION_INDEX = "uq_internships_evaluations_role"
LIVE_APPLICATION = sa.text("status IN ('submitted', 'shortlisted', 'offered')")


class PostingRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "postings"
    __table_args__ = (
        sa.Index("ix_internships_postings_firm", "firm_id", "created_at", "id"),
        sa.Index("ix_internships_postings_status", "status", "created_at", "id"),
        sa.Index("ix_internships_postings_created", "created_at", "id"),
        {"schema": SCHEMA},
    )

    firm_id: uuid.UUID = Field(nullable=False)
    title: str = Field(sa_type=sa.Text, nullable=False)
    description: str | None = Field(default=None, sa_type=sa.Text)
    positions: int = Field(nullable=False)
    skills: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    region: str | None = Field(default=None, sa_type=sa.Text)
    location: str | None = Field(default=None, sa_type=sa.Text)
    start_date: date = Field(nullable=False)
    end_date: date = Field(nullable=False)
    stipend: Decimal = Field(sa_type=sa.Numeric(12, 2), nullable=False)
    post_wage: Decimal = Field(sa_type=sa.Numeric(12, 2), nullable=False)
    firm_staff: int = Field(nullable=False)
    post_staff: int = Field(nullable=False)
    program_id: uuid.UUID | None = None
    cohort_id: uuid.UUID | None = None
    status: str = Field(sa_type=sa.Text, nullable=False)
    placed: int = Field(nullable=False)
    closed_reason: str | None = Field(default=None, sa_type=sa.Text)


class ApplicationRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "applications"
    __table_args__ = (
        # One live application per learner and posting; a withdrawn or rejected one does not block a new one.
        sa.Index(LIVE_APPLICATION_INDEX, "posting_id", "learner_ref", unique=True, postgresql_where=LIVE_APPLICATION),
        sa.Index("ix_internships_applications_posting", "posting_id", "created_at", "id"),
        sa.Index("ix_internships_applications_firm", "firm_id", "created_at", "id"),
        sa.Index("ix_internships_applications_college", "college_id", "created_at", "id"),
        sa.Index("ix_internships_applications_learner", "learner_ref", "created_at", "id"),
        {"schema": SCHEMA},
    )

    posting_id: uuid.UUID = Field(nullable=False)
    firm_id: uuid.UUID = Field(nullable=False)
    learner_ref: uuid.UUID = Field(nullable=False)
    college_id: uuid.UUID = Field(nullable=False)
    cover_letter: str | None = Field(default=None, sa_type=sa.Text)
    status: str = Field(sa_type=sa.Text, nullable=False)
    reject_reason: str | None = Field(default=None, sa_type=sa.Text)
    superseded: bool = Field(nullable=False)


class PlacementRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "placements"
    __table_args__ = (
        sa.Index("ix_internships_placements_firm", "firm_id", "created_at", "id"),
        sa.Index("ix_internships_placements_college", "college_id", "created_at", "id"),
        sa.Index("ix_internships_placements_learner", "learner_ref", "created_at", "id"),
        sa.Index("ix_internships_placements_mentor", "mentor_sub", "created_at", "id"),
        sa.Index("ix_internships_placements_teacher", "teacher_sub", "created_at", "id"),
        sa.Index("ix_internships_placements_posting", "posting_id"),
        {"schema": SCHEMA},
    )

    posting_id: uuid.UUID = Field(nullable=False)
    application_id: uuid.UUID = Field(nullable=False, unique=True)
    firm_id: uuid.UUID = Field(nullable=False)
    college_id: uuid.UUID = Field(nullable=False)
    learner_ref: uuid.UUID = Field(nullable=False)
    start_date: date = Field(nullable=False)
    end_date: date = Field(nullable=False)
    status: str = Field(sa_type=sa.Text, nullable=False)
    mentor_sub: str | None = Field(default=None, sa_type=sa.Text)
    teacher_sub: str | None = Field(default=None, sa_type=sa.Text)
    learner_signed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    firm_signed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    college_signed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    insurance_policy_number: str | None = Field(default=None, sa_type=sa.Text)
    insurer: str | None = Field(default=None, sa_type=sa.Text)
    insurance_valid_from: date | None = None
    insurance_valid_to: date | None = None
    completed_on: date | None = None
    terminated_on: date | None = None
    termination_reason: str | None = Field(default=None, sa_type=sa.Text)


class LogbookEntryRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "logbook_entries"
    __table_args__ = (
        sa.Index("ix_internships_logbook_placement", "placement_id", "entry_date", "id"),
        sa.Index("ix_internships_logbook_learner", "learner_ref"),
        {"schema": SCHEMA},
    )

    placement_id: uuid.UUID = Field(nullable=False)
    learner_ref: uuid.UUID = Field(nullable=False)
    entry_date: date = Field(nullable=False)
    start_time: time = Field(nullable=False)
    end_time: time = Field(nullable=False)
    break_minutes: int = Field(nullable=False)
    minutes: int = Field(nullable=False)
    tasks: str | None = Field(default=None, sa_type=sa.Text)
    skills: list[str] = Field(default_factory=list, sa_column=sa.Column(ARRAY(sa.Text), nullable=False))
    status: str = Field(sa_type=sa.Text, nullable=False)
    comment: str | None = Field(default=None, sa_type=sa.Text)
    signed_by: str | None = Field(default=None, sa_type=sa.Text)
    signed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class EvaluationRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "evaluations"
    __table_args__ = (
        sa.Index(EVALUATION_INDEX, "placement_id", "evaluator_role", unique=True),
        sa.Index("ix_internships_evaluations_learner", "learner_ref"),
        {"schema": SCHEMA},
    )

    placement_id: uuid.UUID = Field(nullable=False)
    learner_ref: uuid.UUID = Field(nullable=False)
    evaluator_role: str = Field(sa_type=sa.Text, nullable=False)
    evaluator_sub: str = Field(sa_type=sa.Text, nullable=False)
    scores: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    grade: str = Field(sa_type=sa.Text, nullable=False)
    comment: str | None = Field(default=None, sa_type=sa.Text)


class RatingRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "ratings"
    __table_args__ = (
        sa.Index("ix_internships_ratings_firm", "firm_id"),
        sa.Index("ix_internships_ratings_learner", "learner_ref"),
        {"schema": SCHEMA},
    )

    placement_id: uuid.UUID = Field(nullable=False, unique=True)
    firm_id: uuid.UUID = Field(nullable=False)
    learner_ref: uuid.UUID = Field(nullable=False)
    score: int = Field(nullable=False)
    comment: str | None = Field(default=None, sa_type=sa.Text)


# What internships knows of joint programs' learners (ADR 0028), from their events: no name, no contact.
known_learners = sa.Table(
    "known_learners",
    metadata,
    sa.Column("ref", UUID(as_uuid=True), primary_key=True),
    sa.Column("college_id", UUID(as_uuid=True), nullable=False),
    sa.Column("account_digest", sa.Text, nullable=True),
    sa.Column("turns_16_on", sa.Date, nullable=True),
    sa.Column("turns_18_on", sa.Date, nullable=True),
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_internships_known_learners_account", "account_digest"),
    schema=SCHEMA,
)
known_enrolments = sa.Table(
    "known_enrolments",
    metadata,
    sa.Column("learner_ref", UUID(as_uuid=True), primary_key=True),
    sa.Column("cohort_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("program_id", UUID(as_uuid=True), nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    schema=SCHEMA,
)
known_consents = sa.Table(
    "known_consents",
    metadata,
    sa.Column("consent_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("learner_ref", UUID(as_uuid=True), nullable=False),
    sa.Column("firm_id", UUID(as_uuid=True), nullable=True),
    sa.Column("program_id", UUID(as_uuid=True), nullable=True),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_internships_known_consents_learner", "learner_ref"),
    schema=SCHEMA,
)
known_programs = sa.Table(
    "known_programs",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("college_id", UUID(as_uuid=True), nullable=False),
    sa.Column("partner_ids", ARRAY(UUID(as_uuid=True)), nullable=False),
    schema=SCHEMA,
)

postings_table: sa.Table = PostingRow.__table__
applications_table: sa.Table = ApplicationRow.__table__
placements_table: sa.Table = PlacementRow.__table__
logbook_table: sa.Table = LogbookEntryRow.__table__
evaluations_table: sa.Table = EvaluationRow.__table__
ratings_table: sa.Table = RatingRow.__table__
messaging = MessagingTables(metadata, SCHEMA)
# What internships knows of consortia's organisations, from their events; the taxonomy for skill ids.
organizations = OrganizationsProjection(metadata, SCHEMA)
taxonomy = TaxonomyTables(metadata, SCHEMA)
