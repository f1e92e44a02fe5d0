"""Rule ids named in ValidationFailed / Conflict violations, and the small checks shared by the aggregates."""

from __future__ import annotations

from enum import StrEnum

from dovetail_shared.errors import ViolationCollector, parse_enum
from dovetail_shared.text import is_storable


class Rule(StrEnum):
    """Every rule id this domain can name; clients key their messages on these, so they are a contract."""

    # Shape of input.
    REQUIRED = "required"
    LENGTH = "length"
    PATTERN = "pattern"
    RANGE = "range"
    UNIQUE = "unique"
    MIN_ITEMS = "min_items"
    MAX_ITEMS = "max_items"
    ONE_OF = "one_of"
    STORABLE_TEXT = "storable_text"
    # Who may take part.
    CO_AUTHOR_IS_COLLEGE = "co_author_is_college"
    NOT_CO_AUTHOR = "not_co_author"
    NOT_A_PARTY = "not_a_party"
    OWN_PROPOSAL = "own_proposal"
    CURRICULUM_MISMATCH = "curriculum_mismatch"
    # Versions and proposals.
    OPEN_VERSION_EXISTS = "open_version_exists"
    ONLY_VERSION = "only_version"
    EMPTY_DIFF = "empty_diff"
    MODULE_EXISTS = "module_exists"
    UNKNOWN_MODULE = "unknown_module"
    BASE_OUTDATED = "base_outdated"
    CHANGES_REQUESTED = "changes_requested"
    APPROVALS_MISSING = "approvals_missing"


def check_text(out: ViolationCollector, field: str, value: str | None, *, max_len: int) -> None:
    """A required free-text field: not blank and at most ``max_len`` characters."""
    if value is None or not value.strip():
        out.add(field, Rule.REQUIRED, "must not be empty")
    elif len(value) > max_len:
        out.add(field, Rule.LENGTH, f"must be at most {max_len} characters")
    elif not is_storable(value):
        out.add(field, Rule.STORABLE_TEXT, "must not contain NUL characters or unpaired surrogates")


__all__ = ["Rule", "check_text", "parse_enum"]  # parse_enum is the shared one, re-exported for the domain
