"""``python -m curricula <role>``."""

from curricula.main import cli

cli()
