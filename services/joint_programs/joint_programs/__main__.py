"""``python -m joint_programs <role>``."""

from joint_programs.main import SPEC

SPEC.cli()
