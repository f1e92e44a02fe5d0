"""Change proposals: submission against the base version, reviews by the other parties, accept and reject."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from curricula.domain import (
    ApprovalRule,
    ChangeProposal,
    Curriculum,
    LearningOutcome,
    Module,
    ModuleDiff,
    ProposalStatus,
    SkillRef,
    VersionStatus,
)
from dovetail_shared.errors import Conflict, DomainError, InvalidTransition, ValidationFailed
from dovetail_shared.events.curricula import (
    ChangeProposalAccepted,
    ChangeProposalRejected,
    ChangeProposalSubmitted,
)

TODAY = date(2025, 9, 1)
NOW = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY
WELD = "http://data.europa.eu/esco/skill/weld"
CAD = "http://data.europa.eu/esco/skill/cad"
PLC = "http://data.europa.eu/esco/skill/plc"
SAFETY = "http://data.europa.eu/esco/skill/safety"


def violations(err: DomainError) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in err.violations}


@pytest.fixture
def plc_diff(make_module: Any) -> ModuleDiff:
    """Adds a PLC module and extends C1 with safety; the published v1 has W1 (welding) and C1 (CAD)."""
    return ModuleDiff(
        add_modules=[make_module("P1", 20, [(PLC, 3), (WELD, 1)])],
        update_modules=[make_module("C1", 36, [(CAD, 2), (SAFETY, 1)])],
    )


def propose(curriculum: Curriculum, proposer: uuid.UUID, diff: ModuleDiff) -> ChangeProposal:
    proposal, _ = ChangeProposal.submit(curriculum, proposer, diff, "firms need PLC skills", now=NOW)
    return proposal


def publish_open_version(curriculum: Curriculum) -> None:
    curriculum.submit_for_review(now=NOW)
    for firm in curriculum.co_author_ids:
        if curriculum.latest_version.status is VersionStatus.IN_REVIEW:
            curriculum.review_version(firm, "approve", now=NOW)
    curriculum.publish(TODAY, now=NOW)


# ---- submission -----------------------------------------------------------------------------------------


def test_submit_against_the_published_version(published: Curriculum, orgs: Any, plc_diff: ModuleDiff) -> None:
    demand = uuid.uuid4()
    proposal, events = ChangeProposal.submit(published, orgs.firm_a, plc_diff, "firms need PLC skills", demand, now=NOW)

    assert proposal.status is ProposalStatus.SUBMITTED
    assert (proposal.curriculum_id, proposal.base_version_number, proposal.demand_id) == (published.id, 1, demand)
    assert [e.subject for e in events] == [proposal.id]
    assert events[0].payload == ChangeProposalSubmitted(
        proposal_id=proposal.id,
        curriculum_id=published.id,
        proposer_org_id=orgs.firm_a,
        base_version_number=1,
        demand_id=demand,
        rationale="firms need PLC skills",
        added_skill_ids=[PLC, SAFETY],  # WELD and CAD are already taught by version 1
    )


def test_base_is_the_latest_version_when_nothing_is_published(
    make_curriculum: Any, make_module: Any, orgs: Any
) -> None:
    curriculum = make_curriculum()
    curriculum.replace_draft_modules([make_module("W1")], now=NOW)
    proposal = propose(curriculum, orgs.college, ModuleDiff(remove_module_codes=["W1"]))
    assert proposal.base_version_number == 1


def test_submit_violations_name_diff_paths(published: Curriculum, orgs: Any, make_module: Any) -> None:
    diff = ModuleDiff(
        add_modules=[make_module("W1"), make_module("N1", hours=0)],
        remove_module_codes=["C1", "ZZ"],
        update_modules=[make_module("C1"), make_module("Q9")],
    )
    with pytest.raises(ValidationFailed) as caught:
        ChangeProposal.submit(published, orgs.firm_a, diff, "", now=NOW)

    assert violations(caught.value) == {
        ("rationale", "required"),
        ("diff.add_modules[0].code", "module_exists"),
        ("diff.add_modules[1].hours", "range"),
        ("diff.remove_module_codes[1]", "unknown_module"),
        ("diff.update_modules[0].code", "unique"),  # C1 is also removed
        ("diff.update_modules[1].code", "unknown_module"),
    }


def _module(code: str, *skills: str) -> Module:
    return Module(
        code=code,
        title="t",
        hours=10,
        outcomes=[LearningOutcome(description="d", skills=[SkillRef(skill_id=s, level=2) for s in skills or (WELD,)])],
    )


@pytest.mark.parametrize("name", ["add_modules", "update_modules", "remove_module_codes"])
def test_a_diff_list_over_200_entries_is_refused_whole(published: Curriculum, orgs: Any, name: str) -> None:
    items: list[Any] = [f"X{i}" for i in range(201)]
    if name != "remove_module_codes":
        items = [_module(code) for code in items]
    with pytest.raises(ValidationFailed) as caught:
        ChangeProposal.submit(published, orgs.firm_a, ModuleDiff(**{name: items}), "big", now=NOW)
    # Only the bound is named: none of the 201 unknown or clashing codes is looked at.
    assert violations(caught.value) == {(f"diff.{name}", "max_items")}
    assert caught.value.violations[0].message == "at most 200 entries, not 201"


def test_a_diff_of_200_entries_per_list_is_accepted(make_curriculum: Any, orgs: Any) -> None:
    curriculum = make_curriculum()
    curriculum.replace_draft_modules([_module(f"B{i}") for i in range(200)], now=NOW)
    diff = ModuleDiff(
        add_modules=[_module(f"N{i}") for i in range(200)],
        remove_module_codes=[f"B{i}" for i in range(200)],
    )
    proposal = propose(curriculum, orgs.college, diff)
    assert len(proposal.diff.add_modules) == 200


def test_removed_codes_are_module_codes(published: Curriculum, orgs: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        ChangeProposal.submit(
            published, orgs.firm_a, ModuleDiff(remove_module_codes=["C1", "", "Z" * 10_000]), "x", now=NOW
        )
    assert violations(caught.value) == {
        ("diff.remove_module_codes[1]", "length"),
        ("diff.remove_module_codes[2]", "length"),
    }
    assert all(len(v.message) < 100 for v in caught.value.violations), "an over-long code is not echoed back"


def test_the_version_a_diff_would_produce_must_stay_within_bounds(
    make_curriculum: Any, orgs: Any, published: Curriculum
) -> None:
    curriculum = make_curriculum()
    curriculum.replace_draft_modules([_module(f"B{i}") for i in range(150)], now=NOW)
    too_many_modules = ModuleDiff(add_modules=[_module(f"N{i}") for i in range(51)])
    with pytest.raises(ValidationFailed) as caught:
        propose(curriculum, orgs.college, too_many_modules)
    assert violations(caught.value) == {("diff", "max_items")}
    assert "201 modules" in caught.value.violations[0].message

    skills = [f"http://data.europa.eu/esco/skill/s{i}" for i in range(199)]  # + WELD and CAD of version 1
    too_many_skills = ModuleDiff(add_modules=[_module(f"N{i}", *skills[i * 10 : i * 10 + 10]) for i in range(20)])
    with pytest.raises(ValidationFailed) as caught:
        propose(published, orgs.firm_a, too_many_skills)
    assert violations(caught.value) == {("diff", "max_items")}
    assert "201 distinct skills" in caught.value.violations[0].message


def test_accept_rechecks_the_bounds_against_a_base_that_grew(make_curriculum: Any, orgs: Any) -> None:
    curriculum = make_curriculum(co_authors=[])
    curriculum.replace_draft_modules([_module("B0")], now=NOW)
    proposal = propose(curriculum, orgs.college, ModuleDiff(add_modules=[_module(f"N{i}") for i in range(100)]))
    # The unpublished base grows before it is published: the diff would now make a 201-module version.
    curriculum.replace_draft_modules([_module(f"B{i}") for i in range(101)], now=NOW)
    publish_open_version(curriculum)
    with pytest.raises(Conflict) as caught:
        proposal.accept(curriculum, now=NOW)
    assert violations(caught.value) == {("diff", "max_items")}


def test_empty_diff_and_outsiders_are_refused(published: Curriculum, orgs: Any, plc_diff: ModuleDiff) -> None:
    with pytest.raises(ValidationFailed) as caught:
        ChangeProposal.submit(published, orgs.college, ModuleDiff(), "why not", now=NOW)
    assert violations(caught.value) == {("diff", "empty_diff")}
    with pytest.raises(ValidationFailed) as caught:
        ChangeProposal.submit(published, orgs.outsider, plc_diff, "why not", now=NOW)
    assert violations(caught.value) == {("proposer_org_id", "not_a_party")}


# ---- review ---------------------------------------------------------------------------------------------


def test_reviews_come_from_the_other_parties(published: Curriculum, orgs: Any, plc_diff: ModuleDiff) -> None:
    proposal = propose(published, orgs.firm_a, plc_diff)

    with pytest.raises(ValidationFailed) as caught:
        proposal.review(published, orgs.firm_a, "approve", now=NOW)
    assert violations(caught.value) == {("organization_id", "own_proposal")}
    with pytest.raises(ValidationFailed) as caught:
        proposal.review(published, orgs.outsider, "approve", now=NOW)
    assert violations(caught.value) == {("organization_id", "not_a_party")}
    with pytest.raises(ValidationFailed) as caught:
        proposal.review(published, orgs.college, "request_changes", now=NOW)
    assert violations(caught.value) == {("comment", "required")}
    assert proposal.reviews == []

    assert proposal.review(published, orgs.college, "approve", now=NOW) == []
    assert proposal.review(published, orgs.firm_b, "request_changes", "too many hours", now=NOW) == []
    assert [(r.organization_id, r.decision) for r in proposal.reviews] == [
        (orgs.college, "approve"),
        (orgs.firm_b, "request_changes"),
    ]


def test_a_proposal_is_reviewed_against_its_own_curriculum(
    published: Curriculum, make_curriculum: Any, orgs: Any, plc_diff: ModuleDiff
) -> None:
    proposal = propose(published, orgs.firm_a, plc_diff)
    with pytest.raises(ValidationFailed) as caught:
        proposal.review(make_curriculum(), orgs.college, "approve", now=NOW)
    assert violations(caught.value) == {("curriculum_id", "curriculum_mismatch")}


# ---- acceptance -----------------------------------------------------------------------------------------


def test_accept_applies_the_diff_as_the_next_draft(published: Curriculum, orgs: Any, plc_diff: ModuleDiff) -> None:
    demand = uuid.uuid4()
    proposal, _ = ChangeProposal.submit(published, orgs.firm_a, plc_diff, "firms need PLC skills", demand, now=NOW)
    proposal.review(published, orgs.college, "approve", now=NOW)

    # all_co_authors: firm_b has not approved yet.
    with pytest.raises(ValidationFailed) as caught:
        proposal.accept(published, now=NOW)
    assert violations(caught.value) == {("reviews", "approvals_missing")}
    assert str(orgs.firm_b) in caught.value.violations[0].message

    proposal.review(published, orgs.firm_b, "request_changes", "fewer hours", now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        proposal.accept(published, now=NOW)
    assert violations(caught.value) == {("reviews", "changes_requested"), ("reviews", "approvals_missing")}

    proposal.review(published, orgs.firm_b, "approve", now=NOW)  # the latest review is the standing one
    events = proposal.accept(published, now=NOW)

    assert [e.payload for e in events] == [
        ChangeProposalAccepted(
            proposal_id=proposal.id, curriculum_id=published.id, demand_id=demand, new_version_number=2
        )
    ]
    assert events[0].subject == proposal.id
    assert (proposal.status, proposal.accepted_version_number) == (ProposalStatus.ACCEPTED, 2)
    assert proposal.decided_at is not None
    v2 = published.latest_version
    assert (v2.number, v2.status, v2.base_version_number, v2.source_proposal_id) == (
        2,
        VersionStatus.DRAFT,
        1,
        proposal.id,
    )
    assert [(m.code, m.hours) for m in v2.modules] == [("W1", 60), ("C1", 36), ("P1", 20)]
    assert v2.modules[1] == plc_diff.update_modules[0]
    # Version 1 is untouched and still the published one.
    assert [(m.code, m.hours) for m in published.versions[0].modules] == [("W1", 60), ("C1", 30)]
    assert published.published_version is published.versions[0]


def test_accepted_removal_drops_the_module(published: Curriculum, orgs: Any) -> None:
    proposal = propose(published, orgs.college, ModuleDiff(remove_module_codes=["W1"]))
    proposal.review(published, orgs.firm_a, "approve", now=NOW)
    proposal.review(published, orgs.firm_b, "approve", now=NOW)
    proposal.accept(published, now=NOW)
    assert [m.code for m in published.latest_version.modules] == ["C1"]


@pytest.mark.parametrize(
    ("rule", "proposer", "needed"),
    [
        # The college proposes: co-authors per the rule.
        (ApprovalRule.ALL_CO_AUTHORS, "college", {"firm_a", "firm_b"}),
        (ApprovalRule.ANY_CO_AUTHOR, "college", {"firm_b"}),
        (ApprovalRule.COLLEGE_ONLY, "college", set()),
        # A firm proposes: the college always, other co-authors per the rule; the proposer counts as approving.
        (ApprovalRule.ALL_CO_AUTHORS, "firm_a", {"college", "firm_b"}),
        (ApprovalRule.ANY_CO_AUTHOR, "firm_a", {"college"}),
        (ApprovalRule.COLLEGE_ONLY, "firm_a", {"college"}),
    ],
)
def test_approvals_needed_per_rule(
    make_curriculum: Any,
    make_module: Any,
    orgs: Any,
    rule: ApprovalRule,
    proposer: str,
    needed: set[str],
) -> None:
    curriculum: Curriculum = make_curriculum(rule=rule)
    curriculum.replace_draft_modules([make_module("W1")], now=NOW)
    publish_open_version(curriculum)
    proposal = propose(curriculum, getattr(orgs, proposer), ModuleDiff(remove_module_codes=["W1"]))

    for i, name in enumerate(sorted(needed)):
        with pytest.raises(ValidationFailed) as caught:
            proposal.accept(curriculum, now=NOW)
        assert violations(caught.value) == {("reviews", "approvals_missing")}, f"accepted after {i} approvals"
        proposal.review(curriculum, getattr(orgs, name), "approve", now=NOW)

    proposal.accept(curriculum, now=NOW)
    assert proposal.status is ProposalStatus.ACCEPTED


def test_accept_refused_while_another_version_is_open(published: Curriculum, orgs: Any, plc_diff: ModuleDiff) -> None:
    proposal = propose(published, orgs.college, plc_diff)
    proposal.review(published, orgs.firm_a, "approve", now=NOW)
    proposal.review(published, orgs.firm_b, "approve", now=NOW)
    published.start_draft(now=NOW)

    with pytest.raises(Conflict) as caught:
        proposal.accept(published, now=NOW)
    assert violations(caught.value) == {("versions", "open_version_exists")}
    assert proposal.status is ProposalStatus.SUBMITTED
    assert len(published.versions) == 2


def test_accept_refused_when_a_newer_version_was_published(
    published: Curriculum, orgs: Any, plc_diff: ModuleDiff
) -> None:
    first = propose(published, orgs.college, ModuleDiff(remove_module_codes=["W1"]))
    second = propose(published, orgs.college, plc_diff)
    for proposal in (first, second):
        proposal.review(published, orgs.firm_a, "approve", now=NOW)
        proposal.review(published, orgs.firm_b, "approve", now=NOW)
    first.accept(published, now=NOW)
    publish_open_version(published)

    with pytest.raises(Conflict) as caught:
        second.accept(published, now=NOW)
    assert violations(caught.value) == {("base_version_number", "base_outdated")}
    assert [v.number for v in published.versions] == [1, 2]


def test_accept_refused_when_the_unpublished_base_changed_under_the_diff(
    make_curriculum: Any, make_module: Any, orgs: Any
) -> None:
    curriculum: Curriculum = make_curriculum(rule=ApprovalRule.COLLEGE_ONLY)
    curriculum.replace_draft_modules([make_module("W1"), make_module("C1")], now=NOW)
    proposal = propose(curriculum, orgs.college, ModuleDiff(update_modules=[make_module("C1", 50)]))
    curriculum.replace_draft_modules([make_module("W1")], now=NOW)  # C1 dropped before version 1 was published
    publish_open_version(curriculum)

    with pytest.raises(Conflict) as caught:
        proposal.accept(curriculum, now=NOW)
    assert violations(caught.value) == {("diff.update_modules[0].code", "unknown_module")}


# ---- reject and withdraw --------------------------------------------------------------------------------


def test_reject(published: Curriculum, orgs: Any, plc_diff: ModuleDiff) -> None:
    demand = uuid.uuid4()
    proposal, _ = ChangeProposal.submit(published, orgs.firm_a, plc_diff, "PLC", demand, now=NOW)

    with pytest.raises(ValidationFailed) as caught:
        proposal.reject(" ", now=NOW)
    assert violations(caught.value) == {("reason", "required")}

    events = proposal.reject("covered by the automation programme", now=NOW)
    assert [e.payload for e in events] == [
        ChangeProposalRejected(
            proposal_id=proposal.id,
            curriculum_id=published.id,
            demand_id=demand,
            reason="covered by the automation programme",
        )
    ]
    assert (proposal.status, proposal.decided_reason) == (
        ProposalStatus.REJECTED,
        "covered by the automation programme",
    )
    with pytest.raises(InvalidTransition) as transition:
        proposal.accept(published, now=NOW)
    assert (transition.value.entity, transition.value.current, transition.value.action) == (
        "change proposal",
        "rejected",
        "accept",
    )
    assert len(published.versions) == 1


def test_withdraw(published: Curriculum, orgs: Any, plc_diff: ModuleDiff) -> None:
    proposal = propose(published, orgs.firm_a, plc_diff)
    (event,) = proposal.withdraw(now=NOW)
    assert event.type == "dovetail.curricula.proposal.withdrawn.v1" and event.subject == proposal.id
    assert event.payload.model_dump()["demand_id"] == proposal.demand_id
    assert proposal.status is ProposalStatus.WITHDRAWN
    with pytest.raises(InvalidTransition):
        proposal.review(published, orgs.college, "approve", now=NOW)
    with pytest.raises(InvalidTransition):
        proposal.withdraw(now=NOW)
    with pytest.raises(InvalidTransition):
        proposal.reject("late", now=NOW)


def test_proposal_round_trips_through_json(published: Curriculum, orgs: Any, plc_diff: ModuleDiff) -> None:
    proposal = propose(published, orgs.firm_a, plc_diff)
    proposal.review(published, orgs.college, "approve", now=NOW)
    assert ChangeProposal.model_validate(proposal.model_dump(mode="json")) == proposal
