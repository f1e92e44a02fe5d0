"""Memberships and join requests leave the consortium row for child tables of their own (ADR 0018).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Upgrade moves every element of the ``memberships`` and ``join_requests`` JSONB lists into a row (keeping the
list order as ``position``; a stint gets a new id, a request keeps its own), then drops the lists and the
denormalised ``member_organization_ids`` array, whose question ("the consortia this organisation is in") the
open-stints index now answers. Downgrade rebuilds the lists and the array from the rows, in the same order.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "consortia"


def _consortium_id() -> sa.Column[object]:
    return sa.Column(
        "consortium_id",
        pg.UUID(as_uuid=True),
        sa.ForeignKey(f"{SCHEMA}.consortia.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "memberships",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        _consortium_id(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("organization_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_kind", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("joined_on", sa.Date, nullable=False),
        sa.Column("left_on", sa.Date, nullable=True),
        sa.Column("ended_by_dissolution", sa.Boolean, nullable=False),
        sa.UniqueConstraint("consortium_id", "position", name="uq_consortia_memberships_position"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_consortia_memberships_active",
        "memberships",
        ["organization_id", "consortium_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("left_on IS NULL"),
    )
    op.create_table(
        "join_requests",
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        _consortium_id(),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("organization_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_kind", sa.Text, nullable=False),
        sa.Column("requested_role", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("requested_on", sa.Date, nullable=False),
        sa.Column("decided_on", sa.Date, nullable=True),
        sa.UniqueConstraint("consortium_id", "position", name="uq_consortia_join_requests_position"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_consortia_join_requests_pending",
        "join_requests",
        ["consortium_id", "organization_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )

    op.execute(
        f"""
        INSERT INTO {SCHEMA}.memberships (id, consortium_id, position, organization_id, organization_kind, role,
            joined_on, left_on, ended_by_dissolution)
        SELECT gen_random_uuid(), c.id, (m.ordinality - 1)::int, (m.value->>'organization_id')::uuid,
            m.value->>'organization_kind', m.value->>'role', (m.value->>'joined_on')::date,
            (m.value->>'left_on')::date, coalesce((m.value->>'ended_by_dissolution')::boolean, false)
        FROM {SCHEMA}.consortia AS c, jsonb_array_elements(c.memberships) WITH ORDINALITY AS m(value, ordinality)
        """
    )
    op.execute(
        f"""
        INSERT INTO {SCHEMA}.join_requests (id, consortium_id, position, organization_id, organization_kind,
            requested_role, status, reason, requested_on, decided_on)
        SELECT (r.value->>'id')::uuid, c.id, (r.ordinality - 1)::int, (r.value->>'organization_id')::uuid,
            r.value->>'organization_kind', r.value->>'requested_role', r.value->>'status', r.value->>'reason',
            (r.value->>'requested_on')::date, (r.value->>'decided_on')::date
        FROM {SCHEMA}.consortia AS c, jsonb_array_elements(c.join_requests) WITH ORDINALITY AS r(value, ordinality)
        """
    )
    op.drop_index("ix_consortia_consortia_members", "consortia", schema=SCHEMA)
    for column in ("memberships", "join_requests", "member_organization_ids"):
        op.drop_column("consortia", column, schema=SCHEMA)


def downgrade() -> None:
    empty = sa.text("'[]'::jsonb")
    op.add_column("consortia", sa.Column("memberships", pg.JSONB, nullable=False, server_default=empty), schema=SCHEMA)
    op.add_column(
        "consortia", sa.Column("join_requests", pg.JSONB, nullable=False, server_default=empty), schema=SCHEMA
    )
    op.add_column(
        "consortia",
        sa.Column(
            "member_organization_ids",
            pg.ARRAY(pg.UUID(as_uuid=True)),
            nullable=False,
            server_default=sa.text("'{}'::uuid[]"),
        ),
        schema=SCHEMA,
    )
    # The shapes the pydantic models dumped before 0004 (a stint had no id of its own then).
    op.execute(
        f"""
        UPDATE {SCHEMA}.consortia AS c SET
            memberships = coalesce((
                SELECT jsonb_agg(jsonb_build_object(
                    'organization_id', m.organization_id, 'organization_kind', m.organization_kind, 'role', m.role,
                    'joined_on', m.joined_on, 'left_on', m.left_on, 'ended_by_dissolution', m.ended_by_dissolution
                ) ORDER BY m.position)
                FROM {SCHEMA}.memberships AS m WHERE m.consortium_id = c.id), '[]'::jsonb),
            member_organization_ids = coalesce((
                SELECT array_agg(m.organization_id ORDER BY m.position)
                FROM {SCHEMA}.memberships AS m WHERE m.consortium_id = c.id AND m.left_on IS NULL), '{{}}'::uuid[]),
            join_requests = coalesce((
                SELECT jsonb_agg(jsonb_build_object(
                    'id', r.id, 'organization_id', r.organization_id, 'organization_kind', r.organization_kind,
                    'requested_role', r.requested_role, 'status', r.status, 'reason', r.reason,
                    'requested_on', r.requested_on, 'decided_on', r.decided_on
                ) ORDER BY r.position)
                FROM {SCHEMA}.join_requests AS r WHERE r.consortium_id = c.id), '[]'::jsonb)
        """
    )
    for column in ("memberships", "join_requests", "member_organization_ids"):
        op.alter_column("consortia", column, server_default=None, schema=SCHEMA)
    op.create_index(
        "ix_consortia_consortia_members",
        "consortia",
        ["member_organization_ids"],
        schema=SCHEMA,
        postgresql_using="gin",
    )
    op.drop_table("join_requests", schema=SCHEMA)
    op.drop_table("memberships", schema=SCHEMA)
