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
    ONE_OF = "one_of"
    STORABLE_TEXT = "storable_text"
    DATE_ORDER = "date_order"
    # Parties.
    PARTNER_IS_COLLEGE = "partner_is_college"
    NOT_A_PARTNER = "not_a_partner"
    ALREADY_APPROVED = "already_approved"
    INTAKE_ONLY_FOR_ORDER_CLASS = "intake_only_for_order_class"
    INTAKE_EXCEEDS_CAPACITY = "intake_exceeds_capacity"
    # The pinned curriculum version.
    PUBLISHED_VERSION_REQUIRED = "published_version_required"
    PINNED_VERSION_RETIRED = "pinned_version_retired"
    ALREADY_CURRENT = "already_current"
    # Cohorts and enrolment.
    PROGRAM_NOT_READY = "program_not_ready"
    PROGRAM_NOT_RUNNING = "program_not_running"
    SEATS_FULL = "seats_full"
    SEAT_LIMIT_OVER_CAPACITY = "seat_limit_over_capacity"
    COHORT_NOT_ENROLLING = "cohort_not_enrolling"
    ALREADY_ENROLLED = "already_enrolled"
    OTHER_COLLEGE = "other_college"
    LEARNER_ERASED = "learner_erased"
    CONSENT_SCOPE = "consent_scope"


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
