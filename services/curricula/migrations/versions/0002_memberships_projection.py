"""Projection of consortium memberships (from consortia's events): curricula checks a named consortium.

Revision ID: 0002_memberships
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

from dovetail_shared.projections.memberships import create_memberships_projection

revision: str = "0002_memberships"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "curricula"


def upgrade() -> None:
    create_memberships_projection(op, SCHEMA)


def downgrade() -> None:
    op.drop_table("consortium_members", schema=SCHEMA)
    op.drop_table("known_consortia", schema=SCHEMA)
