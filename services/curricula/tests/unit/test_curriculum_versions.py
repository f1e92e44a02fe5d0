"""Version lifecycle: drafting modules, review per approval rule, publication, retirement, new drafts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from curricula.domain import (
    ApprovalRule,
    Curriculum,
    LearningOutcome,
    Module,
    ReviewDecision,
    SkillRef,
    VersionStatus,
)
from curricula.domain.curriculum import REVIEW_ROUNDS_MAX
from dovetail_shared.errors import Conflict, DomainError, InvalidTransition, NotFound, ValidationFailed
from dovetail_shared.events.curricula import (
    CurriculumVersionPublished,
    CurriculumVersionRetired,
    SkillCoverage,
)

TODAY = date(2025, 9, 1)  # the conftest's date, which `published` was published on
NOW = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY
WELD = "http://data.europa.eu/esco/skill/weld"
CAD = "http://data.europa.eu/esco/skill/cad"
PLC = "http://data.europa.eu/esco/skill/plc"
SAFETY = "http://data.europa.eu/esco/skill/safety"


def violations(err: DomainError) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in err.violations}


def submitted(make_curriculum: Any, make_module: Any, **kwargs: Any) -> Curriculum:
    curriculum: Curriculum = make_curriculum(**kwargs)
    curriculum.replace_draft_modules([make_module("W1")], now=NOW)
    curriculum.submit_for_review(now=NOW)
    return curriculum


# ---- drafting -------------------------------------------------------------------------------------------


def test_replace_draft_modules_sets_content_and_effective_date(make_curriculum: Any, make_module: Any) -> None:
    curriculum = make_curriculum()
    modules = [make_module("W1", 60), make_module("C-2_b", 30, [(CAD, 1)])]

    assert curriculum.replace_draft_modules(modules, date(2026, 2, 1), now=NOW) == []

    draft = curriculum.current_draft
    assert draft is not None
    assert [m.code for m in draft.modules] == ["W1", "C-2_b"]
    assert draft.total_hours == 90
    assert draft.effective_date == date(2026, 2, 1)


def test_module_violations_name_the_json_path_and_rule(make_curriculum: Any) -> None:
    curriculum = make_curriculum()
    good_outcome = LearningOutcome(description="weld", skills=[SkillRef(skill_id=WELD, level=2)])
    modules = [
        Module(code="W1", title="Welding", hours=40, outcomes=[good_outcome]),
        Module(
            code="W1",
            title="",
            hours=0,
            outcomes=[
                good_outcome,
                LearningOutcome(
                    description="bad",
                    skills=[SkillRef(skill_id=CAD, level=6), SkillRef(skill_id=CAD, level=1)],
                ),
                LearningOutcome(description=" ", skills=[]),
            ],
        ),
        Module(code="has space", title="t", hours=2001),
        Module(code="X" * 21, title="t", hours=1, outcomes=[LearningOutcome(description="d", skills=[])]),
        Module(
            code="OK",
            title="t",
            hours=2000,
            outcomes=[LearningOutcome(description="d", skills=[SkillRef(skill_id="", level=0)])],
        ),
    ]

    with pytest.raises(ValidationFailed) as caught:
        curriculum.replace_draft_modules(modules, now=NOW)

    assert violations(caught.value) == {
        ("modules[1].code", "unique"),
        ("modules[1].title", "required"),
        ("modules[1].hours", "range"),
        ("modules[1].outcomes[1].skills[0].level", "range"),
        ("modules[1].outcomes[1].skills[1].skill_id", "unique"),
        ("modules[1].outcomes[2].description", "required"),
        ("modules[1].outcomes[2].skills", "min_items"),
        ("modules[2].code", "pattern"),
        ("modules[2].hours", "range"),
        ("modules[3].code", "length"),
        ("modules[3].outcomes[0].skills", "min_items"),
        ("modules[4].outcomes[0].skills[0].skill_id", "required"),
        ("modules[4].outcomes[0].skills[0].level", "range"),
    }
    assert caught.value.violations[0].field == "modules[1].code"
    draft = curriculum.current_draft
    assert draft is not None and draft.modules == []  # nothing applied


def skill(n: int) -> str:
    return f"http://data.europa.eu/esco/skill/s{n}"


def outcome(*skill_numbers: int) -> LearningOutcome:
    return LearningOutcome(description="d", skills=[SkillRef(skill_id=skill(n), level=2) for n in skill_numbers])


def module(code: str, *outcomes: LearningOutcome) -> Module:
    return Module(code=code, title="t", hours=10, outcomes=list(outcomes) or [outcome(0)])


def test_content_at_its_bounds_is_accepted(make_curriculum: Any) -> None:
    curriculum = make_curriculum()
    # 200 modules teaching 200 distinct skills; one of them with 50 outcomes of 20 skills each.
    widest = module("M0", *(outcome(*range(20)) for _ in range(50)))
    modules = [widest, *(module(f"M{i}", outcome(i)) for i in range(1, 200))]
    curriculum.replace_draft_modules(modules, now=NOW)
    curriculum.submit_for_review(now=NOW)  # rechecked there too
    assert len(curriculum.latest_version.modules) == 200


@pytest.mark.parametrize(
    ("modules", "field", "message"),
    [
        ([module(f"M{i}") for i in range(201)], "modules", "at most 200 modules, not 201"),
        ([module("M1", *(outcome(1) for _ in range(51)))], "modules[0].outcomes", "not 51"),
        ([module("M1", outcome(1), outcome(*range(21)))], "modules[0].outcomes[1].skills", "not 21"),
        (
            [module(f"M{i}", outcome(2 * i, 2 * i + 1)) for i in range(101)],
            "modules",
            "at most 200 distinct skills per version, not 202",
        ),
    ],
    ids=["modules", "outcomes", "skills", "distinct_skills"],
)
def test_oversized_content_is_refused_naming_the_list_and_max_items(
    make_curriculum: Any, modules: list[Module], field: str, message: str
) -> None:
    curriculum = make_curriculum()
    with pytest.raises(ValidationFailed) as caught:
        curriculum.replace_draft_modules(modules, now=NOW)
    assert violations(caught.value) == {(field, "max_items")}
    assert message in caught.value.violations[0].message
    draft = curriculum.current_draft
    assert draft is not None and draft.modules == []


def test_an_oversized_list_is_refused_whole_without_looking_at_its_items(make_curriculum: Any) -> None:
    curriculum = make_curriculum()
    broken = Module(code="bad code!", title="", hours=0)
    with pytest.raises(ValidationFailed) as caught:
        curriculum.replace_draft_modules([broken] * 1000, now=NOW)
    assert violations(caught.value) == {("modules", "max_items")}  # one violation, not thousands
    bad_outcome = LearningOutcome(description="", skills=[SkillRef(skill_id="", level=0)] * 1000)
    with pytest.raises(ValidationFailed) as caught:
        curriculum.replace_draft_modules([Module(code="M1", title="t", hours=1, outcomes=[bad_outcome])], now=NOW)
    assert violations(caught.value) == {
        ("modules[0].outcomes[0].description", "required"),
        ("modules[0].outcomes[0].skills", "max_items"),
    }


def test_oversized_content_loaded_from_storage_is_refused_on_submit(make_curriculum: Any) -> None:
    curriculum = make_curriculum()
    draft = curriculum.current_draft
    assert draft is not None
    draft.modules = [module("M1", *(outcome(1) for _ in range(51)))]  # stored before the bounds existed
    with pytest.raises(ValidationFailed) as caught:
        curriculum.submit_for_review(now=NOW)
    assert violations(caught.value) == {("modules[0].outcomes", "max_items")}


def test_submitting_an_empty_draft_is_refused(make_curriculum: Any) -> None:
    curriculum = make_curriculum()
    with pytest.raises(ValidationFailed) as caught:
        curriculum.submit_for_review(now=NOW)
    assert violations(caught.value) == {("modules", "min_items")}
    assert curriculum.latest_version.status is VersionStatus.DRAFT


def test_drafts_copied_from_storage_are_rechecked_on_submit(make_curriculum: Any, make_module: Any) -> None:
    curriculum = make_curriculum()
    draft = curriculum.current_draft
    assert draft is not None
    draft.modules = [make_module("W1", hours=5000)]  # as if loaded from a row written under older rules
    with pytest.raises(ValidationFailed) as caught:
        curriculum.submit_for_review(now=NOW)
    assert violations(caught.value) == {("modules[0].hours", "range")}


# ---- review per approval rule ---------------------------------------------------------------------------


def test_all_co_authors_needs_every_co_author(make_curriculum: Any, make_module: Any, orgs: Any) -> None:
    curriculum = submitted(make_curriculum, make_module, rule=ApprovalRule.ALL_CO_AUTHORS)
    version = curriculum.latest_version
    assert version.status is VersionStatus.IN_REVIEW

    curriculum.review_version(orgs.firm_a, ReviewDecision.APPROVE, now=NOW)
    curriculum.review_version(orgs.firm_a, ReviewDecision.APPROVE, now=NOW)  # a second approval counts once
    assert version.status is VersionStatus.IN_REVIEW

    curriculum.review_version(orgs.firm_b, ReviewDecision.APPROVE, "looks good", now=NOW)
    assert version.status is VersionStatus.APPROVED
    assert {r.organization_id for r in version.reviews} == {orgs.firm_a, orgs.firm_b}


def test_any_co_author_needs_one(make_curriculum: Any, make_module: Any, orgs: Any) -> None:
    curriculum = submitted(make_curriculum, make_module, rule=ApprovalRule.ANY_CO_AUTHOR)
    curriculum.review_version(orgs.firm_b, "approve", now=NOW)
    assert curriculum.latest_version.status is VersionStatus.APPROVED


@pytest.mark.parametrize(
    ("rule", "co_authors"),
    [(ApprovalRule.COLLEGE_ONLY, None), (ApprovalRule.ALL_CO_AUTHORS, []), (ApprovalRule.ANY_CO_AUTHOR, [])],
)
def test_college_decides_alone_goes_straight_to_approved(
    make_curriculum: Any, make_module: Any, rule: ApprovalRule, co_authors: Any
) -> None:
    curriculum = submitted(make_curriculum, make_module, rule=rule, co_authors=co_authors)
    assert curriculum.latest_version.status is VersionStatus.APPROVED


def test_request_changes_sends_back_to_draft_and_clears_approvals(
    make_curriculum: Any, make_module: Any, orgs: Any
) -> None:
    curriculum = submitted(make_curriculum, make_module)
    curriculum.review_version(orgs.firm_a, "approve", now=NOW)
    curriculum.review_version(orgs.firm_b, "request_changes", "add a safety module", now=NOW)
    version = curriculum.latest_version

    assert version.status is VersionStatus.DRAFT
    assert version.approving_org_ids() == set()
    assert [(r.organization_id, r.comment) for r in version.reviews] == [(orgs.firm_b, "add a safety module")]

    # Next round: firm_a's earlier approval no longer counts, so firm_b alone is not enough.
    curriculum.replace_draft_modules([make_module("W1"), make_module("S1", 8, [(SAFETY, 1)])], now=NOW)
    curriculum.submit_for_review(now=NOW)
    curriculum.review_version(orgs.firm_b, "approve", now=NOW)
    assert version.status is VersionStatus.IN_REVIEW
    curriculum.review_version(orgs.firm_a, "approve", now=NOW)
    assert version.status is VersionStatus.APPROVED


def test_review_rounds_of_one_version_are_capped(make_curriculum: Any, make_module: Any, orgs: Any) -> None:
    """Each request for changes stays in the version's row: the rounds are bounded, with a clear 422."""
    curriculum = submitted(make_curriculum, make_module)
    for i in range(REVIEW_ROUNDS_MAX):
        curriculum.review_version(orgs.firm_a, "request_changes", f"round {i}", now=NOW)
        curriculum.submit_for_review(now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        curriculum.review_version(orgs.firm_b, "request_changes", "once more", now=NOW)
    assert violations(caught.value) == {("reviews", "max_items")}
    assert len(curriculum.latest_version.reviews) == REVIEW_ROUNDS_MAX
    curriculum.review_version(orgs.firm_a, "approve", now=NOW)  # approving is still possible
    curriculum.review_version(orgs.firm_b, "approve", now=NOW)
    assert curriculum.latest_version.status is VersionStatus.APPROVED


def test_review_rules(make_curriculum: Any, make_module: Any, orgs: Any) -> None:
    curriculum = submitted(make_curriculum, make_module)

    with pytest.raises(ValidationFailed) as caught:
        curriculum.review_version(orgs.college, "approve", now=NOW)
    assert violations(caught.value) == {("organization_id", "not_co_author")}
    with pytest.raises(ValidationFailed) as caught:
        curriculum.review_version(orgs.firm_a, "request_changes", "  ", now=NOW)
    assert violations(caught.value) == {("comment", "required")}
    with pytest.raises(ValidationFailed) as caught:
        curriculum.review_version(orgs.firm_a, "maybe", now=NOW)
    assert violations(caught.value) == {("decision", "one_of")}
    assert curriculum.latest_version.reviews == []


def test_a_repeated_approval_counts_once_and_is_kept_once(make_curriculum: Any, make_module: Any, orgs: Any) -> None:
    curriculum = submitted(make_curriculum, make_module)
    for i in range(5):
        curriculum.review_version(orgs.firm_a, "approve", f"fine {i}", now=NOW)
    version = curriculum.latest_version
    assert version.status is VersionStatus.IN_REVIEW  # firm_b has not approved
    assert [(r.organization_id, r.comment) for r in version.reviews] == [(orgs.firm_a, "fine 4")]


def test_removing_the_last_holdout_approves_the_version(make_curriculum: Any, make_module: Any, orgs: Any) -> None:
    curriculum = submitted(make_curriculum, make_module)
    curriculum.review_version(orgs.firm_a, "approve", now=NOW)
    curriculum.remove_co_author(orgs.firm_b, now=NOW)
    assert curriculum.latest_version.status is VersionStatus.APPROVED


def test_a_co_author_added_mid_review_must_approve_too(make_curriculum: Any, make_module: Any, orgs: Any) -> None:
    curriculum = submitted(make_curriculum, make_module, co_authors=[orgs.firm_a])
    curriculum.add_co_author(orgs.firm_b, now=NOW)
    curriculum.review_version(orgs.firm_a, "approve", now=NOW)
    assert curriculum.latest_version.status is VersionStatus.IN_REVIEW
    curriculum.review_version(orgs.firm_b, "approve", now=NOW)
    assert curriculum.latest_version.status is VersionStatus.APPROVED


# ---- publication ----------------------------------------------------------------------------------------


def test_publish_emits_skill_coverage_and_total_hours(make_curriculum: Any, orgs: Any) -> None:
    curriculum = make_curriculum(rule=ApprovalRule.ANY_CO_AUTHOR)
    welding = Module(
        code="W1",
        title="Welding basics",
        hours=60,
        outcomes=[
            LearningOutcome(description="tack weld", skills=[SkillRef(skill_id=WELD, level=2)]),
            # The same skill twice in one module: its hours count once, its level is the higher one.
            LearningOutcome(
                description="weld to spec",
                skills=[SkillRef(skill_id=WELD, level=3), SkillRef(skill_id=SAFETY, level=1)],
            ),
        ],
    )
    advanced = Module(
        code="W2",
        title="Robot welding",
        hours=40,
        outcomes=[
            LearningOutcome(
                description="program a robot cell",
                skills=[SkillRef(skill_id=WELD, level=2), SkillRef(skill_id=PLC, level=4)],
            )
        ],
    )
    curriculum.replace_draft_modules([welding, advanced], date(2026, 2, 15), now=NOW)
    curriculum.submit_for_review(now=NOW)
    curriculum.review_version(orgs.firm_a, "approve", now=NOW)

    events = curriculum.publish(TODAY, now=NOW)

    version = curriculum.latest_version
    assert version.status is VersionStatus.PUBLISHED
    assert version.published_at is not None
    assert curriculum.published_version is version
    assert [e.type for e in events] == ["dovetail.curricula.version.published.v1"]
    assert events[0].subject == curriculum.id
    payload = events[0].payload
    assert isinstance(payload, CurriculumVersionPublished)
    assert payload.version_id == version.id
    assert payload.version_number == 1
    assert payload.college_id == orgs.college
    assert payload.level == "higher_vocational"
    assert payload.co_author_ids == [orgs.firm_a, orgs.firm_b]
    assert payload.effective_date == date(2026, 2, 15)
    assert payload.total_hours == 100
    assert payload.skills == [
        SkillCoverage(skill_id=PLC, level=4, hours=40),
        SkillCoverage(skill_id=SAFETY, level=1, hours=60),
        SkillCoverage(skill_id=WELD, level=3, hours=100),
    ]


def test_publish_without_effective_date_takes_today(published: Curriculum) -> None:
    assert published.latest_version.effective_date == TODAY


def test_republishing_retires_the_previous_version(published: Curriculum, orgs: Any, make_module: Any) -> None:
    v1 = published.latest_version
    assert published.start_draft(now=NOW) == []
    v2 = published.latest_version
    assert (v2.number, v2.status, v2.base_version_number) == (2, VersionStatus.DRAFT, 1)
    assert v2.modules == v1.modules and v2.id != v1.id
    assert v2.effective_date is None  # chosen anew for each version

    published.replace_draft_modules([*v2.modules, make_module("P1", 20, [(PLC, 2)])], now=NOW)
    published.submit_for_review(now=NOW)
    published.review_version(orgs.firm_a, "approve", now=NOW)
    published.review_version(orgs.firm_b, "approve", now=NOW)
    events = published.publish(date(2026, 1, 10), now=NOW)

    assert [e.payload for e in events] == [
        events[0].payload,
        CurriculumVersionRetired(curriculum_id=published.id, version_id=v1.id, version_number=1),
    ]
    assert isinstance(events[0].payload, CurriculumVersionPublished)
    assert events[0].payload.version_number == 2
    assert [(v.number, v.status) for v in published.versions] == [
        (1, VersionStatus.RETIRED),
        (2, VersionStatus.PUBLISHED),
    ]
    assert v1.retired_at is not None
    assert published.published_version is v2


def test_start_draft_does_not_alias_the_published_modules(published: Curriculum, make_module: Any) -> None:
    published.start_draft(now=NOW)
    draft = published.current_draft
    assert draft is not None
    draft.modules.append(make_module("X1"))
    assert [m.code for m in published.versions[0].modules] == ["W1", "C1"]


def test_retire_version(published: Curriculum) -> None:
    v1 = published.latest_version
    events = published.retire_version(1, now=NOW)
    assert [e.payload for e in events] == [
        CurriculumVersionRetired(curriculum_id=published.id, version_id=v1.id, version_number=1)
    ]
    assert published.published_version is None
    with pytest.raises(InvalidTransition):
        published.retire_version(1, now=NOW)
    with pytest.raises(NotFound):
        published.retire_version(7, now=NOW)
    # With nothing published, a new draft starts from the latest version.
    published.start_draft(now=NOW)
    assert published.latest_version.base_version_number == 1


# ---- invalid transitions --------------------------------------------------------------------------------


def test_steps_out_of_order_are_invalid_transitions(
    make_curriculum: Any, make_module: Any, orgs: Any, published: Curriculum
) -> None:
    draft = make_curriculum()
    with pytest.raises(InvalidTransition) as caught:
        draft.publish(TODAY, now=NOW)
    assert (caught.value.entity, caught.value.current, caught.value.action) == (
        "curriculum version",
        "draft",
        "publish",
    )
    with pytest.raises(InvalidTransition):
        draft.review_version(orgs.firm_a, "approve", now=NOW)

    in_review = submitted(make_curriculum, make_module)
    with pytest.raises(InvalidTransition) as caught:
        in_review.replace_draft_modules([make_module("W2")], now=NOW)
    assert caught.value.current == "in_review"
    with pytest.raises(InvalidTransition):
        in_review.submit_for_review(now=NOW)
    with pytest.raises(InvalidTransition):
        in_review.publish(TODAY, now=NOW)

    # Nothing open once published: editing, submitting and reviewing name the published status.
    with pytest.raises(InvalidTransition) as caught:
        published.replace_draft_modules([make_module("W2")], now=NOW)
    assert caught.value.current == "published"
    with pytest.raises(InvalidTransition):
        published.publish(TODAY, now=NOW)
    with pytest.raises(InvalidTransition):
        published.submit_for_review(now=NOW)
    with pytest.raises(InvalidTransition):
        published.review_version(orgs.firm_a, "approve", now=NOW)


def test_only_one_open_version_at_a_time(published: Curriculum, make_curriculum: Any) -> None:
    published.start_draft(now=NOW)
    with pytest.raises(Conflict) as caught:
        published.start_draft(now=NOW)
    assert violations(caught.value) == {("versions", "open_version_exists")}
    with pytest.raises(Conflict):
        make_curriculum().start_draft(now=NOW)  # version 1 is still a draft
