"""``python -m internships <role>``."""

from internships.main import SPEC

SPEC.cli()
