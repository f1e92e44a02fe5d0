"""Initial talent_pipelines schema: demands, candidates and moves, the supply projection, organisations, outbox, inbox."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from dovetail_shared.migrations import create_messaging_tables
from dovetail_shared.projections.organizations import create_organizations_projection
from dovetail_shared.tables import aggregate_columns

revision, down_revision = "0001", None

SCHEMA = "talent_pipelines"
UUID = pg.UUID(as_uuid=True)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "demands",
        *aggregate_columns(),
        sa.Column("firm_id", UUID, nullable=False),
        sa.Column("role_title", sa.Text, nullable=False),
        sa.Column("occupation_id", sa.Text, nullable=True),
        sa.Column("skills", pg.JSONB, nullable=False),
        sa.Column("headcount", sa.Integer, nullable=False),
        sa.Column("hired", sa.Integer, nullable=False),
        sa.Column("region", sa.Text, nullable=True),
        sa.Column("needed_by", sa.Date, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("closed_at", TS, nullable=True),
        sa.Column("top", pg.JSONB, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_talent_pipelines_demands_firm", "demands", ["firm_id", "created_at", "id"], schema=SCHEMA)
    op.create_index("ix_talent_pipelines_demands_created", "demands", ["created_at", "id"], schema=SCHEMA)
    op.create_index("ix_talent_pipelines_demands_status", "demands", ["status", "created_at"], schema=SCHEMA)
    op.create_index(
        "ix_talent_pipelines_demands_open",
        "demands",
        ["needed_by"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'open'"),
    )

    op.create_table(
        "candidates",
        *aggregate_columns(),
        sa.Column("demand_id", UUID, nullable=False),
        sa.Column("firm_id", UUID, nullable=False),
        sa.Column("learner_ref", UUID, nullable=True),
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("drop_reason", sa.Text, nullable=True),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_talent_pipelines_candidates_learner", "candidates", ["demand_id", "learner_ref"], unique=True, schema=SCHEMA
    )
    op.create_index(
        "ix_talent_pipelines_candidates_demand", "candidates", ["demand_id", "created_at", "id"], schema=SCHEMA
    )
    op.create_index("ix_talent_pipelines_candidates_learner", "candidates", ["learner_ref"], schema=SCHEMA)

    op.create_table(
        "candidate_moves",
        sa.Column("id", UUID, primary_key=True),
        sa.Column("candidate_id", UUID, nullable=False),
        sa.Column("demand_id", UUID, nullable=False),
        sa.Column("from_stage", sa.Text, nullable=True),
        sa.Column("to_stage", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("moved_at", TS, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_talent_pipelines_moves_demand", "candidate_moves", ["demand_id", "moved_at"], schema=SCHEMA)
    op.create_index(
        "ix_talent_pipelines_moves_candidate", "candidate_moves", ["candidate_id", "moved_at"], schema=SCHEMA
    )

    op.create_table(
        "supply_cohorts",
        sa.Column("cohort_id", UUID, primary_key=True),
        sa.Column("program_id", UUID, nullable=False),
        sa.Column("college_id", UUID, nullable=False),
        sa.Column("partner_ids", pg.ARRAY(UUID), nullable=False),
        sa.Column("curriculum_id", UUID, nullable=False),
        sa.Column("version_number", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("seat_limit", sa.Integer, nullable=False),
        sa.Column("graduation_date", sa.Date, nullable=False),
        sa.Column("skills", pg.JSONB, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_talent_pipelines_cohorts_program", "supply_cohorts", ["program_id"], schema=SCHEMA)
    op.create_index(
        "ix_talent_pipelines_cohorts_partners", "supply_cohorts", ["partner_ids"], schema=SCHEMA, postgresql_using="gin"
    )
    op.create_index(
        "ix_talent_pipelines_cohorts_curriculum", "supply_cohorts", ["curriculum_id", "version_number"], schema=SCHEMA
    )

    op.create_table(
        "supply_curricula",
        sa.Column("curriculum_id", UUID, primary_key=True),
        sa.Column("college_id", UUID, nullable=True),
        sa.Column("title", sa.Text, nullable=True),
        sa.Column("co_author_ids", pg.ARRAY(UUID), nullable=False),
        sa.Column("published_number", sa.Integer, nullable=True),
        sa.Column("skills", pg.JSONB, nullable=False, server_default=sa.text("'[]'::jsonb")),
        sa.Column("updated_at", TS, nullable=False),
        schema=SCHEMA,
    )

    op.create_table(
        "supply_learners",
        sa.Column("learner_ref", UUID, primary_key=True),
        sa.Column("college_id", UUID, nullable=True),
        sa.Column("cohort_id", UUID, nullable=True),
        sa.Column("program_id", UUID, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_talent_pipelines_learners_cohort", "supply_learners", ["cohort_id"], schema=SCHEMA)

    op.create_table(
        "supply_consents",
        sa.Column("consent_id", UUID, primary_key=True),
        sa.Column("learner_ref", UUID, nullable=False),
        sa.Column("firm_id", UUID, nullable=True),
        sa.Column("program_id", UUID, nullable=True),
        sa.Column("given_at", TS, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_talent_pipelines_consents_learner", "supply_consents", ["learner_ref"], schema=SCHEMA)
    op.create_index("ix_talent_pipelines_consents_firm", "supply_consents", ["firm_id"], schema=SCHEMA)
    op.create_index("ix_talent_pipelines_consents_program", "supply_consents", ["program_id"], schema=SCHEMA)

    op.create_table(
        "learner_evidence",
        sa.Column("learner_ref", UUID, primary_key=True),
        sa.Column("skill_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, primary_key=True),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("hours", sa.Float, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        schema=SCHEMA,
    )

    create_organizations_projection(op, SCHEMA)
    create_messaging_tables(op, SCHEMA)


def downgrade() -> None:
    op.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
