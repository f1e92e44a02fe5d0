"""Creating a curriculum and managing its co-authors."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from curricula.domain import ApprovalRule, Curriculum, CurriculumLevel, Rule, VersionStatus
from dovetail_shared.errors import Conflict, DomainError, InvalidTransition, ValidationFailed
from dovetail_shared.events.curricula import CurriculumCreated

NOW = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY


def violations(err: DomainError) -> set[tuple[str, str]]:
    return {(v.field, v.rule) for v in err.violations}


def create(college: uuid.UUID, **overrides: Any) -> Curriculum:
    fields: dict[str, Any] = {
        "college_id": college,
        "title": "Intelligent welding technology",
        "target_occupation": "http://data.europa.eu/esco/occupation/welder",
        "level": CurriculumLevel.HIGHER_VOCATIONAL,
        "now": NOW,
    }
    fields.update(overrides)
    curriculum, _ = Curriculum.create(**fields)
    return curriculum


def test_create_opens_empty_draft_one_and_emits_created(orgs: Any) -> None:
    consortium = uuid.uuid4()
    curriculum, events = Curriculum.create(
        college_id=orgs.college,
        title="Intelligent welding technology",
        title_zh="智能焊接技术",
        target_occupation="http://data.europa.eu/esco/occupation/welder",
        level="applied_bachelor",
        consortium_id=consortium,
        co_author_ids=[orgs.firm_a],
        now=NOW,
    )

    assert curriculum.level is CurriculumLevel.APPLIED_BACHELOR
    assert curriculum.approval_rule is ApprovalRule.ALL_CO_AUTHORS
    assert [(v.number, v.status, v.modules) for v in curriculum.versions] == [(1, VersionStatus.DRAFT, [])]
    assert curriculum.current_draft is curriculum.versions[0]
    assert curriculum.published_version is None
    assert len(events) == 1
    event = events[0]
    assert event.subject == curriculum.id
    assert event.type == "dovetail.curricula.curriculum.created.v1"
    assert event.payload == CurriculumCreated(
        curriculum_id=curriculum.id,
        college_id=orgs.college,
        title="Intelligent welding technology",
        target_occupation="http://data.europa.eu/esco/occupation/welder",
        level="applied_bachelor",
        consortium_id=consortium,
        co_author_ids=[orgs.firm_a],
    )


def test_create_reports_every_violation_with_field_and_rule(orgs: Any) -> None:
    with pytest.raises(ValidationFailed) as caught:
        create(
            orgs.college,
            title=" ",
            title_zh="x" * 201,
            target_occupation="",
            co_author_ids=[orgs.firm_a, orgs.college, orgs.firm_a],
        )

    assert violations(caught.value) == {
        ("title", Rule.REQUIRED),
        ("title_zh", Rule.LENGTH),
        ("target_occupation", Rule.REQUIRED),
        ("co_author_ids[1]", Rule.CO_AUTHOR_IS_COLLEGE),
        ("co_author_ids[2]", Rule.UNIQUE),
    }
    assert caught.value.status == 422


def test_title_of_exactly_200_characters_is_accepted_201_is_not(orgs: Any) -> None:
    assert len(create(orgs.college, title="t" * 200).title) == 200
    with pytest.raises(ValidationFailed) as caught:
        create(orgs.college, title="t" * 201)
    assert violations(caught.value) == {("title", "length")}


@pytest.mark.parametrize(("field", "value"), [("level", "university"), ("approval_rule", "majority")])
def test_unknown_enum_values_are_named(orgs: Any, field: str, value: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        create(orgs.college, **{field: value})
    assert violations(caught.value) == {(field, "one_of")}


def test_effective_rule_is_college_only_without_co_authors(orgs: Any) -> None:
    alone = create(orgs.college, approval_rule=ApprovalRule.ANY_CO_AUTHOR)
    assert alone.effective_approval_rule is ApprovalRule.COLLEGE_ONLY
    alone.add_co_author(orgs.firm_a, now=NOW)
    assert alone.effective_approval_rule is ApprovalRule.ANY_CO_AUTHOR


def test_add_and_remove_co_authors(orgs: Any) -> None:
    curriculum = create(orgs.college)
    before = curriculum.updated_at

    (event,) = curriculum.add_co_author(orgs.firm_a, now=NOW)
    assert event.type == "dovetail.curricula.curriculum.updated.v1"
    assert event.payload.model_dump()["co_author_ids"] == [orgs.firm_a]
    curriculum.add_co_author(orgs.firm_b, now=NOW)
    assert curriculum.co_author_ids == [orgs.firm_a, orgs.firm_b]
    assert curriculum.updated_at >= before
    assert curriculum.party_ids == {orgs.college, orgs.firm_a, orgs.firm_b}

    (event,) = curriculum.remove_co_author(orgs.firm_a, now=NOW)
    assert curriculum.co_author_ids == [orgs.firm_b]
    assert event.payload.model_dump()["co_author_ids"] == [orgs.firm_b]


def test_details_change_emits_one_update_and_clears_what_is_asked(orgs: Any) -> None:
    curriculum = create(orgs.college, co_author_ids=[orgs.firm_a])
    consortium = uuid.uuid4()
    (event,) = curriculum.update_details(title="New title", title_zh="新标题", consortium_id=consortium, now=NOW)
    assert (curriculum.title, curriculum.title_zh, curriculum.consortium_id) == ("New title", "新标题", consortium)
    assert event.payload.model_dump()["title"] == "New title"
    assert curriculum.update_details(title="New title", now=NOW) == []  # nothing changed: nothing to tell
    curriculum.update_details(clear=frozenset({"title_zh", "consortium_id"}), now=NOW)
    assert curriculum.title_zh is None and curriculum.consortium_id is None
    with pytest.raises(ValidationFailed) as err:
        curriculum.update_details(title="  ", now=NOW)
    assert (err.value.violations[0].field, err.value.violations[0].rule) == ("title", "required")
    with pytest.raises(ValidationFailed):
        curriculum.update_details(approval_rule="whoever_shouts", now=NOW)


def test_a_looser_approval_rule_can_approve_the_version_in_review(orgs: Any, make_module: Any) -> None:
    curriculum = create(orgs.college, co_author_ids=[orgs.firm_a, orgs.firm_b])
    curriculum.replace_draft_modules([make_module("M1")], now=NOW)
    curriculum.submit_for_review(now=NOW)
    curriculum.review_version(orgs.firm_a, "approve", now=NOW)
    assert curriculum.open_version is not None and curriculum.open_version.status == "in_review"
    curriculum.update_details(approval_rule="any_co_author", now=NOW)
    assert curriculum.open_version.status == "approved"


def test_discarding_the_open_version_restarts_from_the_published_one(orgs: Any, make_module: Any) -> None:
    curriculum = create(orgs.college)
    with pytest.raises(ValidationFailed) as err:
        curriculum.discard_open_version(now=NOW)
    assert err.value.violations[0].rule == "only_version"
    curriculum.replace_draft_modules([make_module("M1")], now=NOW)
    curriculum.submit_for_review(now=NOW)
    curriculum.publish(date(2026, 9, 1), now=NOW)
    with pytest.raises(InvalidTransition):
        curriculum.discard_open_version(now=NOW)  # nothing open
    curriculum.start_draft(now=NOW)
    assert curriculum.discard_open_version(now=NOW) == []
    assert [v.number for v in curriculum.versions] == [1] and curriculum.open_version is None
    curriculum.start_draft(now=NOW)  # and work can start again
    assert curriculum.latest_version.number == 2


def test_co_author_changes_that_make_no_sense_are_refused(orgs: Any) -> None:
    curriculum = create(orgs.college, co_author_ids=[orgs.firm_a])

    with pytest.raises(Conflict):
        curriculum.add_co_author(orgs.firm_a, now=NOW)
    with pytest.raises(ValidationFailed) as caught:
        curriculum.add_co_author(orgs.college, now=NOW)
    assert violations(caught.value) == {("organization_id", "co_author_is_college")}
    with pytest.raises(ValidationFailed) as caught:
        curriculum.remove_co_author(orgs.outsider, now=NOW)
    assert violations(caught.value) == {("organization_id", "not_co_author")}
    assert curriculum.co_author_ids == [orgs.firm_a]


def test_a_curriculum_has_at_most_50_co_authors(orgs: Any) -> None:
    firms = [uuid.uuid4() for _ in range(51)]
    with pytest.raises(ValidationFailed) as caught:
        create(orgs.college, co_author_ids=firms)
    assert violations(caught.value) == {("co_author_ids", "max_items")}

    curriculum = create(orgs.college, co_author_ids=firms[:50])
    with pytest.raises(ValidationFailed) as caught:
        curriculum.add_co_author(firms[50], now=NOW)
    assert violations(caught.value) == {("co_author_ids", "max_items")}
    assert curriculum.co_author_ids == firms[:50]
    curriculum.remove_co_author(firms[0], now=NOW)
    curriculum.add_co_author(firms[50], now=NOW)  # room again
    assert len(curriculum.co_author_ids) == 50


def test_round_trips_through_json_for_storage(published: Curriculum) -> None:
    """Nested versions, modules and reviews are plain JSON and load back equal (JSONB columns)."""
    dumped = published.model_dump(mode="json")
    assert Curriculum.model_validate(dumped) == published
