"""The curricula REST API on the real database: lifecycle, proposals, validation, access, concurrency, paging."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest

Json = dict[str, Any]


def statuses(c: Json) -> dict[int, str]:
    return {v["number"]: v["status"] for v in c["versions"]}


# ---- version lifecycle --------------------------------------------------------------------------------


async def test_lifecycle_all_co_authors_publish_then_republish_retires_the_old_version(api: Any, version: Any) -> None:
    orgs, tax = api.orgs, api.tax
    r = await api.client.post(
        "/curricula",
        json=api.curriculum_body(co_author_ids=[orgs.firm_a, orgs.firm_b], approval_rule="all_co_authors"),
        headers=api.college_admin(),
    )
    assert r.status_code == 201, r.text
    c = r.json()
    assert r.headers["Location"] == f"/curricula/{c['id']}"
    assert r.headers["ETag"] == '"1"'
    assert c["version"] == 1
    assert c["college_id"] == str(orgs.college)
    assert c["title_zh"] == "智能焊接技术"
    assert c["co_author_ids"] == [str(orgs.firm_a), str(orgs.firm_b)]
    assert c["published_version_number"] is None
    assert statuses(c) == {1: "draft"}
    assert version(c, 1)["modules"] == []

    # Edit the draft: whole-module replacement, with the skill coverage computed on the way out.
    modules = [
        api.module("W1", 40, [(tax.skills[0], 2)]),
        api.module("C1", 60, [(tax.skills[0], 3), (tax.skills[1], 1)]),
    ]
    c = await api.put_draft(c, modules, effective_date="2026-09-01")
    v1 = version(c, 1)
    assert c["version"] == 2
    assert [m["code"] for m in v1["modules"]] == ["W1", "C1"]
    assert v1["effective_date"] == "2026-09-01"
    assert v1["total_hours"] == 100
    assert v1["skills"] == sorted(
        [
            {"skill_id": tax.skills[0], "level": 3, "hours": 100},
            {"skill_id": tax.skills[1], "level": 1, "hours": 60},
        ],
        key=lambda s: s["skill_id"],
    )

    c = await api.step(c, "/draft/submit")
    assert statuses(c) == {1: "in_review"}
    # Editing in review is refused: the co-authors would be approving a moving target.
    r = await api.client.put(
        f"/curricula/{c['id']}/draft", json={"modules": modules}, headers=api.college_admin(c["version"])
    )
    api.problem(r, 409, "invalid-transition")

    c = await api.review(c, orgs.firm_a, "approve", "fine by us")
    assert statuses(c) == {1: "in_review"}, "all_co_authors: one approval of two is not enough"
    r = await api.client.post(f"/curricula/{c['id']}/publish", headers=api.college_admin(c["version"]))
    api.problem(r, 409, "invalid-transition")

    c = await api.review(c, orgs.firm_b)
    assert statuses(c) == {1: "approved"}
    assert {x["organization_id"] for x in version(c, 1)["reviews"]} == {str(orgs.firm_a), str(orgs.firm_b)}

    c = await api.step(c, "/publish")
    v1 = version(c, 1)
    assert v1["status"] == "published"
    assert v1["published_at"] is not None
    assert v1["effective_date"] == "2026-09-01"
    assert c["published_version_number"] == 1

    # A new draft is a copy of the published version, numbered after it.
    c = await api.step(c, "/draft", expect=201)
    assert statuses(c) == {1: "published", 2: "draft"}
    v2 = version(c, 2)
    assert v2["base_version_number"] == 1
    assert v2["modules"] == v1["modules"]
    assert v2["effective_date"] is None
    # Only one open version at a time.
    r = await api.client.post(f"/curricula/{c['id']}/draft", headers=api.college_admin(c["version"]))
    api.problem(r, 409, field="versions", rule="open_version_exists")

    c = await api.put_draft(c, [*modules, api.module("P1", 20, [(tax.skills[2], 2)])])
    c = await api.step(c, "/draft/submit")
    c = await api.review(c, orgs.firm_a)
    c = await api.review(c, orgs.firm_b)
    c = await api.step(c, "/publish")
    assert statuses(c) == {1: "retired", 2: "published"}
    assert version(c, 1)["retired_at"] is not None
    assert version(c, 2)["effective_date"] is not None, "publishing without a date takes the college's today"
    assert c["published_version_number"] == 2

    # Outsiders see the published version only; the retired one is history for the partners.
    r = await api.client.get(f"/curricula/{c['id']}")
    assert r.status_code == 200, r.text
    assert statuses(r.json()) == {2: "published"}
    assert (await api.client.get(f"/curricula/{c['id']}/versions/2")).json()["number"] == 2
    api.problem(await api.client.get(f"/curricula/{c['id']}/versions/1"), 404, "not-found")
    partner = await api.client.get(f"/curricula/{c['id']}/versions/1", headers=api.firm_admin(orgs.firm_a))
    assert partner.json()["status"] == "retired"


async def test_any_co_author_needs_one_approval(api: Any) -> None:
    orgs = api.orgs
    c = await api.create(co_author_ids=[orgs.firm_a, orgs.firm_b], approval_rule="any_co_author")
    c = await api.put_draft(c, [api.module("W1")])
    c = await api.step(c, "/draft/submit")
    assert statuses(c) == {1: "in_review"}
    c = await api.review(c, orgs.firm_b)
    assert statuses(c) == {1: "approved"}
    c = await api.step(c, "/publish")
    assert statuses(c) == {1: "published"}


async def test_no_co_authors_means_the_college_decides_alone(api: Any) -> None:
    c = await api.create(approval_rule="all_co_authors")
    c = await api.put_draft(c, [api.module("W1")])
    c = await api.step(c, "/draft/submit")
    assert statuses(c) == {1: "approved"}


async def test_request_for_changes_sends_the_version_back_to_draft(api: Any, version: Any) -> None:
    orgs = api.orgs
    c = await api.create(co_author_ids=[orgs.firm_a, orgs.firm_b])
    c = await api.put_draft(c, [api.module("W1")])
    c = await api.step(c, "/draft/submit")
    c = await api.review(c, orgs.firm_a, "approve")

    # Asking for changes without saying which is refused.
    r = await api.client.post(
        f"/curricula/{c['id']}/draft/reviews",
        json={"decision": "request_changes", "comment": "  "},
        headers=api.firm_admin(orgs.firm_b, c["version"]),
    )
    api.problem(r, 422, "validation-failed", field="comment", rule="required")

    c = await api.review(c, orgs.firm_b, "request_changes", "add a safety module")
    assert statuses(c) == {1: "draft"}
    decisions = [(x["organization_id"], x["decision"]) for x in version(c, 1)["reviews"]]
    assert decisions == [(str(orgs.firm_b), "request_changes")], "the round's approvals are dropped"


async def test_submit_needs_at_least_one_module(api: Any) -> None:
    c = await api.create()
    r = await api.client.post(f"/curricula/{c['id']}/draft/submit", headers=api.college_admin(c["version"]))
    api.problem(r, 422, "validation-failed", field="modules", rule="min_items")


async def test_retire_the_published_version_without_successor(api: Any) -> None:
    c = await api.published()
    c = await api.step(c, "/versions/1/retire")
    assert statuses(c) == {1: "retired"}
    assert c["published_version_number"] is None
    # Nothing is published any more: the curriculum disappears for outsiders.
    api.problem(await api.client.get(f"/curricula/{c['id']}"), 404)


async def test_co_authors_can_be_added_and_removed(api: Any) -> None:
    orgs = api.orgs
    c = await api.create(co_author_ids=[orgs.firm_a])
    r = await api.client.post(
        f"/curricula/{c['id']}/co-authors",
        json={"organization_id": str(orgs.firm_b)},
        headers=api.college_admin(c["version"]),
    )
    assert r.status_code == 200, r.text
    c = r.json()
    assert c["co_author_ids"] == [str(orgs.firm_a), str(orgs.firm_b)]
    r = await api.client.post(
        f"/curricula/{c['id']}/co-authors",
        json={"organization_id": str(orgs.firm_b)},
        headers=api.college_admin(c["version"]),
    )
    api.problem(r, 409, "conflict")
    r = await api.client.delete(
        f"/curricula/{c['id']}/co-authors/{orgs.firm_a}", headers=api.college_admin(c["version"])
    )
    assert r.status_code == 200, r.text
    assert r.json()["co_author_ids"] == [str(orgs.firm_b)]
    # The removed firm no longer sees the draft.
    api.problem(await api.client.get(f"/curricula/{c['id']}", headers=api.firm_admin(orgs.firm_a)), 404)


# ---- change proposals -----------------------------------------------------------------------------------


async def test_co_author_proposal_citing_a_demand_is_reviewed_accepted_and_becomes_the_next_draft(
    api: Any, version: Any
) -> None:
    orgs, tax = api.orgs, api.tax
    c = await api.published(
        [api.module("W1", 40, [(tax.skills[0], 2)]), api.module("C1", 60, [(tax.skills[1], 2)])],
        co_author_ids=[orgs.firm_a],
    )
    demand_id = uuid.uuid4()
    diff = {
        "add_modules": [api.module("P1", 30, [(tax.skills[2], 3)])],
        "update_modules": [api.module("C1", 80, [(tax.skills[1], 3)], title="CAD, extended")],
        "remove_module_codes": ["W1"],
    }
    r = await api.client.post(
        f"/curricula/{c['id']}/proposals",
        json={"diff": diff, "rationale": "our welding lines moved to robots", "demand_id": str(demand_id)},
        headers=api.firm_admin(orgs.firm_a),
    )
    assert r.status_code == 201, r.text
    p = r.json()
    assert r.headers["Location"] == f"/proposals/{p['id']}"
    assert r.headers["ETag"] == '"1"'
    assert p["status"] == "submitted"
    assert p["curriculum_id"] == c["id"]
    assert p["proposer_org_id"] == str(orgs.firm_a)
    assert p["demand_id"] == str(demand_id)
    assert p["base_version_number"] == 1

    # The proposer's consent is implied; the college's is still missing.
    r = await api.client.post(f"/proposals/{p['id']}/accept", headers=api.college_admin(p["version"]))
    api.problem(r, 422, "validation-failed", field="reviews", rule="approvals_missing")
    # A party does not review its own proposal.
    r = await api.client.post(
        f"/proposals/{p['id']}/reviews",
        json={"decision": "approve"},
        headers=api.firm_admin(orgs.firm_a, p["version"]),
    )
    api.problem(r, 403, "forbidden")

    r = await api.client.post(
        f"/proposals/{p['id']}/reviews",
        json={"decision": "approve", "comment": "agreed"},
        headers=api.college_admin(p["version"]),
    )
    assert r.status_code == 200, r.text
    p = r.json()
    assert [(x["organization_id"], x["decision"]) for x in p["reviews"]] == [(str(orgs.college), "approve")]

    r = await api.client.post(f"/proposals/{p['id']}/accept", headers=api.college_admin(p["version"]))
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["status"] == "accepted"
    assert p["accepted_version_number"] == 2
    assert p["decided_at"] is not None

    c = (await api.client.get(f"/curricula/{c['id']}", headers=api.college_admin())).json()
    assert statuses(c) == {1: "published", 2: "draft"}
    v2 = version(c, 2)
    assert v2["base_version_number"] == 1
    assert v2["source_proposal_id"] == p["id"]
    # Base order kept with updates in place, removals dropped, additions appended.
    assert [(m["code"], m["title"], m["hours"]) for m in v2["modules"]] == [
        ("C1", "CAD, extended", 80),
        ("P1", "Module P1", 30),
    ]
    assert version(c, 1)["modules"][0]["code"] == "W1", "the published version is untouched"

    # The proposal is visible to the partners, listed, and invisible to outsiders.
    r = await api.client.get(f"/proposals/{p['id']}", headers=api.firm_admin(orgs.firm_a))
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    api.problem(await api.client.get(f"/proposals/{p['id']}", headers=api.firm_admin(orgs.outsider)), 404)
    page = (await api.client.get(f"/curricula/{c['id']}/proposals", headers=api.college_admin())).json()
    assert page["total"] == 1 and page["items"][0]["id"] == p["id"]
    outsider_page = await api.client.get(f"/curricula/{c['id']}/proposals", headers=api.firm_admin(orgs.outsider))
    assert outsider_page.status_code == 200 and outsider_page.json()["total"] == 0


async def test_rejected_proposal_cannot_be_accepted(api: Any) -> None:
    orgs = api.orgs
    c = await api.published(co_author_ids=[orgs.firm_a])
    r = await api.client.post(
        f"/curricula/{c['id']}/proposals",
        json={"diff": {"remove_module_codes": ["C1"]}, "rationale": "C1 is obsolete"},
        headers=api.firm_admin(orgs.firm_a),
    )
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["demand_id"] is None

    r = await api.client.post(
        f"/proposals/{p['id']}/reject", json={"reason": " "}, headers=api.college_admin(p["version"])
    )
    api.problem(r, 422, "validation-failed", field="reason", rule="required")
    # Only the owning college decides.
    r = await api.client.post(
        f"/proposals/{p['id']}/reject", json={"reason": "no"}, headers=api.firm_admin(orgs.firm_a, p["version"])
    )
    api.problem(r, 403, "forbidden")

    r = await api.client.post(
        f"/proposals/{p['id']}/reject",
        json={"reason": "C1 is required by the national standard"},
        headers=api.college_admin(p["version"]),
    )
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["status"] == "rejected"
    assert p["decided_reason"] == "C1 is required by the national standard"

    r = await api.client.post(f"/proposals/{p['id']}/accept", headers=api.college_admin(p["version"]))
    api.problem(r, 409, "invalid-transition")
    c = (await api.client.get(f"/curricula/{c['id']}", headers=api.college_admin())).json()
    assert statuses(c) == {1: "published"}


async def test_proposer_withdraws_its_proposal(api: Any) -> None:
    orgs = api.orgs
    c = await api.published(co_author_ids=[orgs.firm_a])
    r = await api.client.post(
        f"/curricula/{c['id']}/proposals",
        json={"diff": {"remove_module_codes": ["C1"]}, "rationale": "C1 is obsolete"},
        headers=api.firm_admin(orgs.firm_a),
    )
    p = r.json()
    api.problem(await api.client.post(f"/proposals/{p['id']}/withdraw", headers=api.college_admin(p["version"])), 403)
    r = await api.client.post(f"/proposals/{p['id']}/withdraw", headers=api.firm_admin(orgs.firm_a, p["version"]))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn"


async def test_proposal_rules_are_named(api: Any) -> None:
    orgs = api.orgs
    c = await api.published(co_author_ids=[orgs.firm_a])
    url = f"/curricula/{c['id']}/proposals"
    firm = api.firm_admin(orgs.firm_a)

    r = await api.client.post(url, json={"diff": {}, "rationale": "nothing"}, headers=firm)
    api.problem(r, 422, "validation-failed", field="diff", rule="empty_diff")
    r = await api.client.post(url, json={"diff": {"remove_module_codes": ["NOPE"]}, "rationale": "x"}, headers=firm)
    api.problem(r, 422, field="diff.remove_module_codes[0]", rule="unknown_module")
    r = await api.client.post(url, json={"diff": {"add_modules": [api.module("W1")]}, "rationale": "x"}, headers=firm)
    api.problem(r, 422, field="diff.add_modules[0].code", rule="module_exists")
    r = await api.client.post(url, json={"diff": {"remove_module_codes": ["W1"]}, "rationale": ""}, headers=firm)
    api.problem(r, 422, field="rationale", rule="required")

    bogus = "http://data.europa.eu/esco/skill/not-a-skill"
    r = await api.client.post(
        url, json={"diff": {"add_modules": [api.module("X1", 10, [(bogus, 2)])]}, "rationale": "x"}, headers=firm
    )
    body = api.problem(r, 422, "validation-failed", rule="known_skill")
    assert body["violations"][0]["field"].endswith(".outcomes[0].skills[0].skill_id"), body

    # Not a party: a verified outsider may read the published curriculum but not propose.
    r = await api.client.post(
        url,
        json={"diff": {"remove_module_codes": ["W1"]}, "rationale": "x"},
        headers=api.firm_admin(orgs.outsider),
    )
    api.problem(r, 403, "forbidden")
    # A co-author's recruiter brings the demand side but does not bind the firm.
    r = await api.client.post(
        url,
        json={"diff": {"remove_module_codes": ["W1"]}, "rationale": "x"},
        headers=api.as_("recruiter", orgs.firm_a),
    )
    api.problem(r, 403, "forbidden")


# ---- validation -------------------------------------------------------------------------------------------


async def test_module_rules_name_the_json_path_and_rule(api: Any) -> None:
    tax = api.tax
    c = await api.create()
    bad = [
        api.module("W1", 0),
        {**api.module("bad code!", 10), "title": ""},
        api.module("W1", 10, [(tax.skills[0], 9)]),
        {"code": "E1", "title": "No skills", "hours": 5, "outcomes": [{"description": "x", "skills": []}]},
    ]
    r = await api.client.put(f"/curricula/{c['id']}/draft", json={"modules": bad}, headers=api.college_admin())
    body = api.problem(r, 422, "validation-failed", field="modules[0].hours", rule="range")
    got = {(v["field"], v["rule"]) for v in body["violations"]}
    assert {
        ("modules[0].hours", "range"),
        ("modules[1].code", "pattern"),
        ("modules[1].title", "required"),
        ("modules[2].code", "unique"),
        ("modules[2].outcomes[0].skills[0].level", "range"),
        ("modules[3].outcomes[0].skills", "min_items"),
    } <= got, got
    assert "modules[0].hours" in body["detail"]
    # Nothing was stored.
    again = (await api.client.get(f"/curricula/{c['id']}", headers=api.college_admin())).json()
    assert again["version"] == 1


async def test_oversized_drafts_are_refused_by_the_schema_naming_the_list(api: Any) -> None:
    tax = api.tax
    c = await api.create()
    url = f"/curricula/{c['id']}/draft"
    many_outcomes = {**api.module("W1"), "outcomes": api.module("W1")["outcomes"] * 51}
    many_skills = api.module("W1", 10, [])
    many_skills["outcomes"] = [{"description": "d", "skills": [{"skill_id": tax.skills[0], "level": 1}] * 21}]
    for modules, field in (
        ([api.module(f"M{i}") for i in range(201)], "modules"),
        ([many_outcomes], "modules[0].outcomes"),
        ([many_skills], "modules[0].outcomes[0].skills"),
    ):
        r = await api.client.put(url, json={"modules": modules}, headers=api.college_admin())
        api.problem(r, 422, "validation-failed", field=field, rule="too_long")
    # 101 modules of two skills each: every list is within bounds, the version's 202 distinct skills are not.
    # The domain says so before any skill id is looked up in the taxonomy.
    modules = [
        api.module(f"M{i}", 10, [(f"urn:test:skill:{2 * i}", 1), (f"urn:test:skill:{2 * i + 1}", 1)])
        for i in range(101)
    ]
    r = await api.client.put(url, json={"modules": modules}, headers=api.college_admin())
    body = api.problem(r, 422, "validation-failed", field="modules", rule="max_items")
    assert [v["rule"] for v in body["violations"]] == ["max_items"]
    assert (await api.client.get(f"/curricula/{c['id']}", headers=api.college_admin())).json()["version"] == 1


async def test_oversized_proposals_are_refused(api: Any) -> None:
    orgs, tax = api.orgs, api.tax
    c = await api.published([api.module(f"B{i}") for i in range(150)], co_author_ids=[orgs.firm_a])
    url = f"/curricula/{c['id']}/proposals"
    firm = api.firm_admin(orgs.firm_a)
    for diff, field in (
        ({"remove_module_codes": [f"B{i}" for i in range(201)]}, "diff.remove_module_codes"),
        ({"add_modules": [api.module(f"N{i}") for i in range(201)]}, "diff.add_modules"),
        ({"update_modules": [api.module(f"B{i}") for i in range(201)]}, "diff.update_modules"),
    ):
        r = await api.client.post(url, json={"diff": diff, "rationale": "big"}, headers=firm)
        api.problem(r, 422, "validation-failed", field=field, rule="too_long")
    # Each list is small enough, but the version it would produce is not.
    diff = {"add_modules": [api.module(f"N{i}", 10, [(tax.skills[1], 2)]) for i in range(51)]}
    r = await api.client.post(url, json={"diff": diff, "rationale": "big"}, headers=firm)
    body = api.problem(r, 422, "validation-failed", field="diff", rule="max_items")
    assert "201 modules" in body["violations"][0]["message"]
    assert (await api.client.get(url, headers=firm)).json()["total"] == 0


async def test_unknown_skill_id_is_refused(api: Any) -> None:
    tax = api.tax
    c = await api.create()
    modules = [api.module("W1", 10, [(tax.skills[0], 2), ("http://data.europa.eu/esco/skill/nonexistent", 2)])]
    r = await api.client.put(f"/curricula/{c['id']}/draft", json={"modules": modules}, headers=api.college_admin())
    api.problem(r, 422, "validation-failed", field="modules[0].outcomes[1].skills[0].skill_id", rule="known_skill")


async def test_unknown_occupation_is_refused(api: Any) -> None:
    r = await api.client.post(
        "/curricula",
        json=api.curriculum_body(target_occupation="http://data.europa.eu/esco/occupation/unicorn-trainer"),
        headers=api.college_admin(),
    )
    api.problem(r, 422, "validation-failed", field="target_occupation", rule="known_occupation")


async def test_a_co_author_not_known_here_yet_is_a_retryable_409(api: Any) -> None:
    org = uuid.uuid4()
    r = await api.client.post(
        "/curricula", json=api.curriculum_body(co_author_ids=[api.orgs.firm_a, org]), headers=api.college_admin()
    )
    body = api.problem(r, 409, "not-known-yet", field="co_author_ids[1]", rule="organization_not_known_yet")
    assert r.headers["Retry-After"].isdigit()
    assert [v["field"] for v in body["violations"]] == ["co_author_ids[1]"], "the verified firm passes"


@pytest.mark.parametrize("which", ["pending_firm", "rejected_firm", "institute"])
async def test_co_author_must_be_a_verified_enterprise(api: Any, which: str) -> None:
    org = getattr(api.orgs, which)
    r = await api.client.post(
        "/curricula",
        json=api.curriculum_body(co_author_ids=[api.orgs.firm_a, org]),
        headers=api.college_admin(),
    )
    body = api.problem(r, 422, "validation-failed", field="co_author_ids[1]", rule="verified_enterprise_required")
    assert [v["field"] for v in body["violations"]] == ["co_author_ids[1]"], "the verified firm passes"
    # One message whatever the reason: the organisation's kind and vetting status are not disclosed.
    assert body["violations"][0]["message"] == f"organisation {org} is not a verified enterprise"
    assert body["detail"] == f"co_author_ids[1]: organisation {org} is not a verified enterprise"

    c = await api.create()
    r = await api.client.post(
        f"/curricula/{c['id']}/co-authors", json={"organization_id": str(org)}, headers=api.college_admin()
    )
    body = api.problem(r, 422, "validation-failed", field="organization_id", rule="verified_enterprise_required")
    assert body["violations"][0]["message"] == f"organisation {org} is not a verified enterprise"


async def test_owning_college_is_not_a_co_author(api: Any) -> None:
    r = await api.client.post(
        "/curricula", json=api.curriculum_body(co_author_ids=[api.orgs.college]), headers=api.college_admin()
    )
    api.problem(r, 422, field="co_author_ids[0]", rule="co_author_is_college")


async def test_malformed_json_is_422_not_500(api: Any) -> None:
    c = await api.create()
    for method, url in (("POST", "/curricula"), ("PUT", f"/curricula/{c['id']}/draft")):
        r = await api.client.request(
            method,
            url,
            content=b'{"title": "unterminated',
            headers={**api.college_admin(), "Content-Type": "application/json"},
        )
        api.problem(r, 422, "validation-failed", rule="json_invalid")


@pytest.mark.parametrize(
    ("body", "field", "rule"),
    [
        (
            {"modules": [{"code": "W1", "title": "t", "hours": "many", "outcomes": []}]},
            "modules[0].hours",
            "int_parsing",
        ),
        ({"modules": "W1"}, "modules", "list_type"),
        ({}, "modules", "missing"),
        ({"modules": [], "effective_date": "someday"}, "effective_date", "iso_date"),
    ],
)
async def test_schema_errors_are_problems_naming_field_and_rule(api: Any, body: Json, field: str, rule: str) -> None:
    c = await api.create()
    r = await api.client.put(f"/curricula/{c['id']}/draft", json=body, headers=api.college_admin())
    api.problem(r, 422, "validation-failed", field=field, rule=rule)


async def test_bad_enum_and_path_values_are_422(api: Any) -> None:
    r = await api.client.post("/curricula", json=api.curriculum_body(level="doctorate"), headers=api.college_admin())
    api.problem(r, 422, field="level", rule="enum")
    api.problem(await api.client.get("/curricula/not-a-uuid"), 422, field="curriculum_id", rule="uuid_parsing")
    api.problem(await api.client.get(f"/curricula/{uuid.uuid4()}/versions/0"), 422, field="number")
    api.problem(await api.client.get(f"/curricula/{uuid.uuid4()}"), 404, "not-found")


# ---- authorization ----------------------------------------------------------------------------------------


async def test_drafts_are_visible_only_inside_the_partnership(api: Any) -> None:
    orgs = api.orgs
    c = await api.create(co_author_ids=[orgs.firm_a])
    url = f"/curricula/{c['id']}"
    # Invisible, including the fact that it exists.
    api.problem(await api.client.get(url), 404, "not-found")
    api.problem(await api.client.get(url, headers=api.firm_admin(orgs.outsider)), 404, "not-found")
    api.problem(await api.client.get(f"{url}/versions/1", headers=api.firm_admin(orgs.outsider)), 404)
    api.problem(await api.client.get(url, headers=api.as_("teacher", orgs.other_college)), 404)
    api.problem(await api.client.get(url, headers=api.as_("college_admin", orgs.other_college)), 404)
    for headers in (
        api.college_admin(),
        api.as_("teacher", orgs.college),
        api.firm_admin(orgs.firm_a),
        api.as_("recruiter", orgs.firm_a),
        api.as_("operator", None),
    ):
        r = await api.client.get(url, headers=headers)
        assert r.status_code == 200, (headers, r.text)
        assert statuses(r.json()) == {1: "draft"}


async def test_outsiders_see_only_the_published_version(api: Any) -> None:
    orgs = api.orgs
    c = await api.published(co_author_ids=[orgs.firm_a])
    c = await api.step(c, "/draft", expect=201)
    for headers in ({}, api.firm_admin(orgs.outsider), api.as_("learner", None)):
        r = await api.client.get(f"/curricula/{c['id']}", headers=headers)
        assert r.status_code == 200, r.text
        assert statuses(r.json()) == {1: "published"}
        api.problem(await api.client.get(f"/curricula/{c['id']}/versions/2", headers=headers), 404)
    r = await api.client.get(f"/curricula/{c['id']}", headers=api.as_("teacher", orgs.college))
    assert statuses(r.json()) == {1: "published", 2: "draft"}


async def test_who_may_change_what(api: Any) -> None:
    orgs = api.orgs
    c = await api.create(co_author_ids=[orgs.firm_a])
    c = await api.put_draft(c, [api.module("W1")])
    c = await api.step(c, "/draft/submit")
    url = f"/curricula/{c['id']}"

    # A recruiter of the co-author firm sees the draft but cannot bind the firm with a review.
    r = await api.client.post(
        f"{url}/draft/reviews", json={"decision": "approve"}, headers=api.as_("recruiter", orgs.firm_a)
    )
    api.problem(r, 403, "forbidden")
    # The college does not review its own version; a teacher does not manage it.
    api.problem(
        await api.client.post(f"{url}/draft/reviews", json={"decision": "approve"}, headers=api.college_admin()), 403
    )
    api.problem(await api.client.post(f"{url}/publish", headers=api.as_("teacher", orgs.college)), 403)
    # A co-author firm reviews but does not publish or edit.
    api.problem(await api.client.post(f"{url}/publish", headers=api.firm_admin(orgs.firm_a)), 403)
    api.problem(await api.client.put(f"{url}/draft", json={"modules": []}, headers=api.firm_admin(orgs.firm_a)), 403)
    # Only a college's admin creates its curricula (for itself).
    api.problem(
        await api.client.post("/curricula", json=api.curriculum_body(), headers=api.firm_admin(orgs.firm_a)), 403
    )
    r = await api.client.post(
        "/curricula",
        json=api.curriculum_body(college_id=orgs.college),
        headers=api.as_("college_admin", orgs.other_college),
    )
    api.problem(r, 403)
    # A token without an organisation must name the college.
    r = await api.client.post("/curricula", json=api.curriculum_body(), headers=api.as_("college_admin", None))
    api.problem(r, 422, field="college_id", rule="required")
    # An operator does not author a college's curricula, not even naming the college.
    r = await api.client.post(
        "/curricula", json=api.curriculum_body(college_id=orgs.college), headers=api.as_("operator", None)
    )
    api.problem(r, 403, "forbidden")


async def test_an_operator_reads_drafts_and_proposals_but_does_not_manage(api: Any) -> None:
    orgs = api.orgs
    c = await api.published(co_author_ids=[orgs.firm_a])
    c = await api.step(c, "/draft", expect=201)
    r = await api.client.post(
        f"/curricula/{c['id']}/proposals",
        json={"diff": {"remove_module_codes": ["C1"]}, "rationale": "C1 is obsolete"},
        headers=api.firm_admin(orgs.firm_a),
    )
    assert r.status_code == 201, r.text
    proposal = r.json()
    operator = api.as_("operator", None)
    url = f"/curricula/{c['id']}"

    r = await api.client.get(url, headers=operator)
    assert r.status_code == 200 and statuses(r.json()) == {1: "published", 2: "draft"}
    assert (await api.client.get(f"/proposals/{proposal['id']}", headers=operator)).status_code == 200
    assert (await api.client.get(f"{url}/proposals", headers=operator)).json()["total"] == 1

    for method, path, body in [
        ("PATCH", url, {"title": "Taken over"}),
        ("PUT", f"{url}/draft", {"modules": [api.module("W9")]}),
        ("DELETE", f"{url}/draft", None),
        ("POST", f"{url}/co-authors", {"organization_id": str(orgs.firm_b)}),
        ("DELETE", f"{url}/co-authors/{orgs.firm_a}", None),
        ("POST", f"{url}/versions/1/retire", None),
        ("POST", f"/proposals/{proposal['id']}/reject", {"reason": "no"}),
        ("POST", f"/proposals/{proposal['id']}/accept", None),
    ]:
        r = await api.client.request(method, path, json=body, headers=operator)
        api.problem(r, 403, "forbidden")
    after = (await api.client.get(url, headers=api.college_admin())).json()
    assert after["version"] == c["version"] and after["title"] == c["title"]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/curricula"),
        ("PUT", "/curricula/{id}/draft"),
        ("POST", "/curricula/{id}/draft/submit"),
        ("POST", "/curricula/{id}/publish"),
        ("POST", "/curricula/{id}/proposals"),
        ("GET", "/curricula/{id}/proposals"),
        ("GET", f"/proposals/{uuid.UUID(int=1)}"),
    ],
)
async def test_writes_and_proposal_reads_need_a_token(api: Any, method: str, path: str) -> None:
    c = await api.create()
    r = await api.client.request(method, path.format(id=c["id"]), json={})
    body = api.problem(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"] == "Bearer"
    assert body["instance"] == path.format(id=c["id"])


async def test_invalid_tokens_are_401(api: Any, settings: Any) -> None:
    from dovetail_shared.auth import issue_token
    from dovetail_shared.settings import DEV_SECRET
    from pydantic import SecretStr

    headers = {"Authorization": "Bearer not.a.jwt"}
    api.problem(await api.client.post("/curricula", json=api.curriculum_body(), headers=headers), 401)
    wrong_audience = settings.with_overrides(jwt_audience="someone-else")
    token = issue_token(wrong_audience, sub="x", org=api.orgs.college, roles=["college_admin"])
    api.problem(
        await api.client.post("/curricula", json=api.curriculum_body(), headers={"Authorization": f"Bearer {token}"}),
        401,
    )
    other_secret = settings.with_overrides(jwt_secret=SecretStr(DEV_SECRET[::-1]))
    token = issue_token(other_secret, sub="x", org=api.orgs.college, roles=["college_admin"])
    api.problem(
        await api.client.get("/curricula", headers={"Authorization": f"Bearer {token}"}),
        401,
        "unauthorized",
    )


# ---- optimistic concurrency -------------------------------------------------------------------------------


async def test_stale_if_match_is_a_version_conflict(api: Any) -> None:
    c = await api.create()
    stale = c["version"]
    c = await api.put_draft(c, [api.module("W1")])
    r = await api.client.put(
        f"/curricula/{c['id']}/draft", json={"modules": [api.module("W2")]}, headers=api.college_admin(stale)
    )
    body = api.problem(r, 409, "version-conflict")
    assert "reload" in body["detail"]
    # Weak and bare forms of the current version are accepted; garbage is not.
    r = await api.client.put(
        f"/curricula/{c['id']}/draft",
        json={"modules": [api.module("W2")]},
        headers=api.college_admin(f'W/"{c["version"]}"'),
    )
    assert r.status_code == 200, r.text
    assert r.headers["ETag"] == f'"{c["version"] + 1}"'
    r = await api.client.post(f"/curricula/{c['id']}/draft/submit", headers=api.college_admin("latest"))
    api.problem(r, 422, field="If-Match", rule="integer_version")


async def test_two_concurrent_edits_with_the_same_if_match_one_wins(api: Any) -> None:
    c = await api.create()
    url = f"/curricula/{c['id']}/draft"
    results = await asyncio.gather(
        *(
            api.client.put(url, json={"modules": [api.module(code)]}, headers=api.college_admin(c["version"]))
            for code in ("A1", "B1")
        )
    )
    codes = sorted(r.status_code for r in results)
    assert codes == [200, 409], [r.text for r in results]
    loser = next(r for r in results if r.status_code == 409)
    api.problem(loser, 409, "version-conflict")
    winner = next(r for r in results if r.status_code == 200).json()
    stored = (await api.client.get(f"/curricula/{c['id']}", headers=api.college_admin())).json()
    assert stored["version"] == c["version"] + 1
    assert stored["versions"][0]["modules"] == winner["versions"][0]["modules"]


async def test_concurrent_edits_without_if_match_still_never_overwrite_silently(api: Any) -> None:
    c = await api.create()
    url = f"/curricula/{c['id']}/draft"
    results = await asyncio.gather(
        *(api.client.put(url, json={"modules": [api.module(f"M{i}")]}, headers=api.college_admin()) for i in range(4))
    )
    ok = [r for r in results if r.status_code == 200]
    assert all(r.status_code in (200, 409) for r in results), [r.text for r in results]
    stored = (await api.client.get(f"/curricula/{c['id']}", headers=api.college_admin())).json()
    assert stored["version"] == 1 + len(ok)


# ---- lists ------------------------------------------------------------------------------------------------


async def test_list_pages_with_total_and_caps_the_limit(api: Any) -> None:
    orgs, tax = api.orgs, api.tax
    created = [await api.create(title=f"Programme {i}") for i in range(3)]
    await api.create(title="Other occupation", target_occupation=tax.other_occupation)
    q = {"college_id": str(orgs.college), "occupation": tax.occupation}

    r = await api.client.get("/curricula", params={**q, "limit": 2}, headers=api.college_admin())
    assert r.status_code == 200, r.text
    page = r.json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (3, 2, 0, 2)
    rest = (
        await api.client.get("/curricula", params={**q, "limit": 2, "offset": 2}, headers=api.college_admin())
    ).json()
    assert (rest["total"], len(rest["items"])) == (3, 1)
    seen = [x["id"] for x in page["items"] + rest["items"]]
    assert sorted(seen) == sorted(c["id"] for c in created), "pages neither overlap nor skip"

    default = (await api.client.get("/curricula", params=q, headers=api.college_admin())).json()
    assert default["limit"] == 50
    assert (await api.client.get("/curricula", params={**q, "limit": 200})).status_code == 200
    api.problem(await api.client.get("/curricula", params={"limit": 201}), 422, "validation-failed", field="limit")
    api.problem(await api.client.get("/curricula", params={"limit": 0}), 422, field="limit")
    api.problem(await api.client.get("/curricula", params={"offset": -1}), 422, field="offset")


async def test_list_shows_outsiders_only_published_curricula(api: Any) -> None:
    orgs = api.orgs
    await api.create(title="Draft only")
    published = await api.published(title="Published one", co_author_ids=[orgs.firm_a])
    q = {"college_id": str(orgs.college)}

    anonymous = (await api.client.get("/curricula", params=q)).json()
    assert anonymous["total"] == 1
    assert [x["id"] for x in anonymous["items"]] == [published["id"]]
    outsider = (await api.client.get("/curricula", params=q, headers=api.firm_admin(orgs.outsider))).json()
    assert outsider["total"] == 1
    assert (await api.client.get("/curricula", params=q, headers=api.college_admin())).json()["total"] == 2
    co_author = (await api.client.get("/curricula", params=q, headers=api.firm_admin(orgs.firm_a))).json()
    assert co_author["total"] == 1


async def test_list_shows_drafts_exactly_to_those_who_may_open_them(api: Any) -> None:
    """The list's SQL mirrors policy.can_view_drafts: whatever it lists, GET /curricula/{id} opens, and back."""
    orgs = api.orgs
    draft = await api.create(title="Draft with a co-author", co_author_ids=[orgs.firm_a])
    published = await api.published(title="Published one", co_author_ids=[orgs.firm_a])
    q = {"college_id": str(orgs.college)}
    everything = {draft["id"], published["id"]}
    public = {published["id"]}
    callers = {
        "college's college_admin": (api.college_admin(), everything),
        "college's teacher": (api.as_("teacher", orgs.college), everything),
        "college's learner": (api.as_("learner", orgs.college), public),
        "college's mentor": (api.as_("mentor", orgs.college), public),
        "college's recruiter": (api.as_("recruiter", orgs.college), public),
        "co-author's firm_admin": (api.firm_admin(orgs.firm_a), everything),
        "co-author's recruiter": (api.as_("recruiter", orgs.firm_a), everything),
        "co-author's mentor": (api.as_("mentor", orgs.firm_a), public),
        "co-author's learner": (api.as_("learner", orgs.firm_a), public),
        "co-author's teacher": (api.as_("teacher", orgs.firm_a), public),
        "another college's admin": (api.as_("college_admin", orgs.other_college), public),
        "an outsider firm's admin": (api.firm_admin(orgs.outsider), public),
        "operator": (api.as_("operator", None), everything),
        "anonymous": ({}, public),
    }
    for who, (headers, expected) in callers.items():
        page = (await api.client.get("/curricula", params=q, headers=headers)).json()
        listed = {x["id"] for x in page["items"]}
        assert (listed, page["total"]) == (expected, len(expected)), who
        opened = {
            c["id"]
            for c in (draft, published)
            if (await api.client.get(f"/curricula/{c['id']}", headers=headers)).status_code == 200
        }
        assert opened == listed, who
        # Listed items show what the caller would see opening them: drafts only to those who may see drafts.
        shown = {x["id"]: {v["status"] for v in x["versions"]} for x in page["items"]}
        if draft["id"] in shown:
            assert shown[draft["id"]] == {"draft"}, who


