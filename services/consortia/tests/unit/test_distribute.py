"""Distributing an amount under a consortium's benefit rule: who counts, what is refused, what is emitted."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from consortia.domain import (
    BenefitRule,
    BenefitRuleKind,
    Consortium,
    Contribution,
    ContributionKind,
    OrganizationKind,
    ValuedTotal,
    valued_totals,
)
from dovetail_shared.errors import InvalidTransition, ValidationFailed
from dovetail_shared.events.consortia import BenefitDistributed

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY

JAN1, JUN30 = date(2025, 1, 1), date(2025, 6, 30)


def contribute(
    consortium: Consortium,
    org: uuid.UUID,
    value: str,
    on: date = date(2025, 2, 1),
    kind: ContributionKind = ContributionKind.FUNDING,
    currency: str = "CNY",
) -> Contribution:
    contribution, _ = consortium.record_contribution(
        org, kind, Decimal(1), "lot", Decimal(value), on, date(2025, 12, 31), currency=currency, now=NOW
    )
    return contribution


def weighed(consortium: Consortium, ledger: list[Contribution]) -> list[ValuedTotal]:
    """The totals the repository would sum for the consortium's rule (its period and kinds)."""
    rule = consortium.benefit_rule
    assert rule is not None and rule.period_from is not None and rule.period_to is not None
    return valued_totals(ledger, consortium.id, rule.period_from, rule.period_to, rule.kinds)


def firm_of(consortium: Consortium) -> uuid.UUID:
    return next(m.organization_id for m in consortium.memberships if m.organization_kind == OrganizationKind.ENTERPRISE)


def test_fixed_shares_distribution_emits_allocations(active: Consortium, lead_id: uuid.UUID, today: date) -> None:
    firm = firm_of(active)
    active.set_benefit_rule(BenefitRule.fixed({lead_id: Decimal(60), firm: Decimal(40)}), now=NOW)
    distribution_id = uuid.uuid4()

    distribution, events = active.distribute(Decimal("1000.01"), "cny", [], distribution_id, today, now=NOW)

    assert distribution.id == distribution_id
    assert distribution.consortium_id == active.id
    assert distribution.currency == "CNY"
    assert distribution.rule_kind == BenefitRuleKind.FIXED_SHARES
    assert distribution.distributed_on == today
    # 600.006 and 400.004: the spare cent goes to the larger remainder, the lead's.
    assert {a.organization_id: a.amount for a in distribution.allocations} == {
        lead_id: Decimal("600.01"),
        firm: Decimal("400.00"),
    }
    [event] = events
    assert event.subject == active.id
    assert isinstance(event.payload, BenefitDistributed)
    assert event.payload.rule == "fixed_shares"
    assert sum(a.amount for a in event.payload.allocations) == Decimal("1000.01")


def test_weighted_distribution_counts_only_members_period_kind_and_consortium(
    active: Consortium, admit, lead_id: uuid.UUID, today: date
) -> None:
    firm = firm_of(active)
    leaver = admit(active, OrganizationKind.ENTERPRISE)
    ledger = [
        contribute(active, lead_id, "3000.00"),
        contribute(active, firm, "1000.00", on=JAN1),
        contribute(active, firm, "500.00", on=JUN30, kind=ContributionKind.EQUIPMENT_HOURS),
        contribute(active, firm, "9999.00", on=JUN30 + timedelta(days=1)),  # after the period
        contribute(active, lead_id, "9999.00", kind=ContributionKind.IP),  # kind not counted
        contribute(active, leaver, "9999.00"),  # no longer a member when distributing
    ]
    active.leave(leaver, today, now=NOW)
    elsewhere = ledger[0].model_copy(update={"id": uuid.uuid4(), "consortium_id": uuid.uuid4()})
    active.set_benefit_rule(
        BenefitRule.weighted(JAN1, JUN30, [ContributionKind.FUNDING, ContributionKind.EQUIPMENT_HOURS]), now=NOW
    )

    distribution, _ = active.distribute(
        Decimal("900.00"), "CNY", weighed(active, [*ledger, elsewhere]), uuid.uuid4(), today, now=NOW
    )

    # Weights: lead 3000, firm 1500 → 600 / 300.
    assert {a.organization_id: a.amount for a in distribution.allocations} == {
        lead_id: Decimal("600.00"),
        firm: Decimal("300.00"),
    }
    assert distribution.rule_kind == BenefitRuleKind.CONTRIBUTION_WEIGHTED


