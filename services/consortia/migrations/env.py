"""Alembic environment of the consortia schema (the shared helper does the work)."""

from alembic import context
from consortia.config import get_settings
from consortia.tables import metadata
from dovetail_shared.migrations import run_env

run_env(context, metadata, get_settings)
