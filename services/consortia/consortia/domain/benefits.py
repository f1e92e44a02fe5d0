"""Benefit sharing: a consortium's rule, exact largest-remainder allocation, and the resulting distribution."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import ValidationFailed, ViolationCollector
from pydantic import BaseModel, ConfigDict, Field

from consortia.domain.contributions import ContributionKind
from consortia.domain.money import fits_minor_unit, from_minor_units, to_minor_units

HUNDRED = Fraction(100)


class BenefitRuleKind(StrEnum):
    FIXED_SHARES = "fixed_shares"
    CONTRIBUTION_WEIGHTED = "contribution_weighted"


class Share(BaseModel):
    model_config = ConfigDict(frozen=True)

    organization_id: uuid.UUID
    percent: Decimal


class BenefitRule(BaseModel):
    """How a consortium splits an amount among its members.

    ``fixed_shares``: ``shares`` only, each percent > 0, one per organisation, summing to exactly 100.
    ``contribution_weighted``: weights are the members' contribution valuations dated within
    ``period_from``..``period_to`` (both inclusive), optionally only of the given ``kinds``
    (``None`` = every kind).

    Plain construction does not validate business rules (pydantic errors would not carry rule ids);
    ``check`` does, and ``Consortium.set_benefit_rule`` always calls it.
    """

    model_config = ConfigDict(frozen=True)

    kind: BenefitRuleKind
    shares: list[Share] = Field(default_factory=list)
    period_from: date | None = None
    period_to: date | None = None
    kinds: list[ContributionKind] | None = None

    @classmethod
    def fixed(cls, shares: Mapping[uuid.UUID, Decimal]) -> BenefitRule:
        rule = cls(
            kind=BenefitRuleKind.FIXED_SHARES,
            shares=[Share(organization_id=org, percent=pct) for org, pct in shares.items()],
        )
        rule.check()
        return rule

    @classmethod
    def weighted(
        cls, period_from: date, period_to: date, kinds: Iterable[ContributionKind] | None = None
    ) -> BenefitRule:
        rule = cls(
            kind=BenefitRuleKind.CONTRIBUTION_WEIGHTED,
            period_from=period_from,
            period_to=period_to,
            kinds=list(kinds) if kinds is not None else None,
        )
        rule.check()
        return rule

    def check(self) -> None:
        """Structural rules, all reported at once; membership of share holders is the consortium's check."""
        errors = ViolationCollector()
        if self.kind == BenefitRuleKind.FIXED_SHARES:
            self._check_fixed(errors)
        else:
            self._check_weighted(errors)
        errors.raise_if_any()

    def _check_fixed(self, errors: ViolationCollector) -> None:
        for field in ("period_from", "period_to", "kinds"):
            if getattr(self, field) is not None:
                errors.add(field, "not_applicable", "only a contribution_weighted rule has this field")
        if not self.shares:
            errors.add("shares", "shares_required", "a fixed_shares rule needs at least one share")
            return
        seen: set[uuid.UUID] = set()
        all_finite = True
        for i, share in enumerate(self.shares):
            if not share.percent.is_finite():
                all_finite = False
                errors.add(f"shares[{i}].percent", "finite_number", "must be a finite number")
            elif share.percent <= 0:
                errors.add(f"shares[{i}].percent", "share_positive", "must be greater than zero")
            if share.organization_id in seen:
                errors.add(f"shares[{i}].organization_id", "duplicate_share", "one share per organisation")
            seen.add(share.organization_id)
        # Exactly 100, summed as fractions so no decimal context can round a near miss into a hit.
        if all_finite and sum((Fraction(s.percent) for s in self.shares), Fraction(0)) != HUNDRED:
            total = sum((s.percent for s in self.shares), Decimal(0))
            errors.add("shares", "shares_sum_to_100", f"shares add up to {total}, not exactly 100")

    def _check_weighted(self, errors: ViolationCollector) -> None:
        if self.shares:
            errors.add("shares", "not_applicable", "only a fixed_shares rule has shares")
        if self.period_from is None:
            errors.add("period_from", "required", "a contribution_weighted rule needs a period start")
        if self.period_to is None:
            errors.add("period_to", "required", "a contribution_weighted rule needs a period end")
        if self.period_from and self.period_to and self.period_from > self.period_to:
            errors.add("period_to", "period_order", "must not be before period_from")
        if self.kinds is not None:
            if not self.kinds:
                errors.add("kinds", "kinds_empty", "omit kinds to count every kind, or name at least one")
            seen: set[ContributionKind] = set()
            for i, kind in enumerate(self.kinds):
                if kind in seen:
                    errors.add(f"kinds[{i}]", "duplicate_kind", f"{kind} is listed twice")
                seen.add(kind)


def allocate(
    amount: Decimal, weights: Mapping[uuid.UUID, Decimal], minor_unit_exponent: int = 2
) -> dict[uuid.UUID, Decimal]:
    """Splits ``amount`` in proportion to ``weights`` by the largest remainder method.

    Works in whole minor units (cents for CNY) with exact rational arithmetic: each organisation first
    gets the floor of its exact share; the units left over (fewer than the number of organisations) go
    one each to the largest remainders. Ties go to the organisation whose id, as a string, sorts first,
    so the result never depends on dict order. Hence the allocations sum to ``amount`` exactly and each
    is less than one minor unit away from its exact share. Every key of ``weights`` is in the result, in
    the same order; a zero weight gets zero.

    Rules: ``amount_positive``, ``amount_precision`` (more decimals than the minor unit),
    ``finite_number``, ``weight_non_negative``, ``no_weight`` (no weights, or all zero).
    """
    if minor_unit_exponent < 0:
        raise ValueError("minor_unit_exponent must be >= 0")
    if not amount.is_finite():
        raise ValidationFailed("amount", "finite_number", "must be a finite number")
    if amount <= 0:
        raise ValidationFailed("amount", "amount_positive", "must be greater than zero")
    if not fits_minor_unit(amount, minor_unit_exponent):
        raise ValidationFailed(
            "amount", "amount_precision", f"at most {minor_unit_exponent} decimals for this currency"
        )
    for org_id, weight in weights.items():
        if not weight.is_finite():
            raise ValidationFailed("weights", "finite_number", f"weight of {org_id} is not a finite number")
        if weight < 0:
            raise ValidationFailed("weights", "weight_non_negative", f"weight of {org_id} is negative")
    total = sum((Fraction(w) for w in weights.values()), Fraction(0))
    if total == 0:
        raise ValidationFailed("weights", "no_weight", "nothing to weigh the amount by")

    units = to_minor_units(amount, minor_unit_exponent)
    exact = {org_id: units * Fraction(w) / total for org_id, w in weights.items()}
    whole = {org_id: math.floor(share) for org_id, share in exact.items()}
    left_over = units - sum(whole.values())
    by_remainder = sorted(exact, key=lambda org_id: (-(exact[org_id] - whole[org_id]), str(org_id)))
    for org_id in by_remainder[:left_over]:
        whole[org_id] += 1
    return {org_id: from_minor_units(whole[org_id], minor_unit_exponent) for org_id in weights}


class Allocation(BaseModel):
    model_config = ConfigDict(frozen=True)

    organization_id: uuid.UUID
    amount: Decimal


class Distribution(Aggregate):
    """One distribution of an amount under the consortium's rule; immutable once made.

    An ``Aggregate`` only so the generic repository can store it; ``allocations`` is a JSONB list.
    """

    consortium_id: uuid.UUID
    amount: Decimal
    currency: str
    rule_kind: BenefitRuleKind
    allocations: list[Allocation]
    distributed_on: date
