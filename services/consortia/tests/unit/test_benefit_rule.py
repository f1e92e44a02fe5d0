"""Benefit rule validation: fixed shares that sum to exactly 100, weighted periods, share holders."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from consortia.domain import (
    BenefitRule,
    BenefitRuleKind,
    Consortium,
    ContributionKind,
    OrganizationKind,
    Share,
)
from dovetail_shared.errors import ValidationFailed
from dovetail_shared.events.consortia import BenefitRuleSet

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY


def rules_of(err: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in err.value.violations}


def test_fixed_shares_summing_to_100_are_accepted() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    rule = BenefitRule.fixed({a: Decimal("33.33"), b: Decimal("33.33"), c: Decimal("33.34")})
    assert rule.kind == BenefitRuleKind.FIXED_SHARES
    assert [s.organization_id for s in rule.shares] == [a, b, c]


@pytest.mark.parametrize("percents", [["50", "49.99"], ["50", "50.01"], ["100.0000000000000000000000000001"]])
def test_fixed_shares_must_sum_to_exactly_100(percents: list[str]) -> None:
    with pytest.raises(ValidationFailed) as err:
        BenefitRule.fixed({uuid.uuid4(): Decimal(p) for p in percents})
    assert rules_of(err) == {("shares", "shares_sum_to_100")}


def test_each_share_must_be_positive() -> None:
    with pytest.raises(ValidationFailed) as err:
        BenefitRule.fixed({uuid.uuid4(): Decimal(100), uuid.uuid4(): Decimal(0)})
    assert rules_of(err) == {("shares[1].percent", "share_positive")}


def test_shares_must_name_distinct_organisations() -> None:
    org = uuid.uuid4()
    rule = BenefitRule(
        kind=BenefitRuleKind.FIXED_SHARES,
        shares=[Share(organization_id=org, percent=Decimal(50)), Share(organization_id=org, percent=Decimal(50))],
    )
    with pytest.raises(ValidationFailed) as err:
        rule.check()
    assert rules_of(err) == {("shares[1].organization_id", "duplicate_share")}


def test_fixed_rule_needs_shares_and_no_period() -> None:
    rule = BenefitRule(kind=BenefitRuleKind.FIXED_SHARES, period_from=date(2025, 1, 1))
    with pytest.raises(ValidationFailed) as err:
        rule.check()
    assert rules_of(err) == {("period_from", "not_applicable"), ("shares", "shares_required")}


def test_weighted_rule_period_must_be_ordered() -> None:
    with pytest.raises(ValidationFailed) as err:
        BenefitRule.weighted(date(2025, 6, 30), date(2025, 1, 1))
    assert rules_of(err) == {("period_to", "period_order")}


def test_weighted_rule_of_a_single_day_is_fine() -> None:
    day = date(2025, 1, 1)
    assert BenefitRule.weighted(day, day).period_to == day


def test_weighted_rule_needs_a_period_and_no_shares() -> None:
    rule = BenefitRule(
        kind=BenefitRuleKind.CONTRIBUTION_WEIGHTED,
        shares=[Share(organization_id=uuid.uuid4(), percent=Decimal(100))],
    )
    with pytest.raises(ValidationFailed) as err:
        rule.check()
    assert rules_of(err) == {
        ("shares", "not_applicable"),
        ("period_from", "required"),
        ("period_to", "required"),
    }


def test_weighted_kinds_filter_must_be_meaningful() -> None:
    with pytest.raises(ValidationFailed) as err:
        BenefitRule.weighted(date(2025, 1, 1), date(2025, 2, 1), [])
    assert rules_of(err) == {("kinds", "kinds_empty")}
    with pytest.raises(ValidationFailed) as err:
        BenefitRule.weighted(date(2025, 1, 1), date(2025, 2, 1), [ContributionKind.IP, ContributionKind.IP])
    assert rules_of(err) == {("kinds[1]", "duplicate_kind")}


def test_share_holders_must_be_active_members(active: Consortium, lead_id: uuid.UUID) -> None:
    outsider = uuid.uuid4()
    rule = BenefitRule.fixed({lead_id: Decimal(60), outsider: Decimal(40)})
    with pytest.raises(ValidationFailed) as err:
        active.set_benefit_rule(rule, now=NOW)
    assert rules_of(err) == {("shares[1].organization_id", "not_active_member")}
    assert active.benefit_rule is None


def test_set_benefit_rule_checks_a_hand_built_rule(active: Consortium, lead_id: uuid.UUID) -> None:
    rule = BenefitRule(kind=BenefitRuleKind.FIXED_SHARES, shares=[Share(organization_id=lead_id, percent=Decimal(90))])
    with pytest.raises(ValidationFailed) as err:
        active.set_benefit_rule(rule, now=NOW)
    assert rules_of(err) == {("shares", "shares_sum_to_100")}


def test_set_benefit_rule_replaces_the_rule(active: Consortium, admit, lead_id: uuid.UUID) -> None:
    firm = admit(active, OrganizationKind.ENTERPRISE)
    active.set_benefit_rule(BenefitRule.weighted(date(2025, 1, 1), date(2025, 12, 31)), now=NOW)
    fixed = BenefitRule.fixed({lead_id: Decimal(70), firm: Decimal(30)})

    events = active.set_benefit_rule(fixed, now=NOW)

    assert [type(e.payload) for e in events] == [BenefitRuleSet]
    assert events[0].payload.kind == "fixed_shares"
    assert {(s.organization_id, s.percent) for s in events[0].payload.shares} == {
        (lead_id, Decimal(70)),
        (firm, Decimal(30)),
    }
    assert events[0].payload.period_from is None
    assert active.benefit_rule == fixed