# ---- plumbing ---------------------------------------------------------------------------------------------


async def test_correlation_id_is_echoed_or_made_up(api: Any) -> None:
    r = await api.client.get("/curricula", headers={"X-Correlation-ID": "req-42.abc:def"})
    assert r.headers["X-Correlation-ID"] == "req-42.abc:def"
    r = await api.client.post("/curricula", json={}, headers={"X-Correlation-ID": "on-error-too"})
    assert r.status_code == 401
    assert r.headers["X-Correlation-ID"] == "on-error-too"
    made_up = (await api.client.get("/healthz")).headers["X-Correlation-ID"]
    assert len(made_up) == 32
    # An id that does not look like one never reaches the logs.
    unsafe = (await api.client.get("/healthz", headers={"X-Correlation-ID": "a b\tc"})).headers["X-Correlation-ID"]
    assert unsafe != "a b\tc" and len(unsafe) == 32


async def test_health_and_readiness(api: Any) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    r = await api.client.get("/readyz")
    assert r.status_code == 200 and r.json() == {"status": "ready"}


async def test_the_college_edits_the_curriculum_details_and_nobody_else_does(api: Any) -> None:
    c = await api.create(co_author_ids=[api.orgs.firm_a])
    r = await api.client.patch(
        f"/curricula/{c['id']}",
        json={"title": "Welding, revised", "approval_rule": "any_co_author"},
        headers=api.college_admin(c["version"]),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["title"], r.json()["approval_rule"]) == ("Welding, revised", "any_co_author")
    r = await api.client.patch(
        f"/curricula/{c['id']}", json={"title": "Mine now"}, headers=api.firm_admin(api.orgs.firm_a)
    )
    api.problem(r, 403)
    r = await api.client.patch(f"/curricula/{c['id']}", json={"owner": "me"}, headers=api.college_admin())
    api.problem(r, 422, field="owner", rule="extra_forbidden")
    r = await api.client.patch(f"/curricula/{c['id']}", json={"title": ""}, headers=api.college_admin())
    api.problem(r, 422, field="title", rule="required")


async def test_discarding_a_draft_restarts_from_the_published_version(api: Any) -> None:
    c = await api.published()
    c = await api.step(c, "/draft", expect=201)
    assert [v["number"] for v in c["versions"]] == [1, 2]
    r = await api.client.delete(f"/curricula/{c['id']}/draft", headers=api.college_admin(c["version"]))
    assert r.status_code == 200, r.text
    assert [v["number"] for v in r.json()["versions"]] == [1]
    r = await api.client.delete(f"/curricula/{c['id']}/draft", headers=api.college_admin())
    api.problem(r, 409, "invalid-transition")
