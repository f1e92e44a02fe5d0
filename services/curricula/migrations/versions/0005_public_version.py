"""The public view's own version and timestamp, which private work does not move (ADR 0009).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "curricula"


def upgrade() -> None:
    op.add_column("curricula", sa.Column("public_version", sa.Integer, nullable=True), schema=SCHEMA)
    op.add_column(
        "curricula", sa.Column("public_updated_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA
    )
    # Outsiders have already seen the aggregate's version and timestamp: starting from them reveals nothing
    # new, and an outsider's version never goes backwards. From here on only public changes move them.
    op.execute(f"UPDATE {SCHEMA}.curricula SET public_version = version, public_updated_at = updated_at")
    op.alter_column("curricula", "public_version", nullable=False, schema=SCHEMA)
    op.alter_column("curricula", "public_updated_at", nullable=False, schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("curricula", "public_updated_at", schema=SCHEMA)
    op.drop_column("curricula", "public_version", schema=SCHEMA)
