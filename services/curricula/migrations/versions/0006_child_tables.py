"""Curriculum versions and proposal reviews become rows of child tables, moved out of JSONB lists (ADR 0012).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "curricula"


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "curriculum_versions",
        sa.Column("curriculum_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("effective_date", sa.Date, nullable=True),
        sa.Column("modules", pg.JSONB, nullable=False),
        sa.Column("reviews", pg.JSONB, nullable=False),
        sa.Column("base_version_number", sa.Integer, nullable=True),
        sa.Column("source_proposal_id", pg.UUID(as_uuid=True), nullable=True),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("published_at", ts, nullable=True),
        sa.Column("retired_at", ts, nullable=True),
        sa.PrimaryKeyConstraint("curriculum_id", "number"),
        sa.UniqueConstraint("id", name="uq_curriculum_versions_id"),
        sa.ForeignKeyConstraint(
            ["curriculum_id"],
            [f"{SCHEMA}.curricula.id"],
            name="fk_curriculum_versions_curriculum",
            ondelete="CASCADE",
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "proposal_reviews",
        sa.Column("proposal_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("organization_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("decision", sa.Text, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("at", ts, nullable=False),
        sa.PrimaryKeyConstraint("proposal_id", "seq"),
        sa.ForeignKeyConstraint(
            ["proposal_id"],
            [f"{SCHEMA}.change_proposals.id"],
            name="fk_proposal_reviews_proposal",
            ondelete="CASCADE",
        ),
        schema=SCHEMA,
    )
    # JSON written by the service: ISO timestamps and dates, UUIDs as strings, absent or null optionals.
    op.execute(
        f"""INSERT INTO {SCHEMA}.curriculum_versions (curriculum_id, number, id, status, effective_date, modules,
              reviews, base_version_number, source_proposal_id, created_at, published_at, retired_at)
            SELECT c.id, (v->>'number')::int, (v->>'id')::uuid, v->>'status', (v->>'effective_date')::date,
              coalesce(v->'modules', '[]'), coalesce(v->'reviews', '[]'), (v->>'base_version_number')::int,
              (v->>'source_proposal_id')::uuid, coalesce((v->>'created_at')::timestamptz, c.created_at),
              (v->>'published_at')::timestamptz, (v->>'retired_at')::timestamptz
            FROM {SCHEMA}.curricula c CROSS JOIN LATERAL jsonb_array_elements(c.versions) AS v"""
    )
    op.execute(
        f"""INSERT INTO {SCHEMA}.proposal_reviews (proposal_id, seq, organization_id, decision, comment, at)
            SELECT p.id, r.seq, (r.review->>'organization_id')::uuid, r.review->>'decision',
              coalesce(r.review->>'comment', ''), coalesce((r.review->>'at')::timestamptz, p.updated_at)
            FROM {SCHEMA}.change_proposals p
              CROSS JOIN LATERAL jsonb_array_elements(p.reviews) WITH ORDINALITY AS r(review, seq)"""
    )
    op.drop_column("curricula", "versions", schema=SCHEMA)
    op.drop_column("change_proposals", "reviews", schema=SCHEMA)


def downgrade() -> None:
    op.add_column("curricula", sa.Column("versions", pg.JSONB, nullable=True), schema=SCHEMA)
    op.add_column("change_proposals", sa.Column("reviews", pg.JSONB, nullable=True), schema=SCHEMA)
    op.execute(
        f"""UPDATE {SCHEMA}.curricula c SET versions = coalesce(
              (SELECT jsonb_agg(to_jsonb(v) - 'curriculum_id' ORDER BY v.number)
               FROM {SCHEMA}.curriculum_versions v WHERE v.curriculum_id = c.id), '[]')"""
    )
    op.execute(
        f"""UPDATE {SCHEMA}.change_proposals p SET reviews = coalesce(
              (SELECT jsonb_agg(to_jsonb(r) - 'proposal_id' - 'seq' ORDER BY r.seq)
               FROM {SCHEMA}.proposal_reviews r WHERE r.proposal_id = p.id), '[]')"""
    )
    op.alter_column("curricula", "versions", nullable=False, schema=SCHEMA)
    op.alter_column("change_proposals", "reviews", nullable=False, schema=SCHEMA)
    op.drop_table("proposal_reviews", schema=SCHEMA)
    op.drop_table("curriculum_versions", schema=SCHEMA)