def test_weighted_distribution_without_valued_contributions_has_no_weight(
    active: Consortium, lead_id: uuid.UUID, today: date
) -> None:
    ledger = [contribute(active, lead_id, "0")]
    active.set_benefit_rule(BenefitRule.weighted(JAN1, JUN30), now=NOW)
    with pytest.raises(ValidationFailed) as err:
        active.distribute(Decimal("100.00"), "CNY", weighed(active, ledger), uuid.uuid4(), today, now=NOW)
    assert [(v.field, v.rule) for v in err.value.violations] == [("benefit_rule", "no_weight")]


def test_weighted_distribution_refuses_mixed_currencies(active: Consortium, lead_id: uuid.UUID, today: date) -> None:
    ledger = [contribute(active, lead_id, "100.00"), contribute(active, lead_id, "10.00", currency="USD")]
    active.set_benefit_rule(BenefitRule.weighted(JAN1, JUN30), now=NOW)
    with pytest.raises(ValidationFailed) as err:
        active.distribute(Decimal("100.00"), "CNY", weighed(active, ledger), uuid.uuid4(), today, now=NOW)
    assert err.value.violations[0].rule == "currency_mismatch"


def test_forming_consortium_cannot_distribute(forming: Consortium, lead_id: uuid.UUID, today: date) -> None:
    forming.set_benefit_rule(BenefitRule.fixed({lead_id: Decimal(100)}), now=NOW)
    with pytest.raises(InvalidTransition) as err:
        forming.distribute(Decimal("10.00"), "CNY", [], uuid.uuid4(), today, now=NOW)
    assert err.value.current == "forming"


def test_distribution_needs_a_rule(active: Consortium, today: date) -> None:
    with pytest.raises(ValidationFailed) as err:
        active.distribute(Decimal("10.00"), "CNY", [], uuid.uuid4(), today, now=NOW)
    assert err.value.violations[0].rule == "benefit_rule_required"


def test_fixed_share_holder_who_left_blocks_distribution(
    active: Consortium, admit, lead_id: uuid.UUID, today: date
) -> None:
    firm = firm_of(active)
    observer = admit(active, OrganizationKind.ASSOCIATION)
    active.set_benefit_rule(
        BenefitRule.fixed({lead_id: Decimal(50), firm: Decimal(40), observer: Decimal(10)}), now=NOW
    )
    active.leave(observer, today, now=NOW)
    with pytest.raises(ValidationFailed) as err:
        active.distribute(Decimal("10.00"), "CNY", [], uuid.uuid4(), today, now=NOW)
    assert [(v.field, v.rule) for v in err.value.violations] == [
        ("benefit_rule.shares[2].organization_id", "share_holder_not_member")
    ]


@pytest.mark.parametrize(
    ("amount", "currency", "rule"),
    [
        (Decimal("10.001"), "CNY", "amount_precision"),
        (Decimal("10.5"), "JPY", "amount_precision"),
        (Decimal("0"), "CNY", "amount_positive"),
        (Decimal("10"), "yuan", "currency_iso4217"),
    ],
)
def test_amount_and_currency_are_checked(
    active: Consortium, lead_id: uuid.UUID, today: date, amount: Decimal, currency: str, rule: str
) -> None:
    active.set_benefit_rule(BenefitRule.fixed({lead_id: Decimal(100)}), now=NOW)
    with pytest.raises(ValidationFailed) as err:
        active.distribute(amount, currency, [], uuid.uuid4(), today, now=NOW)
    assert err.value.violations[0].rule == rule
