"""Alembic environment of the curricula schema (the shared helper does the work)."""

from alembic import context
from curricula.config import get_settings
from curricula.tables import metadata
from dovetail_shared.migrations import run_env

run_env(context, metadata, get_settings)
