"""``python -m consortia <role>``."""

from consortia.main import cli

cli()
