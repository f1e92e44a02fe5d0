"""``python -m curricula <role>``."""

from curricula.main import SPEC

SPEC.cli()
