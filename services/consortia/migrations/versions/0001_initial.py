"""Initial consortia schema: organisations, consortia, contributions, distributions, outbox, inbox."""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

from dovetail_shared.migrations import create_messaging_tables

revision, down_revision = "0001", None

SCHEMA = "consortia"


def _aggregate_columns() -> list[sa.Column]:
    ts = sa.DateTime(timezone=True)
    return [
        sa.Column("id", pg.UUID(as_uuid=True), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "organizations",
        *_aggregate_columns(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_zh", sa.Text, nullable=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("size", sa.Text, nullable=True),
        sa.Column("region", sa.Text, nullable=False),
        sa.Column("registration_number", sa.Text, nullable=False),
        sa.Column("verification_status", sa.Text, nullable=False),
        sa.Column("rejection_reason", sa.Text, nullable=True),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("registered_by", sa.Text, nullable=True),
        schema=SCHEMA,
    )
    # Case-insensitive, and held only by organisations that are not rejected (a rejected squatter must not
    # block the genuine firm): the service maps a violation of this index to 409 registration_number/unique.
    op.create_index(
        "uq_consortia_organizations_registration_number",
        "organizations",
        [sa.text("upper(registration_number)")],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("verification_status <> 'rejected'"),
    )
    op.create_index("ix_consortia_organizations_status", "organizations", ["verification_status"], schema=SCHEMA)

    op.create_table(
        "consortia",
        *_aggregate_columns(),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("name_zh", sa.Text, nullable=True),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("charter", sa.Text, nullable=False),
        sa.Column("lead_organization_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("benefit_rule", pg.JSONB, nullable=True),
        sa.Column("memberships", pg.JSONB, nullable=False),
        sa.Column("join_requests", pg.JSONB, nullable=False),
        sa.Column("activated_on", sa.Date, nullable=True),
        sa.Column("dissolved_on", sa.Date, nullable=True),
        sa.Column("member_organization_ids", pg.ARRAY(pg.UUID(as_uuid=True)), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_consortia_consortia_lead_organization_id", "consortia", ["lead_organization_id"], schema=SCHEMA
    )
    op.create_index(
        "ix_consortia_consortia_members",
        "consortia",
        ["member_organization_ids"],
        schema=SCHEMA,
        postgresql_using="gin",
    )

    op.create_table(
        "contributions",
        *_aggregate_columns(),
        sa.Column("consortium_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("organization_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("quantity", sa.Numeric, nullable=False),
        sa.Column("unit", sa.Text, nullable=False),
        sa.Column("valuation", sa.Numeric, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("contributed_on", sa.Date, nullable=False),
        sa.Column("recorded_by_organization_id", pg.UUID(as_uuid=True), nullable=True),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_consortia_contributions_ledger", "contributions", ["consortium_id", "contributed_on"], schema=SCHEMA
    )

    op.create_table(
        "distributions",
        *_aggregate_columns(),
        sa.Column("consortium_id", pg.UUID(as_uuid=True), nullable=False),
        sa.Column("amount", sa.Numeric, nullable=False),
        sa.Column("currency", sa.Text, nullable=False),
        sa.Column("rule_kind", sa.Text, nullable=False),
        sa.Column("allocations", pg.JSONB, nullable=False),
        sa.Column("distributed_on", sa.Date, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_consortia_distributions_consortium", "distributions", ["consortium_id", "created_at"], schema=SCHEMA
    )
    create_messaging_tables(op, SCHEMA)


def downgrade() -> None:
    op.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
