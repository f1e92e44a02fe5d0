"""``python -m consortia <role>``."""

from consortia.main import SPEC

SPEC.cli()
