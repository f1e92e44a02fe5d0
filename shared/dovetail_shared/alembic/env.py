"""The Alembic environment of every service: the spec handed in by ``alembic_config`` says which schema."""

from alembic import context
from dovetail_shared.migrations import run_env

spec = context.config.attributes["spec"]
run_env(context, spec.metadata, spec.settings_factory)
