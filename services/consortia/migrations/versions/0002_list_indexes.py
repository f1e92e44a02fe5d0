"""Indexes for every filter and order of the list endpoints (ADR 0013).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "consortia"

INDEXES: list[tuple[str, str, list[str]]] = [
    ("ix_consortia_organizations_created", "organizations", ["created_at", "id"]),
    ("ix_consortia_organizations_kind", "organizations", ["kind", "created_at"]),
    ("ix_consortia_organizations_region", "organizations", ["region", "created_at"]),
    ("ix_consortia_organizations_registered_by", "organizations", ["registered_by"]),
    ("ix_consortia_consortia_created", "consortia", ["created_at", "id"]),
    ("ix_consortia_consortia_status", "consortia", ["status", "created_at"]),
    ("ix_consortia_consortia_kind", "consortia", ["kind", "created_at"]),
    ("ix_consortia_contributions_member", "contributions", ["consortium_id", "organization_id", "contributed_on"]),
    ("ix_consortia_contributions_kind", "contributions", ["consortium_id", "kind", "contributed_on"]),
]


def upgrade() -> None:
    # The ledger is read in (contributed_on, created_at, id) order within a consortium.
    op.drop_index("ix_consortia_contributions_ledger", "contributions", schema=SCHEMA)
    op.create_index(
        "ix_consortia_contributions_ledger",
        "contributions",
        ["consortium_id", "contributed_on", "created_at", "id"],
        schema=SCHEMA,
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, schema=SCHEMA)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table, schema=SCHEMA)
    op.drop_index("ix_consortia_contributions_ledger", "contributions", schema=SCHEMA)
    op.create_index(
        "ix_consortia_contributions_ledger", "contributions", ["consortium_id", "contributed_on"], schema=SCHEMA
    )
