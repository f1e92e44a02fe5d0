"""Mark the memberships that were open when their consortium was dissolved (ADR 0014).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Before this revision, "members at the end" was read as ``left_on == dissolved_on``, which also matches a member
removed earlier that day. Rows written before it cannot tell the two apart; they keep the old reading (every
stint that closed on the day of dissolution is marked), which is what those consortia showed until now.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """
        UPDATE consortia.consortia AS c SET memberships = (
            SELECT jsonb_agg(
                CASE WHEN m.value->>'left_on' = c.dissolved_on::text
                     THEN m.value || '{"ended_by_dissolution": true}'::jsonb ELSE m.value END
                ORDER BY m.ordinality)
            FROM jsonb_array_elements(c.memberships) WITH ORDINALITY AS m(value, ordinality)
        )
        WHERE c.status = 'dissolved' AND jsonb_array_length(c.memberships) > 0
        """
    )


def downgrade() -> None:
    op.execute(
        """
        UPDATE consortia.consortia AS c SET memberships = (
            SELECT jsonb_agg(m.value - 'ended_by_dissolution' ORDER BY m.ordinality)
            FROM jsonb_array_elements(c.memberships) WITH ORDINALITY AS m(value, ordinality)
        )
        WHERE jsonb_array_length(c.memberships) > 0
        """
    )
