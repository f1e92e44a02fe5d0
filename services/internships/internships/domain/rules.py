"""Rule ids named in violations, and the internship rule set: every limit a parameter, a set chosen by name.

The default set ``cn-2021`` models the Ministry of Education and others' 职业学校学生实习管理规定 (2021 revision,
教职成 [2021] 4); the article each parameter comes from is in the README. A deployment chooses a set with
``INTERNSHIPS_RULE_SET`` and may override single parameters with ``INTERNSHIPS_RULE_OVERRIDES`` (JSON).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, time
from decimal import Decimal
from enum import StrEnum
from typing import Any

from dovetail_shared.errors import ViolationCollector, parse_enum
from dovetail_shared.text import is_storable


class Rule(StrEnum):
    REQUIRED = "required"
    LENGTH = "length"
    RANGE = "range"
    UNIQUE = "unique"
    ONE_OF = "one_of"
    STORABLE_TEXT = "storable_text"
    DATE_ORDER = "date_order"
    UNKNOWN_SKILL = "unknown_skill"
    DUPLICATE_SKILL = "duplicate_skill"
    # Parties and facts from other services.
    VERIFIED_FIRM_REQUIRED = "verified_firm_required"
    PLACEMENT_CONSENT_REQUIRED = "placement_consent_required"
    RESERVED_POSTING = "reserved_posting"
    POSTING_NOT_OPEN = "posting_not_open"
    ALREADY_APPLIED = "already_applied"
    LEARNER_ERASED = "learner_erased"
    # Placements.
    ALREADY_SIGNED = "already_signed"
    AGREEMENT_UNSIGNED = "agreement_unsigned"
    INSURANCE_REQUIRED = "insurance_required"
    INSURANCE_COVERS_PLACEMENT = "insurance_covers_placement"
    SUPERVISION_REQUIRED = "supervision_required"
    EVALUATIONS_REQUIRED = "evaluations_required"
    ALREADY_EVALUATED = "already_evaluated"
    ALREADY_RATED = "already_rated"
    PLACEMENT_NOT_ACTIVE = "placement_not_active"
    OUTSIDE_PLACEMENT = "outside_placement"
    FUTURE_DATE = "future_date"
    ENTRY_IMMUTABLE = "entry_immutable"
    # The internship rule set (each names a parameter of RuleSet).
    DAILY_HOURS = "daily_hours"
    WEEKLY_HOURS = "weekly_hours"
    NIGHT_WORK = "night_work"
    MINOR_NIGHT_WORK = "minor_night_work"
    PUBLIC_HOLIDAY = "public_holiday"
    MIN_AGE = "min_placement_age"
    FIRM_STAFF_SHARE = "firm_staff_share"
    POST_STAFF_SHARE = "post_staff_share"
    STIPEND_FLOOR = "stipend_floor"


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


# China's statutory public holidays of 2026 (全国年节及纪念日放假办法, 2024 revision: 13 days): the days
# themselves, not the State Council's yearly bridging arrangement (调休), which a deployment sets as its calendar.
CN_STATUTORY_HOLIDAYS_2026 = frozenset(
    {
        date(2026, 1, 1),
        *(date(2026, 2, d) for d in (16, 17, 18, 19)),  # Spring Festival eve and its first three days
        date(2026, 4, 5),  # Qingming
        date(2026, 5, 1),
        date(2026, 5, 2),
        date(2026, 6, 19),  # Dragon Boat
        date(2026, 9, 25),  # Mid-Autumn
        *(date(2026, 10, d) for d in (1, 2, 3)),
    }
)


# Parsed, not constructed: the domain clock scan treats a call named time() as a clock read.
NIGHT_START, NIGHT_END = time.fromisoformat("22:00"), time.fromisoformat("06:00")


@dataclass(frozen=True)
class RuleSet:
    """Every limit of the internship rules, as data. ``None`` turns a limit off."""

    name: str
    daily_hours_max: Decimal | None = Decimal(8)
    overtime_hours_max: Decimal = Decimal(0)  # on top of the daily limit
    weekly_hours_max: Decimal | None = Decimal(40)
    night_work_allowed: bool = False
    minor_night_work_allowed: bool = False
    night_start: time = NIGHT_START
    night_end: time = NIGHT_END
    public_holiday_work_allowed: bool = False
    holidays: frozenset[date] = field(default_factory=frozenset)
    min_placement_age: int | None = 16  # 16 or 18: the age facts joint programs publishes (ADR 0028)
    firm_staff_share_max: Decimal | None = Decimal("0.10")
    post_staff_share_max: Decimal | None = Decimal("0.20")
    stipend_floor_share: Decimal | None = Decimal("0.80")

    @property
    def day_limit(self) -> Decimal | None:
        return None if self.daily_hours_max is None else self.daily_hours_max + self.overtime_hours_max

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, frozenset):
                value = sorted(v.isoformat() for v in value)
            elif isinstance(value, time):
                value = value.strftime("%H:%M")
            elif isinstance(value, Decimal):
                value = float(value)
            out[f.name] = value
        return out


CN_2021 = RuleSet(name="cn-2021", holidays=CN_STATUTORY_HOLIDAYS_2026)
RULE_SETS: dict[str, RuleSet] = {CN_2021.name: CN_2021}


def _coerce(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name == "holidays":
        return frozenset(date.fromisoformat(v) for v in value)
    if name in ("night_start", "night_end"):
        return time.fromisoformat(value)
    if name.endswith(("_max", "_share")):
        return Decimal(str(value))
    return value


def rule_set(name: str, overrides: Mapping[str, Any] | str | None = None) -> RuleSet:
    """The named set with single parameters overridden; an unknown name or parameter is a configuration error."""
    if name not in RULE_SETS:
        raise ValueError(f"unknown internship rule set {name!r}; known: {', '.join(sorted(RULE_SETS))}")
    base = RULE_SETS[name]
    values = json.loads(overrides) if isinstance(overrides, str) else dict(overrides or {})
    if not values:
        return base
    known = {f.name for f in fields(RuleSet)} - {"name"}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown internship rule parameters: {', '.join(sorted(unknown))}")
    return replace(base, name=f"{name}+overrides", **{k: _coerce(k, v) for k, v in values.items()})


__all__ = ["CN_2021", "RULE_SETS", "Rule", "RuleSet", "check_text", "parse_enum", "rule_set"]
