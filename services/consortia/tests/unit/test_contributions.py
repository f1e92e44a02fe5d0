"""Recording contributions: membership, field rules, the emitted event, and ledger totals."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from consortia.domain import (
    Consortium,
    Contribution,
    ContributionKind,
    LedgerTotal,
    OrganizationKind,
    ValuedTotal,
    ledger_totals,
    valued_totals,
)
from dovetail_shared.errors import ValidationFailed
from dovetail_shared.events.consortia import ContributionRecorded

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY


def test_member_records_a_contribution(active: Consortium, lead_id: uuid.UUID, today: date) -> None:
    contribution, events = active.record_contribution(
        lead_id,
        ContributionKind.EQUIPMENT_HOURS,
        Decimal("120"),
        " hours ",
        Decimal("36000.00"),
        today - timedelta(days=3),
        today,
        now=NOW,
    )

    assert contribution.consortium_id == active.id
    assert contribution.unit == "hours"
    assert contribution.currency == "CNY"
    [event] = events
    assert event.subject == active.id
    assert isinstance(event.payload, ContributionRecorded)
    assert event.payload.contribution_id == contribution.id
    assert event.payload.valuation == Decimal("36000.00")
    assert event.payload.kind == "equipment_hours"


def test_non_member_cannot_contribute(active: Consortium, today: date) -> None:
    with pytest.raises(ValidationFailed) as err:
        active.record_contribution(
            uuid.uuid4(), ContributionKind.FUNDING, Decimal(1), "CNY", Decimal("1.00"), today, today, now=NOW
        )
    assert err.value.violations[0].rule == "not_active_member"


def test_former_member_cannot_contribute(active: Consortium, admit, today: date) -> None:
    org = admit(active, OrganizationKind.ENTERPRISE)
    active.leave(org, today, now=NOW)
    with pytest.raises(ValidationFailed):
        active.record_contribution(
            org, ContributionKind.FUNDING, Decimal(1), "CNY", Decimal("1.00"), today, today, now=NOW
        )


def test_forming_consortium_accepts_contributions(forming: Consortium, lead_id: uuid.UUID, today: date) -> None:
    contribution, _ = forming.record_contribution(
        lead_id, ContributionKind.MENTOR_HOURS, Decimal("10"), "hours", Decimal("0"), today, today, now=NOW
    )
    assert contribution.valuation == 0


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"quantity": Decimal(0)}, "quantity", "quantity_positive"),
        ({"quantity": Decimal("-1")}, "quantity", "quantity_positive"),
        ({"quantity": Decimal("NaN")}, "quantity", "finite_number"),
        ({"unit": "  "}, "unit", "required"),
        ({"valuation": Decimal("-0.01")}, "valuation", "valuation_non_negative"),
        ({"valuation": Decimal("10.001")}, "valuation", "valuation_precision"),
        ({"valuation": Decimal("Infinity")}, "valuation", "finite_number"),
        ({"valuation": Decimal("10.5"), "currency": "JPY"}, "valuation", "valuation_precision"),
        ({"currency": "RMB1"}, "currency", "currency_iso4217"),
        ({"currency": "yuan"}, "currency", "currency_iso4217"),
        ({"contributed_on": date(2025, 3, 2)}, "contributed_on", "contributed_on_not_future"),
    ],
)
def test_contribution_field_rules(
    active: Consortium, lead_id: uuid.UUID, today: date, overrides: dict, field: str, rule: str
) -> None:
    args: dict = {
        "kind": ContributionKind.FUNDING,
        "quantity": Decimal("50000"),
        "unit": "CNY",
        "valuation": Decimal("50000.00"),
        "contributed_on": today,
        "currency": "CNY",
    } | overrides
    with pytest.raises(ValidationFailed) as err:
        active.record_contribution(
            lead_id,
            args["kind"],
            args["quantity"],
            args["unit"],
            args["valuation"],
            args["contributed_on"],
            today,
            currency=args["currency"],
            now=NOW,
        )
    assert [(v.field, v.rule) for v in err.value.violations] == [(field, rule)]


def test_valuation_precision_is_judged_by_value(active: Consortium, lead_id: uuid.UUID, today: date) -> None:
    contribution, _ = active.record_contribution(
        lead_id,
        ContributionKind.DATA,
        Decimal("1"),
        "dataset",
        Decimal("10.500"),
        today,
        today,
        currency="usd",
        now=NOW,
    )
    assert contribution.valuation == Decimal("10.5")
    assert contribution.currency == "USD"


def test_three_decimal_currency_accepts_fils(active: Consortium, lead_id: uuid.UUID, today: date) -> None:
    contribution, _ = active.record_contribution(
        lead_id, ContributionKind.IP, Decimal("1"), "patent", Decimal("1.125"), today, today, currency="KWD", now=NOW
    )
    assert contribution.valuation == Decimal("1.125")


def test_all_field_errors_are_reported_together(active: Consortium, lead_id: uuid.UUID, today: date) -> None:
    with pytest.raises(ValidationFailed) as err:
        active.record_contribution(
            lead_id, ContributionKind.FUNDING, Decimal(0), "", Decimal("-1"), today, today, currency="X", now=NOW
        )
    assert {v.field for v in err.value.violations} == {"quantity", "unit", "valuation", "currency"}


def line(org: uuid.UUID, kind: ContributionKind, qty: str, unit: str, value: str, currency: str = "CNY"):
    return Contribution(
        consortium_id=uuid.uuid4(),
        organization_id=org,
        kind=kind,
        quantity=Decimal(qty),
        unit=unit,
        valuation=Decimal(value),
        currency=currency,
        contributed_on=date(2025, 1, 1),
        created_at=NOW,
        updated_at=NOW,
    )


def test_ledger_totals_per_organisation_kind_unit_and_currency() -> None:
    college, firm = uuid.uuid4(), uuid.uuid4()
    contributions = [
        line(firm, ContributionKind.MENTOR_HOURS, "10", "hours", "3000.00"),
        line(firm, ContributionKind.MENTOR_HOURS, "2.5", "hours", "750.50"),
        line(firm, ContributionKind.MENTOR_HOURS, "1", "days", "2400.00"),
        line(firm, ContributionKind.FUNDING, "100", "USD", "100.00", currency="USD"),
        line(college, ContributionKind.EQUIPMENT_HOURS, "40", "hours", "8000.00"),
    ]

    totals = ledger_totals(contributions)

    assert totals[firm][ContributionKind.MENTOR_HOURS] == LedgerTotal(
        count=3,
        quantity_by_unit={"hours": Decimal("12.5"), "days": Decimal("1")},
        valuation_by_currency={"CNY": Decimal("6150.50")},
    )
    assert totals[firm][ContributionKind.FUNDING].valuation_by_currency == {"USD": Decimal("100.00")}
    assert set(totals[college]) == {ContributionKind.EQUIPMENT_HOURS}
    assert totals[college][ContributionKind.EQUIPMENT_HOURS].count == 1


def test_ledger_totals_of_nothing_is_empty() -> None:
    assert ledger_totals([]) == {}


def test_valued_totals_sum_the_periods_lines_per_organisation_and_currency(
    active: Consortium, lead_id: uuid.UUID, today: date
) -> None:
    """The Python reading of what the repository sums in SQL for a weighted distribution."""
    start, end = today - timedelta(days=30), today - timedelta(days=1)
    other = uuid.uuid4()

    def line(org: uuid.UUID, value: str, on: date, *, kind: str = "funding", currency: str = "CNY") -> Contribution:
        return Contribution(
            consortium_id=active.id,
            organization_id=org,
            kind=ContributionKind(kind),
            quantity=Decimal(1),
            unit="lot",
            valuation=Decimal(value),
            currency=currency,
            contributed_on=on,
            created_at=NOW,
            updated_at=NOW,
        )

    lines = [
        line(lead_id, "0.10", start),  # both ends of the period count
        line(lead_id, "0.20", end),
        line(lead_id, "5.00", end, currency="USD"),
        line(other, "1.00", start, kind="ip"),
        line(other, "9.00", start - timedelta(days=1)),  # before the period
        line(other, "9.00", today),  # after it
        line(lead_id, "9.00", start).model_copy(update={"consortium_id": uuid.uuid4()}),  # another consortium
    ]
    everything = valued_totals(lines, active.id, start, end)
    expected = [
        ValuedTotal(organization_id=lead_id, currency="CNY", valuation=Decimal("0.30")),
        ValuedTotal(organization_id=lead_id, currency="USD", valuation=Decimal("5.00")),
        ValuedTotal(organization_id=other, currency="CNY", valuation=Decimal("1.00")),
    ]
    assert everything == sorted(expected, key=lambda t: (str(t.organization_id), t.currency))
    assert valued_totals(lines, active.id, start, end, [ContributionKind.IP]) == [expected[2]]
    assert valued_totals(lines, active.id, today + timedelta(days=1), today + timedelta(days=9)) == []
