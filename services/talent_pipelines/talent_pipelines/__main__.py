"""``python -m talent_pipelines <role>``."""

from talent_pipelines.main import SPEC

SPEC.cli()
