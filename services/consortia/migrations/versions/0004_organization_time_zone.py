"""Organisations get an IANA time zone: their local calendar for rules about days (ADR 0015).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Every organisation registered before this revision gets UTC, which is what "today" meant for it until now.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "organizations",
        sa.Column("time_zone", sa.Text, nullable=False, server_default="UTC"),
        schema="consortia",
    )


def downgrade() -> None:
    op.drop_column("organizations", "time_zone", schema="consortia")
