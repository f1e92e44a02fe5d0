"""Rule ids named in violations (a contract clients key their messages on) and the small shared checks."""

from __future__ import annotations

from enum import StrEnum

from dovetail_shared.errors import ViolationCollector, parse_enum
from dovetail_shared.text import is_storable


class Rule(StrEnum):
    REQUIRED = "required"
    LENGTH = "length"
    RANGE = "range"
    UNIQUE = "unique"
    MIN_ITEMS = "min_items"
    MAX_ITEMS = "max_items"
    STORABLE_TEXT = "storable_text"
    DATE_ORDER = "date_order"
    KNOWN_SKILL = "known_skill"
    KNOWN_OCCUPATION = "known_occupation"
    SKILLS_OR_OCCUPATION = "skills_or_occupation"
    OCCUPATION_HAS_NO_SKILLS = "occupation_has_no_skills"
    VERIFIED_FIRM_REQUIRED = "verified_firm_required"
    DEMAND_NOT_OPEN = "demand_not_open"
    # Pipelines.
    NOT_MATCHED = "not_matched"
    ALREADY_CANDIDATE = "already_candidate"
    STAGE_ORDER = "stage_order"
    DROP_REASON = "drop_reason"
    # Gap proposals.
    NOT_A_CO_AUTHOR = "not_a_co_author"
    NO_GAP = "no_gap"
    CURRICULUM_NOT_KNOWN = "curriculum_not_known"


def check_text(out: ViolationCollector, field: str, value: str | None, *, max_len: int, required: bool = True) -> None:
    """A free-text field: not blank (when required), at most ``max_len`` characters, storable."""
    if value is None:
        if required:
            out.add(field, Rule.REQUIRED, "must not be empty")
        return
    if required and not value.strip():
        out.add(field, Rule.REQUIRED, "must not be empty")
    elif len(value) > max_len:
        out.add(field, Rule.LENGTH, f"must be at most {max_len} characters")
    elif not is_storable(value):
        out.add(field, Rule.STORABLE_TEXT, "must not contain NUL characters or unpaired surrogates")


__all__ = ["Rule", "check_text", "parse_enum"]
