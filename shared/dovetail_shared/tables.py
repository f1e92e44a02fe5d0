"""The columns every aggregate table carries (id, version, created_at, updated_at), declared once."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlmodel import Field, SQLModel


class AggregateColumns(SQLModel):
    """Base of every aggregate's table model: identity, optimistic version and timestamps.

    ``sa_type`` (not ``sa_column``) so each subclass gets columns of its own rather than sharing one object.
    """

    id: uuid.UUID = Field(primary_key=True)
    version: int = Field(nullable=False)
    created_at: datetime = Field(sa_type=sa.DateTime(timezone=True), nullable=False)
    updated_at: datetime = Field(sa_type=sa.DateTime(timezone=True), nullable=False)


def aggregate_columns() -> list[sa.Column[object]]:
    """The same columns for a migration's ``op.create_table`` (new objects on every call)."""
    ts = sa.DateTime(timezone=True)
    return [
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
    ]
