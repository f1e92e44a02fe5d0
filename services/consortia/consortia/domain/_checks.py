"""Small input checks that raise the domain's ValidationFailed with a field and a rule id."""

from __future__ import annotations

from decimal import Decimal

from dovetail_shared.errors import ValidationFailed


def require_text(value: str, field: str) -> str:
    """Strips surrounding whitespace and refuses an empty result (rule ``required``)."""
    stripped = value.strip()
    if not stripped:
        raise ValidationFailed(field, "required", "must not be empty")
    return stripped


def optional_text(value: str | None) -> str | None:
    """Blank optional labels (e.g. ``name_zh``) are stored as absent, not as empty strings."""
    if value is None:
        return None
    return value.strip() or None


def require_finite(value: Decimal, field: str) -> Decimal:
    # NaN and Infinity parse as Decimals from JSON strings; every comparison below would misbehave on them.
    if not value.is_finite():
        raise ValidationFailed(field, "finite_number", "must be a finite number")
    return value
