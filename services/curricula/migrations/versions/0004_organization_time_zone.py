"""The organisations projection keeps each organisation's time zone (from consortia's events, ADR 0015).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

Organisations already projected get UTC; the next registered/verified event that carries a time zone sets it.
"""

from collections.abc import Sequence

from alembic import op

from dovetail_shared.projections.organizations import add_organization_time_zone, drop_organization_time_zone

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "curricula"


def upgrade() -> None:
    add_organization_time_zone(op, SCHEMA)


def downgrade() -> None:
    drop_organization_time_zone(op, SCHEMA)
