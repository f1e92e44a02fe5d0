"""The pure domain: program lifecycle and its rules, cohorts, enrolment, consent, erasure; no I/O, no clock."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from dovetail_shared.errors import Conflict, InvalidTransition, ValidationFailed
from dovetail_shared.events.joint_programs import (
    CommittedIntake,
    ConsentGiven,
    LearnerErased,
    ProgramApproved,
    ProgramFlagged,
    ProgramProposed,
)
from dovetail_shared.principal import Principal, Role, account_digest
from joint_programs.domain import (
    Cohort,
    CohortStatus,
    Consent,
    ConsentPurpose,
    Enrolment,
    JointProgram,
    Learner,
    PinFlag,
    ProgramStatus,
    policy,
)

NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
COLLEGE, FIRM_A, FIRM_B, OUTSIDER = (uuid.uuid4() for _ in range(4))


def program(**overrides: object) -> JointProgram:
    values: dict[str, object] = {
        "college_id": COLLEGE,
        "title": "Welding order class",
        "model": "order_class",
        "partner_ids": [FIRM_A, FIRM_B],
        "curriculum_id": uuid.uuid4(),
        "curriculum_version_number": 2,
        "capacity": 30,
        "now": NOW,
    }
    values.update(overrides)
    p, events = JointProgram.propose(**values)  # type: ignore[arg-type]
    assert isinstance(events[0].payload, ProgramProposed) and events[0].time == NOW
    return p


def rules(exc: pytest.ExceptionInfo[ValidationFailed]) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in exc.value.violations}


def test_every_partner_approves_before_the_program_is_approved() -> None:
    p = program()
    assert p.approve(FIRM_A, NOW) == [] and p.status == ProgramStatus.PROPOSED
    with pytest.raises(Conflict):
        p.approve(FIRM_A, NOW)
    (event,) = p.approve(FIRM_B, NOW)
    assert isinstance(event.payload, ProgramApproved) and p.status == ProgramStatus.APPROVED
    with pytest.raises(ValidationFailed) as exc:
        program().approve(OUTSIDER, NOW)
    assert rules(exc) == {("organization_id", "not_a_partner")}


def test_decline_needs_a_reason_and_ends_the_proposal() -> None:
    p = program()
    with pytest.raises(ValidationFailed):
        p.decline(FIRM_A, "  ", NOW)
    p.decline(FIRM_A, "no budget", NOW)
    assert p.status == ProgramStatus.DECLINED and p.decline_reason == "no budget"
    with pytest.raises(InvalidTransition):
        p.approve(FIRM_B, NOW)


def test_proposal_rules_are_all_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as exc:
        program(
            model="joint_lab",
            partner_ids=[FIRM_A, FIRM_A, COLLEGE],
            capacity=0,
            committed_intake=[CommittedIntake(firm_id=OUTSIDER, headcount=0)],
        )
    assert rules(exc) >= {
        ("capacity", "range"),
        ("partner_ids[1]", "unique"),
        ("partner_ids[2]", "partner_is_college"),
        ("committed_intake", "intake_only_for_order_class"),
        ("committed_intake[0].firm_id", "not_a_partner"),
        ("committed_intake[0].headcount", "range"),
    }
    with pytest.raises(ValidationFailed) as exc:
        program(committed_intake=[CommittedIntake(firm_id=FIRM_A, headcount=31)])
    assert rules(exc) == {("committed_intake", "intake_exceeds_capacity")}


def test_a_flagged_or_retired_pin_blocks_launch_until_re_pinned() -> None:
    p = program()
    p.approve(FIRM_A, NOW)
    p.approve(FIRM_B, NOW)
    (event,) = p.flag(PinFlag.SUPERSEDED, NOW)
    assert isinstance(event.payload, ProgramFlagged) and event.payload.reason == "superseded"
    assert p.flag(PinFlag.SUPERSEDED, NOW) == []  # idempotent
    with pytest.raises(ValidationFailed) as exc:
        p.launch(pinned_published=True, now=NOW)
    assert rules(exc) == {("curriculum_version_number", "pinned_version_retired")}
    p.repin(3, NOW)
    assert p.pin_flag is None and p.curriculum_version_number == 3
    with pytest.raises(Conflict):
        p.repin(3, NOW)
    with pytest.raises(ValidationFailed):
        p.launch(pinned_published=False, now=NOW)
    p.launch(pinned_published=True, now=NOW)
    p.close(NOW + timedelta(days=700))
    assert p.status == ProgramStatus.CLOSED and p.flag(PinFlag.RETIRED, NOW) == []


def cohort(p: JointProgram, seats: int = 10) -> Cohort:
    return Cohort.plan(
        p,
        intake_term="2026-autumn",
        seat_limit=seats,
        start_date=date(2026, 9, 1),
        graduation_date=date(2028, 7, 1),
        now=NOW,
    )


def learner(college: uuid.UUID = COLLEGE, sub: str | None = "acct-1") -> Learner:
    out, _ = Learner.register(
        college_id=college,
        name="Li Wei",
        name_zh="李伟",
        student_number="S1",
        date_of_birth=date(2006, 3, 14),
        contact="li@example.edu.cn",
        account_subject=sub,
        now=NOW,
        today=NOW.date(),
    )
    return out


def test_cohort_lifecycle_follows_the_program() -> None:
    p = program()
    c = cohort(p)
    with pytest.raises(ValidationFailed):
        c.open(p, [], NOW)  # partners have not approved
    p.approve(FIRM_A, NOW)
    p.approve(FIRM_B, NOW)
    (opened,) = c.open(p, [], NOW)
    assert opened.payload.seat_limit == 10 and opened.subject == c.id  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed):
        c.start(p, [], NOW)  # program not running
    p.launch(pinned_published=True, now=NOW)
    c.start(p, [], NOW)
    c.graduate(p, [], NOW)
    assert c.status == CohortStatus.GRADUATED and not c.enrolling


def test_enrolment_needs_an_enrolling_cohort_of_the_learners_college() -> None:
    p = program()
    c = cohort(p)
    with pytest.raises(ValidationFailed):
        Enrolment.enrol(c, learner(), today=NOW.date(), now=NOW)  # planned, not enrolling
    p.approve(FIRM_A, NOW)
    p.approve(FIRM_B, NOW)
    c.open(p, [], NOW)
    with pytest.raises(ValidationFailed):
        Enrolment.enrol(c, learner(college=uuid.uuid4()), today=NOW.date(), now=NOW)
    someone = learner()
    e, (event,) = Enrolment.enrol(c, someone, today=NOW.date(), now=NOW)
    # Events are keyed by the pseudonym and carry no roster id.
    assert event.subject == someone.ref and someone.id != someone.ref
    assert str(someone.id) not in event.payload.model_dump_json()
    e.withdraw(today=NOW.date(), now=NOW)
    with pytest.raises(InvalidTransition):
        e.graduate(p, [], today=NOW.date(), now=NOW)


def test_erasure_removes_every_personal_field_and_keeps_the_pseudonym() -> None:
    someone = learner()
    ref = someone.ref
    (event,) = someone.erase(NOW)
    assert isinstance(event.payload, LearnerErased) and event.payload.learner_ref == ref
    personal = (someone.name, someone.name_zh, someone.student_number, someone.date_of_birth, someone.contact)
    assert personal == (None,) * 5 and someone.account_subject is None and someone.ref == ref
    assert someone.erase(NOW) == []
    with pytest.raises(ValidationFailed):
        Consent.give(someone, purpose=ConsentPurpose.MATCHING, firm_id=FIRM_A, now=NOW)


def test_consent_names_one_scope_and_withdrawal_ends_the_grant() -> None:
    someone = learner()
    with pytest.raises(ValidationFailed):
        Consent.give(someone, purpose=ConsentPurpose.MATCHING, now=NOW)
    with pytest.raises(ValidationFailed):
        Consent.give(someone, purpose=ConsentPurpose.MATCHING, firm_id=FIRM_A, program_id=uuid.uuid4(), now=NOW)
    program_id = uuid.uuid4()
    by_program, _ = Consent.give(someone, purpose=ConsentPurpose.PLACEMENT, program_id=program_id, now=NOW)
    partners = {program_id: [FIRM_A, FIRM_B]}
    recruiter = Principal(sub="r", org=FIRM_B, roles=frozenset({Role.RECRUITER}))
    assert policy.firm_may_see(recruiter, someone, [by_program], partners)
    outsider = Principal(sub="o", org=OUTSIDER, roles=frozenset({Role.FIRM_ADMIN}))
    assert not policy.firm_may_see(outsider, someone, [by_program], partners)
    # A firm's mentor, or a college admin, is not a firm's staff reading profiles.
    mentor = Principal(sub="m", org=FIRM_B, roles=frozenset({Role.MENTOR}))
    assert not policy.firm_may_see(mentor, someone, [by_program], partners)
    by_program.withdraw(NOW)
    assert not policy.firm_may_see(recruiter, someone, [by_program], partners)
    with pytest.raises(Conflict):
        by_program.withdraw(NOW)


def test_policy_separates_the_partnership_from_everyone_else() -> None:
    p = program()
    admin = Principal(sub="a", org=COLLEGE, roles=frozenset({Role.COLLEGE_ADMIN}))
    teacher = Principal(sub="t", org=COLLEGE, roles=frozenset({Role.TEACHER}))
    partner = Principal(sub="f", org=FIRM_A, roles=frozenset({Role.FIRM_ADMIN}))
    recruiter = Principal(sub="r", org=FIRM_A, roles=frozenset({Role.RECRUITER}))
    operator = Principal(sub="o", org=None, roles=frozenset({Role.OPERATOR}))
    other = Principal(sub="x", org=uuid.uuid4(), roles=frozenset({Role.COLLEGE_ADMIN}))
    assert [policy.can_view_program(x, p) for x in (admin, teacher, partner, recruiter, operator, other)] == [
        True,
        True,
        True,
        True,
        True,
        False,
    ]
    assert policy.can_manage_program(admin, p) and not policy.can_manage_program(teacher, p)
    assert policy.can_manage_cohorts(teacher, p) and not policy.can_manage_cohorts(operator, p)
    assert policy.can_decide_program(partner, p) and not policy.can_decide_program(recruiter, p)
    someone = learner(sub="acct-9")
    me = Principal(sub="acct-9", org=COLLEGE, roles=frozenset({Role.LEARNER}))
    impostor = Principal(sub="acct-9", org=COLLEGE, roles=frozenset({Role.RECRUITER}))
    assert policy.is_self(me, someone) and not policy.is_self(impostor, someone)
    assert policy.can_view_record(teacher, someone) and not policy.can_erase(teacher, someone)
    assert policy.can_erase(admin, someone) and not policy.can_view_record(operator, someone)


def test_a_placement_consent_carries_the_account_digest_and_only_a_minors_age_facts() -> None:
    """ADR 0028: internships recognises the learner's token by the digest and applies the age rules by two dates;
    the date of birth never leaves, and a matching consent carries none of it."""
    adult = learner()  # born 2006-03-14: 20 on NOW
    minor = learner(sub="acct-2")
    minor.date_of_birth = date(2010, 2, 28)  # 16 on 2026-02-28, 18 on 2028-02-28
    _c, [given] = Consent.give(adult, purpose=ConsentPurpose.PLACEMENT, firm_id=FIRM_A, now=NOW)
    assert isinstance(given.payload, ConsentGiven)
    assert given.payload.account_digest == account_digest("acct-1")
    assert given.payload.turns_16_on is None and given.payload.turns_18_on is None
    _c, [given] = Consent.give(minor, purpose=ConsentPurpose.PLACEMENT, firm_id=FIRM_A, now=NOW)
    assert isinstance(given.payload, ConsentGiven)
    assert given.payload.turns_16_on is None and given.payload.turns_18_on == date(2028, 2, 28)
    assert "2010" not in given.payload.model_dump_json()
    _c, [matching] = Consent.give(minor, purpose=ConsentPurpose.MATCHING, firm_id=FIRM_A, now=NOW)
    assert isinstance(matching.payload, ConsentGiven)
    assert matching.payload.account_digest is None and matching.payload.turns_18_on is None
