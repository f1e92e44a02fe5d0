"""Initial joint_programs schema: programs, cohorts, learners, enrolments, consents, projections, outbox, inbox."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from dovetail_shared.migrations import create_messaging_tables
from dovetail_shared.projections.curriculum_versions import create_curriculum_versions_projection
from dovetail_shared.projections.memberships import create_memberships_projection
from dovetail_shared.projections.organizations import create_organizations_projection
from dovetail_shared.tables import aggregate_columns

revision, down_revision = "0001", None

SCHEMA = "joint_programs"
UUID = pg.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "programs",
        *aggregate_columns(),
        sa.Column("college_id", UUID, nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_zh", sa.Text, nullable=True),
        sa.Column("model", sa.Text, nullable=False),
        sa.Column("partner_ids", pg.ARRAY(UUID), nullable=False),
        sa.Column("consortium_id", UUID, nullable=True),
        sa.Column("curriculum_id", UUID, nullable=False),
        sa.Column("curriculum_version_number", sa.Integer, nullable=False),
        sa.Column("capacity", sa.Integer, nullable=False),
        sa.Column("committed_intake", pg.JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("approved_by", pg.ARRAY(UUID), nullable=False),
        sa.Column("declined_by", UUID, nullable=True),
        sa.Column("decline_reason", sa.Text, nullable=True),
        sa.Column("pin_flag", sa.Text, nullable=True),
        sa.Column("flagged_at", TS, nullable=True),
        sa.Column("launched_at", TS, nullable=True),
        sa.Column("closed_at", TS, nullable=True),
        schema=SCHEMA,
    )
    op.create_index("ix_joint_programs_programs_college", "programs", ["college_id", "created_at", "id"], schema=SCHEMA)
    op.create_index(
        "ix_joint_programs_programs_partners", "programs", ["partner_ids"], schema=SCHEMA, postgresql_using="gin"
    )
    op.create_index("ix_joint_programs_programs_created", "programs", ["created_at", "id"], schema=SCHEMA)
    op.create_index("ix_joint_programs_programs_status", "programs", ["status", "created_at"], schema=SCHEMA)
    op.create_index(
        "ix_joint_programs_programs_pinned", "programs", ["curriculum_id", "curriculum_version_number"], schema=SCHEMA
    )

    op.create_table(
        "cohorts",
        *aggregate_columns(),
        sa.Column("program_id", UUID, nullable=False),
        sa.Column("college_id", UUID, nullable=False),
        sa.Column("intake_term", sa.Text, nullable=False),
        sa.Column("seat_limit", sa.Integer, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("graduation_date", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("enrolled_count", sa.Integer, nullable=False),
        sa.CheckConstraint("enrolled_count >= 0 AND enrolled_count <= seat_limit", name="ck_cohorts_seats"),
        schema=SCHEMA,
    )
    op.create_index("ix_joint_programs_cohorts_program", "cohorts", ["program_id", "created_at", "id"], schema=SCHEMA)

    op.create_table(
        "learners",
        *aggregate_columns(),
        sa.Column("college_id", UUID, nullable=False),
        sa.Column("ref", UUID, nullable=False, unique=True),
        sa.Column("name", sa.Text, nullable=True),
        sa.Column("name_zh", sa.Text, nullable=True),
        sa.Column("student_number", sa.Text, nullable=True),
        sa.Column("date_of_birth", sa.Date, nullable=True),
        sa.Column("contact", sa.Text, nullable=True),
        sa.Column("account_subject", sa.Text, nullable=True),
        sa.Column("erased_at", TS, nullable=True),
        schema=SCHEMA,
    )
    # Unique per college; erasure nulls the number, and NULLs never collide.
    op.create_index(
        "uq_joint_programs_learners_student_number",
        "learners",
        ["college_id", "student_number"],
        unique=True,
        schema=SCHEMA,
    )
    op.create_index("ix_joint_programs_learners_college", "learners", ["college_id", "created_at", "id"], schema=SCHEMA)
    op.create_index("ix_joint_programs_learners_account", "learners", ["account_subject"], schema=SCHEMA)

    op.create_table(
        "enrolments",
        *aggregate_columns(),
        sa.Column("cohort_id", UUID, nullable=False),
        sa.Column("program_id", UUID, nullable=False),
        sa.Column("learner_id", UUID, nullable=False),
        sa.Column("learner_ref", UUID, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("enrolled_on", sa.Date, nullable=False),
        sa.Column("ended_on", sa.Date, nullable=True),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_joint_programs_enrolments_learner", "enrolments", ["cohort_id", "learner_id"], unique=True, schema=SCHEMA
    )
    op.create_index(
        "ix_joint_programs_enrolments_cohort", "enrolments", ["cohort_id", "created_at", "id"], schema=SCHEMA
    )
    op.create_index("ix_joint_programs_enrolments_learner", "enrolments", ["learner_id"], schema=SCHEMA)

    op.create_table(
        "consents",
        *aggregate_columns(),
        sa.Column("learner_id", UUID, nullable=False),
        sa.Column("learner_ref", UUID, nullable=False),
        sa.Column("firm_id", UUID, nullable=True),
        sa.Column("program_id", UUID, nullable=True),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("given_at", TS, nullable=False),
        sa.Column("withdrawn_at", TS, nullable=True),
        schema=SCHEMA,
    )
    op.create_index("ix_joint_programs_consents_learner", "consents", ["learner_id", "created_at", "id"], schema=SCHEMA)
    op.create_index(
        "ix_joint_programs_consents_firm",
        "consents",
        ["firm_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )
    op.create_index(
        "ix_joint_programs_consents_program",
        "consents",
        ["program_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("withdrawn_at IS NULL"),
    )

    create_organizations_projection(op, SCHEMA)
    create_memberships_projection(op, SCHEMA)
    create_curriculum_versions_projection(op, SCHEMA)
    create_messaging_tables(op, SCHEMA)


def downgrade() -> None:
    op.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
