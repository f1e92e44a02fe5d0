"""Initial curricula schema: curricula, change proposals, organisations projection, taxonomy, outbox, inbox."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from dovetail_shared.migrations import create_messaging_tables, create_taxonomy_tables

revision, down_revision = "0001", None

SCHEMA = "curricula"


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "curricula",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.Column("college_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("title_zh", sa.Text, nullable=True),
        sa.Column("target_occupation", sa.Text, nullable=False),
        sa.Column("level", sa.Text, nullable=False),
        sa.Column("consortium_id", pg.UUID(as_uuid=True), nullable=True),
        sa.Column("co_author_ids", pg.ARRAY(pg.UUID(as_uuid=True)), nullable=False),
        sa.Column("approval_rule", sa.Text, nullable=False),
        sa.Column("versions", pg.JSONB, nullable=False),
        sa.Column("published_version_number", sa.Integer, nullable=True),
        schema=SCHEMA,
    )
    op.create_index("ix_curricula_college", "curricula", ["college_id"], schema=SCHEMA)
    op.create_index("ix_curricula_co_authors", "curricula", ["co_author_ids"], schema=SCHEMA, postgresql_using="gin")
    op.create_index(
        "ix_curricula_curricula_published_version_number", "curricula", ["published_version_number"], schema=SCHEMA
    )
    op.create_table(
        "change_proposals",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.Column("curriculum_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("proposer_org_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("base_version_number", sa.Integer, nullable=False),
        sa.Column("demand_id", pg.UUID(as_uuid=True), nullable=True),
        sa.Column("rationale", sa.Text, nullable=False),
        sa.Column("diff", pg.JSONB, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reviews", pg.JSONB, nullable=False),
        sa.Column("decided_reason", sa.Text, nullable=True),
        sa.Column("decided_at", ts, nullable=True),
        sa.Column("accepted_version_number", sa.Integer, nullable=True),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_curricula_change_proposals_curriculum_id", "change_proposals", ["curriculum_id"], schema=SCHEMA
    )
    op.create_table(
        "organizations",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("size", sa.Text, nullable=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        schema=SCHEMA,
    )
    create_taxonomy_tables(op, SCHEMA)
    create_messaging_tables(op, SCHEMA)


def downgrade() -> None:
    op.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
