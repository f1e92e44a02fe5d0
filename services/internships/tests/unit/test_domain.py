"""The pure domain: the rule set and its parameters, postings, applications, placements; no I/O, no clock."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dovetail_shared.errors import Conflict, Forbidden, ValidationFailed
from dovetail_shared.events.internships import RequiredSkill
from internships.domain import KnownConsent, KnownLearner, Party, Placement, Posting, PostingStatus
from internships.domain.application import Application
from internships.domain.logbook import check_rules
from internships.domain.rules import CN_2021, rule_set

NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)
FIRM = uuid.uuid4()
COLLEGE = uuid.uuid4()
ADULT = KnownLearner(
    ref=uuid.uuid4(), college_id=COLLEGE, consents=(KnownConsent(uuid.uuid4(), "placement", FIRM, None),)
)
MINOR = KnownLearner(
    ref=uuid.uuid4(),
    college_id=COLLEGE,
    turns_16_on=date(2025, 1, 1),
    turns_18_on=date(2027, 6, 1),
    consents=ADULT.consents,
)


def posting(**kw: Any) -> Posting:
    values: dict[str, Any] = {
        "firm_id": FIRM,
        "title": "Intern",
        "positions": 2,
        "skills": [RequiredSkill(skill_id="s1", level=2)],
        "start_date": date(2026, 11, 2),
        "end_date": date(2027, 1, 29),
        "stipend": Decimal(3200),
        "post_wage": Decimal(4000),
        "firm_staff": 200,
        "post_staff": 20,
        "now": NOW,
    }
    values.update(kw)
    return Posting.draft(**values)


def violated(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[str]:
    return {v.rule for v in exc.value.violations}


def entry(learner: KnownLearner = ADULT, rules: Any = CN_2021, **kw: Any) -> None:
    values: dict[str, Any] = {
        "entry_date": date(2026, 11, 30),
        "start_time": time(9),
        "end_time": time(17),
        "minutes": 7 * 60,
        "day_minutes": 0,
        "week_minutes": 0,
    }
    values.update(kw)
    check_rules(rules, learner, **values)


def test_cn_2021_refuses_each_broken_rule_naming_its_limit() -> None:
    entry()  # a 7-hour day passes
    with pytest.raises(ValidationFailed) as exc:
        entry(minutes=9 * 60, start_time=time(8), end_time=time(17))
    assert violated(exc) == {"daily_hours"} and "at most 8 hours a day, no overtime" in exc.value.detail
    with pytest.raises(ValidationFailed) as exc:
        entry(week_minutes=36 * 60)
    assert violated(exc) == {"weekly_hours"} and "at most 40 hours a week" in exc.value.detail
    with pytest.raises(ValidationFailed) as exc:
        entry(start_time=time(23), end_time=time(23, 45), minutes=45)
    assert violated(exc) == {"night_work"}
    with pytest.raises(ValidationFailed) as exc:
        entry(start_time=time(5, 30), end_time=time(9), minutes=210)
    assert violated(exc) == {"night_work"}
    with pytest.raises(ValidationFailed) as exc:
        entry(entry_date=date(2026, 10, 1))
    assert violated(exc) == {"public_holiday"}


def test_every_limit_is_a_parameter_a_deployment_can_change() -> None:
    relaxed = rule_set("cn-2021", '{"daily_hours_max": 9, "night_work_allowed": true, "holidays": []}')
    assert relaxed.name == "cn-2021+overrides"
    entry(rules=relaxed, minutes=9 * 60, start_time=time(8), end_time=time(17))
    entry(rules=relaxed, entry_date=date(2026, 10, 1))
    entry(rules=relaxed, start_time=time(23), end_time=time(23, 45), minutes=45)
    # Night work allowed for adults still leaves minors protected.
    with pytest.raises(ValidationFailed) as exc:
        entry(learner=MINOR, rules=relaxed, start_time=time(23), end_time=time(23, 45), minutes=45)
    assert violated(exc) == {"minor_night_work"}
    with pytest.raises(ValueError, match="unknown internship rule parameters"):
        rule_set("cn-2021", {"weekly_hour_max": 44})
    with pytest.raises(ValueError, match="unknown internship rule set"):
        rule_set("xx-1999")


def test_overtime_is_a_parameter_on_top_of_the_daily_limit() -> None:
    one_hour = rule_set("cn-2021", {"overtime_hours_max": 1})
    entry(rules=one_hour, minutes=9 * 60, start_time=time(8), end_time=time(17))
    with pytest.raises(ValidationFailed) as exc:
        entry(rules=one_hour, minutes=9 * 60 + 30, start_time=time(8), end_time=time(17, 30))
    assert "1 h overtime" in exc.value.detail


def test_opening_a_posting_applies_the_stipend_floor_and_the_post_share() -> None:
    p = posting()
    p.open(CN_2021, NOW)
    assert p.status == PostingStatus.OPEN
    with pytest.raises(ValidationFailed) as exc:
        posting(stipend=Decimal("3199.99")).open(CN_2021, NOW)
    assert violated(exc) == {"stipend_floor"}
    with pytest.raises(ValidationFailed) as exc:
        posting(positions=5).open(CN_2021, NOW)
    assert violated(exc) == {"post_staff_share"}
    posting(positions=5).open(rule_set("cn-2021", {"post_staff_share_max": None}), NOW)


def test_a_posting_fills_at_its_positions() -> None:
    p = posting(positions=2)
    p.open(CN_2021, NOW)
    assert p.place_one(NOW) == [] and p.status == PostingStatus.OPEN
    [filled] = p.place_one(NOW)
    assert filled.type == "dovetail.internships.posting.filled.v1" and p.status == PostingStatus.FILLED


def test_applying_needs_placement_consent_and_the_minimum_age() -> None:
    p = posting()
    p.open(CN_2021, NOW)
    stranger = KnownLearner(ref=uuid.uuid4(), college_id=COLLEGE)
    with pytest.raises(Forbidden) as forbidden:
        Application.submit(p, stranger, {}, CN_2021, now=NOW)
    assert forbidden.value.violations[0].rule == "placement_consent_required"
    matching_only = KnownLearner(
        ref=uuid.uuid4(), college_id=COLLEGE, consents=(KnownConsent(uuid.uuid4(), "matching", FIRM, None),)
    )
    with pytest.raises(Forbidden):
        Application.submit(p, matching_only, {}, CN_2021, now=NOW)
    program = uuid.uuid4()
    via_program = KnownLearner(
        ref=uuid.uuid4(), college_id=COLLEGE, consents=(KnownConsent(uuid.uuid4(), "placement", None, program),)
    )
    Application.submit(p, via_program, {program: [FIRM]}, CN_2021, now=NOW)
    young = KnownLearner(ref=uuid.uuid4(), college_id=COLLEGE, turns_16_on=date(2026, 12, 1), consents=ADULT.consents)
    with pytest.raises(ValidationFailed) as exc:
        Application.submit(p, young, {}, CN_2021, now=NOW)
    assert violated(exc) == {"min_placement_age"}


def test_each_party_signs_once_and_activation_names_what_is_missing() -> None:
    p = posting()
    p.open(CN_2021, NOW)
    app, _ = Application.submit(p, ADULT, {}, CN_2021, now=NOW)
    app.offer(NOW)
    app.accept(NOW)
    placement, [confirmed] = Placement.confirm(p, app, NOW)
    assert confirmed.type == "dovetail.internships.placement.confirmed.v1"
    placement.sign(Party.LEARNER, NOW)
    with pytest.raises(Conflict):
        placement.sign(Party.LEARNER, NOW)
    with pytest.raises(ValidationFailed) as exc:
        placement.activate(NOW)
    assert violated(exc) == {"agreement_unsigned", "insurance_required", "supervision_required"}


def test_the_domain_reads_no_clock() -> None:
    domain = Path(__file__).resolve().parents[2] / "internships" / "domain"
    for source in domain.glob("*.py"):
        text = source.read_text()
        for forbidden in ("datetime.now", "date.today", "time.time(", "utcnow"):
            assert forbidden not in text, (source.name, forbidden)
