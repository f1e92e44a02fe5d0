"""Tables of the joint_programs schema: programs, cohorts, learners, enrolments, consents, projections, messaging."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from dovetail_shared.db import MessagingTables
from dovetail_shared.projections.curriculum_versions import CurriculumVersionsProjection
from dovetail_shared.projections.memberships import MembershipsProjection
from dovetail_shared.projections.organizations import OrganizationsProjection
from dovetail_shared.tables import AggregateColumns
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlmodel import Field, SQLModel

from joint_programs.messaging.retirements import flag_programs

SCHEMA = "joint_programs"
metadata = SQLModel.metadata
STUDENT_NUMBER_INDEX = "uq_joint_programs_learners_student_number"
ENROLMENT_INDEX = "uq_joint_programs_enrolments_learner"


class ProgramRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "programs"
    __table_args__ = (
        sa.Index("ix_joint_programs_programs_college", "college_id", "created_at", "id"),
        sa.Index("ix_joint_programs_programs_partners", "partner_ids", postgresql_using="gin"),
        sa.Index("ix_joint_programs_programs_created", "created_at", "id"),
        sa.Index("ix_joint_programs_programs_status", "status", "created_at"),
        # The retirement handler finds the programs pinned to a version.
        sa.Index("ix_joint_programs_programs_pinned", "curriculum_id", "curriculum_version_number"),
        {"schema": SCHEMA},
    )

    college_id: uuid.UUID = Field(nullable=False)
    title: str = Field(sa_type=sa.Text, nullable=False)
    title_zh: str | None = Field(default=None, sa_type=sa.Text)
    model: str = Field(sa_type=sa.Text, nullable=False)
    partner_ids: list[uuid.UUID] = Field(sa_column=sa.Column(ARRAY(UUID(as_uuid=True)), nullable=False))
    consortium_id: uuid.UUID | None = None
    curriculum_id: uuid.UUID = Field(nullable=False)
    curriculum_version_number: int = Field(nullable=False)
    capacity: int = Field(nullable=False)
    committed_intake: list[dict[str, Any]] = Field(default_factory=list, sa_column=sa.Column(JSONB, nullable=False))
    status: str = Field(sa_type=sa.Text, nullable=False)
    approved_by: list[uuid.UUID] = Field(
        default_factory=list, sa_column=sa.Column(ARRAY(UUID(as_uuid=True)), nullable=False)
    )
    declined_by: uuid.UUID | None = None
    decline_reason: str | None = Field(default=None, sa_type=sa.Text)
    pin_flag: str | None = Field(default=None, sa_type=sa.Text)
    flagged_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    launched_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))
    closed_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class CohortRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "cohorts"
    __table_args__ = (
        sa.Index("ix_joint_programs_cohorts_program", "program_id", "created_at", "id"),
        sa.CheckConstraint("enrolled_count >= 0 AND enrolled_count <= seat_limit", name="ck_cohorts_seats"),
        {"schema": SCHEMA},
    )

    program_id: uuid.UUID = Field(nullable=False)
    college_id: uuid.UUID = Field(nullable=False)
    intake_term: str = Field(sa_type=sa.Text, nullable=False)
    seat_limit: int = Field(nullable=False)
    start_date: date = Field(nullable=False)
    graduation_date: date = Field(nullable=False)
    status: str = Field(sa_type=sa.Text, nullable=False)
    enrolled_count: int = Field(nullable=False)


class LearnerRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "learners"
    __table_args__ = (
        # Unique per college among learners not erased (erasure nulls the number).
        sa.Index(STUDENT_NUMBER_INDEX, "college_id", "student_number", unique=True),
        sa.Index("ix_joint_programs_learners_college", "college_id", "created_at", "id"),
        sa.Index("ix_joint_programs_learners_account", "account_subject"),
        {"schema": SCHEMA},
    )

    college_id: uuid.UUID = Field(nullable=False)
    ref: uuid.UUID = Field(nullable=False, unique=True)
    name: str | None = Field(default=None, sa_type=sa.Text)
    name_zh: str | None = Field(default=None, sa_type=sa.Text)
    student_number: str | None = Field(default=None, sa_type=sa.Text)
    date_of_birth: date | None = None
    contact: str | None = Field(default=None, sa_type=sa.Text)
    account_subject: str | None = Field(default=None, sa_type=sa.Text)
    erased_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


class EnrolmentRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "enrolments"
    __table_args__ = (
        sa.Index(ENROLMENT_INDEX, "cohort_id", "learner_id", unique=True),
        sa.Index("ix_joint_programs_enrolments_cohort", "cohort_id", "created_at", "id"),
        sa.Index("ix_joint_programs_enrolments_learner", "learner_id"),
        {"schema": SCHEMA},
    )

    cohort_id: uuid.UUID = Field(nullable=False)
    program_id: uuid.UUID = Field(nullable=False)
    learner_id: uuid.UUID = Field(nullable=False)
    learner_ref: uuid.UUID = Field(nullable=False)
    status: str = Field(sa_type=sa.Text, nullable=False)
    enrolled_on: date = Field(nullable=False)
    ended_on: date | None = None


class ConsentRow(AggregateColumns, SQLModel, table=True):
    __tablename__ = "consents"
    __table_args__ = (
        sa.Index("ix_joint_programs_consents_learner", "learner_id", "created_at", "id"),
        # The consent filter of a firm's reads: active consents by firm, and by program.
        sa.Index("ix_joint_programs_consents_firm", "firm_id", postgresql_where=sa.text("withdrawn_at IS NULL")),
        sa.Index("ix_joint_programs_consents_program", "program_id", postgresql_where=sa.text("withdrawn_at IS NULL")),
        {"schema": SCHEMA},
    )

    learner_id: uuid.UUID = Field(nullable=False)
    learner_ref: uuid.UUID = Field(nullable=False)
    firm_id: uuid.UUID | None = None
    program_id: uuid.UUID | None = None
    purpose: str = Field(sa_type=sa.Text, nullable=False)
    given_at: datetime = Field(sa_type=sa.DateTime(timezone=True), nullable=False)
    withdrawn_at: datetime | None = Field(default=None, sa_type=sa.DateTime(timezone=True))


programs_table: sa.Table = ProgramRow.__table__
cohorts_table: sa.Table = CohortRow.__table__
learners_table: sa.Table = LearnerRow.__table__
enrolments_table: sa.Table = EnrolmentRow.__table__
consents_table: sa.Table = ConsentRow.__table__
messaging = MessagingTables(metadata, SCHEMA)
# What joint programs knows of consortia's and curricula's facts, from their events.
organizations = OrganizationsProjection(metadata, SCHEMA)
memberships = MembershipsProjection(metadata, SCHEMA)
curriculum_versions = CurriculumVersionsProjection(metadata, SCHEMA, on_retired=flag_programs)
