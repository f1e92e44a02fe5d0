"""Indexes for every filter and order of the list endpoints (ADR 0013).

Revision ID: 0003
Revises: 0002_memberships
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002_memberships"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "curricula"


def upgrade() -> None:
    op.create_index("ix_curricula_created", "curricula", ["created_at", "id"], schema=SCHEMA)
    op.create_index("ix_curricula_occupation", "curricula", ["target_occupation", "created_at"], schema=SCHEMA)
    # Proposals are listed per curriculum in (created_at, id) order: this index replaces the single-column one.
    op.drop_index("ix_curricula_change_proposals_curriculum_id", "change_proposals", schema=SCHEMA)
    op.create_index(
        "ix_curricula_change_proposals_listed", "change_proposals", ["curriculum_id", "created_at", "id"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_index("ix_curricula_change_proposals_listed", "change_proposals", schema=SCHEMA)
    op.create_index(
        "ix_curricula_change_proposals_curriculum_id", "change_proposals", ["curriculum_id"], schema=SCHEMA
    )
    op.drop_index("ix_curricula_occupation", "curricula", schema=SCHEMA)
    op.drop_index("ix_curricula_created", "curricula", schema=SCHEMA)
