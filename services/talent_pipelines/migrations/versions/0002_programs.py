"""Programs' consortium (from joint programs' program.proposed), for the gap report's consortium filter."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision, down_revision = "0002", "0001"

SCHEMA = "talent_pipelines"
UUID = pg.UUID(as_uuid=True)


def upgrade() -> None:
    op.create_table(
        "supply_programs",
        sa.Column("program_id", UUID, primary_key=True),
        sa.Column("consortium_id", UUID, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_talent_pipelines_programs_consortium", "supply_programs", ["consortium_id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("supply_programs", schema=SCHEMA)
