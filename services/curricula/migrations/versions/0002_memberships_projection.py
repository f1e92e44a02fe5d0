"""Projection of consortium memberships (from consortia's events): curricula checks a named consortium."""

from alembic import op

from dovetail_shared.projections.memberships import create_memberships_projection

revision, down_revision = "0002_memberships", "0001"

SCHEMA = "curricula"


def upgrade() -> None:
    create_memberships_projection(op, SCHEMA)


def downgrade() -> None:
    op.drop_table("consortium_members", schema=SCHEMA)
    op.drop_table("known_consortia", schema=SCHEMA)
