"""Contribution ledger: what each member put into a consortium, and per-member totals of it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import ViolationCollector, parse_enum
from pydantic import BaseModel, ConfigDict, Field

from consortia.domain.money import (
    DEFAULT_CURRENCY,
    fits_minor_unit,
    is_currency_code,
    minor_unit_exponent,
)


class ContributionKind(StrEnum):
    FUNDING = "funding"
    EQUIPMENT_HOURS = "equipment_hours"
    MENTOR_HOURS = "mentor_hours"
    PLACEMENTS = "placements"
    DATA = "data"
    IP = "ip"


class Contribution(Aggregate):
    """One ledger line. Append-only: it has no mutating methods, a correction is a new line.

    It subclasses ``Aggregate`` only so the generic repository can store it (id, version, timestamps);
    it is created through ``Consortium.record_contribution``, which checks membership.
    """

    consortium_id: uuid.UUID
    organization_id: uuid.UUID
    kind: ContributionKind
    quantity: Decimal
    unit: str
    valuation: Decimal
    currency: str = DEFAULT_CURRENCY
    contributed_on: date
    # Who wrote the line: the member itself, or the lead on its behalf (the ledger is evidence for money).
    recorded_by_organization_id: uuid.UUID | None = None

    @classmethod
    def create(
        cls,
        *,
        consortium_id: uuid.UUID,
        organization_id: uuid.UUID,
        kind: ContributionKind,
        quantity: Decimal,
        unit: str,
        valuation: Decimal,
        contributed_on: date,
        today: date,
        now: datetime,
        currency: str = DEFAULT_CURRENCY,
        contribution_id: uuid.UUID | None = None,
        recorded_by_organization_id: uuid.UUID | None = None,
    ) -> Contribution:
        """Checks the line itself (not membership) and reports every broken rule at once.

        Rules: ``quantity_positive``, ``finite_number``, ``required`` (unit), ``valuation_non_negative``,
        ``valuation_precision`` (more decimals than the currency's minor unit), ``currency_iso4217``,
        ``contributed_on_not_future``.
        """
        errors = ViolationCollector()
        if not quantity.is_finite():
            errors.add("quantity", "finite_number", "must be a finite number")
        elif quantity <= 0:
            errors.add("quantity", "quantity_positive", "must be greater than zero")
        if not unit.strip():
            errors.add("unit", "required", "must not be empty")
        code = currency.strip().upper()
        if not is_currency_code(code):
            errors.add("currency", "currency_iso4217", f"{currency!r} is not a three-letter ISO 4217 code")
        if not valuation.is_finite():
            errors.add("valuation", "finite_number", "must be a finite number")
        elif valuation < 0:
            errors.add("valuation", "valuation_non_negative", "must not be negative")
        elif not fits_minor_unit(valuation, minor_unit_exponent(code)):
            places = minor_unit_exponent(code)
            errors.add("valuation", "valuation_precision", f"at most {places} decimals for {code}")
        # A future date would let a member inflate its weight for a period that has not happened yet.
        # ``today`` is the member's own local date, so a line dated "today" in Shanghai is not refused
        # because it is still yesterday in UTC.
        if contributed_on > today:
            errors.add("contributed_on", "contributed_on_not_future", "must not be after today")
        errors.raise_if_any()

        return cls(
            id=contribution_id or uuid.uuid4(),
            consortium_id=consortium_id,
            organization_id=organization_id,
            kind=parse_enum(ContributionKind, kind, "kind"),
            quantity=quantity,
            unit=unit.strip(),
            valuation=valuation,
            currency=code,
            contributed_on=contributed_on,
            recorded_by_organization_id=recorded_by_organization_id,
            created_at=now,
            updated_at=now,
        )


class LedgerTotal(BaseModel):
    """Totals for one organisation and one kind.

    Kept per unit and per currency because adding "hours" to "days", or CNY to USD, gives a number
    that means nothing; most ledgers will have a single key in each.
    """

    model_config = ConfigDict(frozen=True)

    count: int = 0
    quantity_by_unit: dict[str, Decimal] = Field(default_factory=dict)
    valuation_by_currency: dict[str, Decimal] = Field(default_factory=dict)


def ledger_totals(
    contributions: Iterable[Contribution],
) -> dict[uuid.UUID, dict[ContributionKind, LedgerTotal]]:
    """Per organisation, per contribution kind: number of lines, quantity per unit, valuation per currency."""
    counts: dict[tuple[uuid.UUID, ContributionKind], int] = {}
    quantities: dict[tuple[uuid.UUID, ContributionKind], dict[str, Decimal]] = {}
    valuations: dict[tuple[uuid.UUID, ContributionKind], dict[str, Decimal]] = {}
    for c in contributions:
        key = (c.organization_id, c.kind)
        counts[key] = counts.get(key, 0) + 1
        per_unit = quantities.setdefault(key, {})
        per_unit[c.unit] = per_unit.get(c.unit, Decimal(0)) + c.quantity
        per_currency = valuations.setdefault(key, {})
        per_currency[c.currency] = per_currency.get(c.currency, Decimal(0)) + c.valuation

    totals: dict[uuid.UUID, dict[ContributionKind, LedgerTotal]] = {}
    for (org_id, kind), count in counts.items():
        totals.setdefault(org_id, {})[kind] = LedgerTotal(
            count=count,
            quantity_by_unit=quantities[(org_id, kind)],
            valuation_by_currency=valuations[(org_id, kind)],
        )
    return totals


class ValuedTotal(BaseModel):
    """What one organisation's lines in scope are worth in one currency: the weight a weighted rule reads.

    The repository sums these in SQL (one ``SUM … GROUP BY``); ``valued_totals`` is the same reading in Python,
    for unit tests and as the reference the SQL is tested against.
    """

    model_config = ConfigDict(frozen=True)

    organization_id: uuid.UUID
    currency: str
    valuation: Decimal


def valued_totals(
    contributions: Iterable[Contribution],
    consortium_id: uuid.UUID,
    period_from: date,
    period_to: date,
    kinds: Iterable[ContributionKind] | None = None,
) -> list[ValuedTotal]:
    """Per organisation and currency, the valuation of the consortium's lines dated in the period (both ends
    included), of the given kinds (``None``: every kind); sorted by organisation id (as text), then currency."""
    wanted = None if kinds is None else set(kinds)
    sums: dict[tuple[uuid.UUID, str], Decimal] = {}
    for c in contributions:
        if c.consortium_id != consortium_id or not period_from <= c.contributed_on <= period_to:
            continue
        if wanted is not None and c.kind not in wanted:
            continue
        key = (c.organization_id, c.currency)
        sums[key] = sums.get(key, Decimal(0)) + c.valuation
    return [
        ValuedTotal(organization_id=org, currency=currency, valuation=value)
        for (org, currency), value in sorted(sums.items(), key=lambda kv: (str(kv[0][0]), kv[0][1]))
    ]
