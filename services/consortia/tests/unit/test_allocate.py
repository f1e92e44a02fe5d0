"""Largest-remainder allocation: exact sums, fairness bounds and determinism, by examples and properties."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from fractions import Fraction

import pytest
from consortia.domain import allocate
from dovetail_shared.errors import ValidationFailed
from hypothesis import given, settings
from hypothesis import strategies as st

A = uuid.UUID(int=1)  # "00000000-0000-0000-0000-000000000001" sorts first
B = uuid.UUID(int=2)
C = uuid.UUID(int=3)


# ----------------------------------------------------------------------------------------------- examples


def test_thirds_give_the_odd_cent_to_the_smallest_id() -> None:
    # All three remainders are equal (1/3 cent), so the tie-break decides: ids ascending as strings.
    assert allocate(Decimal("100.00"), {C: Decimal(1), B: Decimal(1), A: Decimal(1)}) == {
        C: Decimal("33.33"),
        B: Decimal("33.33"),
        A: Decimal("33.34"),
    }


def test_tie_break_compares_id_strings_not_insertion_order() -> None:
    low, high = uuid.UUID("0fffffff-0000-0000-0000-000000000000"), uuid.UUID("f0000000-0000-0000-0000-000000000000")
    assert allocate(Decimal("0.01"), {high: Decimal(1), low: Decimal(1)}) == {
        high: Decimal("0.00"),
        low: Decimal("0.01"),
    }


def test_largest_remainder_wins_over_the_tie_break() -> None:
    # Exact shares: 6.666…, 3.333… → C (remainder 2/3) gets the spare cent although A sorts first.
    result = allocate(Decimal("0.10"), {A: Decimal(1), C: Decimal(2)})
    assert result == {A: Decimal("0.03"), C: Decimal("0.07")}


def test_fixed_percentages_split_exactly() -> None:
    result = allocate(Decimal("1000.00"), {A: Decimal("33.33"), B: Decimal("33.33"), C: Decimal("33.34")})
    assert result == {A: Decimal("333.30"), B: Decimal("333.30"), C: Decimal("333.40")}


def test_results_carry_exactly_the_minor_unit_places() -> None:
    result = allocate(Decimal("10"), {A: Decimal(1), B: Decimal(1)})
    assert [str(v) for v in result.values()] == ["5.00", "5.00"]


def test_zero_decimal_currency() -> None:
    assert allocate(Decimal("100"), {A: Decimal(1), B: Decimal(1), C: Decimal(1)}, minor_unit_exponent=0) == {
        A: Decimal("34"),
        B: Decimal("33"),
        C: Decimal("33"),
    }


def test_zero_weight_gets_nothing() -> None:
    assert allocate(Decimal("0.05"), {A: Decimal(0), B: Decimal(3), C: Decimal(3)}) == {
        A: Decimal("0.00"),
        B: Decimal("0.03"),
        C: Decimal("0.02"),
    }


@pytest.mark.parametrize(
    ("amount", "weights", "field", "rule"),
    [
        (Decimal("0"), {A: Decimal(1)}, "amount", "amount_positive"),
        (Decimal("-5.00"), {A: Decimal(1)}, "amount", "amount_positive"),
        (Decimal("1.005"), {A: Decimal(1)}, "amount", "amount_precision"),
        (Decimal("NaN"), {A: Decimal(1)}, "amount", "finite_number"),
        (Decimal("1.00"), {}, "weights", "no_weight"),
        (Decimal("1.00"), {A: Decimal(0), B: Decimal(0)}, "weights", "no_weight"),
        (Decimal("1.00"), {A: Decimal(2), B: Decimal(-1)}, "weights", "weight_non_negative"),
        (Decimal("1.00"), {A: Decimal("Infinity")}, "weights", "finite_number"),
    ],
)
def test_refused_inputs(amount: Decimal, weights: dict, field: str, rule: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        allocate(amount, weights)
    assert [(v.field, v.rule) for v in err.value.violations] == [(field, rule)]


def test_trailing_zeros_beyond_the_minor_unit_are_fine() -> None:
    assert allocate(Decimal("1.000"), {A: Decimal(1)}) == {A: Decimal("1.00")}


# --------------------------------------------------------------------------------------------- properties

exponents = st.sampled_from([0, 2, 3])
weight_values = st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False)
weight_maps = st.dictionaries(st.uuids(), weight_values, min_size=1, max_size=25).filter(
    lambda w: any(v > 0 for v in w.values())
)


@st.composite
def amounts(draw: st.DrawFn, exponent: int) -> Decimal:
    units = draw(st.integers(min_value=1, max_value=10**12))
    return Decimal(units).scaleb(-exponent)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Decimal, dict[uuid.UUID, Decimal], int]:
    exponent = draw(exponents)
    return draw(amounts(exponent)), draw(weight_maps), exponent


def exact_units(amount: Decimal, weights: dict[uuid.UUID, Decimal], exponent: int) -> dict[uuid.UUID, Fraction]:
    total = sum(Fraction(w) for w in weights.values())
    units = Fraction(amount) * 10**exponent
    return {org: units * Fraction(w) / total for org, w in weights.items()}


@settings(max_examples=300)
@given(cases())
def test_allocations_sum_exactly_to_the_amount(case: tuple[Decimal, dict[uuid.UUID, Decimal], int]) -> None:
    amount, weights, exponent = case
    result = allocate(amount, weights, exponent)
    assert set(result) == set(weights)
    assert sum(Fraction(v) for v in result.values()) == Fraction(amount)


@settings(max_examples=300)
@given(cases())
def test_each_allocation_is_within_one_minor_unit_of_its_exact_share(
    case: tuple[Decimal, dict[uuid.UUID, Decimal], int],
) -> None:
    amount, weights, exponent = case
    result = allocate(amount, weights, exponent)
    exact = exact_units(amount, weights, exponent)
    for org, value in result.items():
        got = Fraction(value) * 10**exponent
        assert got.denominator == 1, "not a whole number of minor units"
        assert abs(got - exact[org]) < 1
        assert value >= 0
        assert value.as_tuple().exponent == -exponent


@settings(max_examples=300)
@given(cases())
def test_spare_units_go_to_the_largest_remainders(case: tuple[Decimal, dict[uuid.UUID, Decimal], int]) -> None:
    amount, weights, exponent = case
    result = allocate(amount, weights, exponent)
    exact = exact_units(amount, weights, exponent)
    rounded_up = {org for org, v in result.items() if Fraction(v) * 10**exponent > math.floor(exact[org])}
    rest = set(result) - rounded_up
    remainder = {org: exact[org] - math.floor(exact[org]) for org in exact}
    if rounded_up and rest:
        assert min(remainder[o] for o in rounded_up) >= max(remainder[o] for o in rest)
    # Zero weight means an exact share of zero; it can never be the one rounded up.
    assert all(result[o] == 0 for o, w in weights.items() if w == 0)


@settings(max_examples=200)
@given(cases(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_dict_order(case: tuple[Decimal, dict[uuid.UUID, Decimal], int], rnd) -> None:
    amount, weights, exponent = case
    items = list(weights.items())
    rnd.shuffle(items)
    shuffled = dict(items)
    assert allocate(amount, shuffled, exponent) == allocate(amount, weights, exponent)
    assert list(allocate(amount, shuffled, exponent)) == list(shuffled)


@settings(max_examples=200)
@given(cases(), st.integers(min_value=1, max_value=1000))
def test_scaling_every_weight_changes_nothing(case: tuple[Decimal, dict[uuid.UUID, Decimal], int], factor: int) -> None:
    amount, weights, exponent = case
    scaled = {org: w * factor for org, w in weights.items()}
    assert allocate(amount, scaled, exponent) == allocate(amount, weights, exponent)


@given(st.decimals(min_value=Decimal("0.001"), max_value=10**6, places=3).filter(lambda d: d % Decimal("0.01") != 0))
def test_amounts_finer_than_the_minor_unit_are_refused(amount: Decimal) -> None:
    with pytest.raises(ValidationFailed) as err:
        allocate(amount, {A: Decimal(1)})
    assert err.value.violations[0].rule == "amount_precision"
