"""Curricula's authorization matrix: every route by every kind of caller (dovetail_shared.testing.matrix).

Parties: ``owner`` (admin of the owning college), ``teacher`` (of the owning college), ``co_author`` (admin of
a co-author firm), ``outsider`` (admin of a verified firm that co-authors nothing), ``other_college`` (admin of
another verified college: a tenant of the owner's kind), ``learner`` (of the owning college), ``operator``
and ``anonymous``.

The world has curricula in the states the routes need: ``open`` (v1 published, v2 draft), ``published``
(v1 published, nothing open), ``review`` (v1 in review), ``approved`` (v1 approved), and a change proposal
by the co-author on ``published``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from dovetail_shared.testing.contracts import openapi_path
from dovetail_shared.testing.matrix import Row, World, assert_rows_cover, run_matrix

from .conftest import Api

pytestmark = pytest.mark.integration

PARTIES = {"owner", "teacher", "co_author", "outsider", "other_college", "learner", "operator", "anonymous"}
INSIDERS = {"owner", "teacher", "co_author", "operator"}  # policy.can_view_drafts


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PARTIES, status)


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    return {p: allowed.get(p, others) for p in PARTIES} | {"anonymous": 401}


def hidden(allowed: dict[str, int]) -> dict[str, int]:
    """On what outsiders may not know exists (an unpublished curriculum, a proposal): they get 404, insiders
    without the right 403."""
    return only(allowed) | {p: 404 for p in PARTIES - INSIDERS - {"anonymous"}}


def proposals_seen(party: str, w: World, body: Any) -> None:
    ids = {p["id"] for p in body["items"]}
    if party in INSIDERS:
        assert w.ids["proposal"] in ids, ids
    else:
        assert not ids, "proposals leaked"


def versions_seen(party: str, w: World, body: Any) -> None:
    numbers = {v["number"] for v in body["versions"]}
    expected = {1, 2} if party in INSIDERS else {1}
    assert numbers == expected, f"versions {numbers}"


def listed_seen(party: str, w: World, body: Any) -> None:
    ids = {c["id"] for c in body["items"]}
    unpublished = {w.ids["review"], w.ids["approved"]}
    if party in INSIDERS:
        assert unpublished <= ids, "an insider misses unpublished curricula"
    else:
        assert not (unpublished & ids), "unpublished curricula leaked"


def cid(name: str):  # type: ignore[no-untyped-def]
    return lambda w: {"curriculum_id": w.ids[name]}


P = "/curricula/{curriculum_id}"
ROWS: list[Row] = [
    Row("GET", "/healthz", everyone(200)),
    Row("GET", "/readyz", everyone(200)),
    # An operator acts for no college: there is no owner to default to (422 names college_id).
    Row(
        "POST",
        "/curricula",
        only({"owner": 201, "other_college": 201, "operator": 422}),
        body=lambda w: w.data["new_body"],
    ),
    Row("GET", "/curricula", everyone(200), query=lambda w: {"college_id": w.data["college"]}, sees=listed_seen),
    Row("GET", P, everyone(200), params=cid("open"), sees=versions_seen),
    Row(
        "GET",
        P + "/versions/{number}",
        {**everyone(404), **dict.fromkeys(INSIDERS, 200)},
        params=lambda w: {"curriculum_id": w.ids["open"], "number": 2},
    ),
    Row("PATCH", P, only({"owner": 200}), params=cid("open"), body=lambda w: {"title": "Renamed"}),
    Row("PUT", P + "/draft", only({"owner": 200}), params=cid("open"), body=lambda w: {"modules": w.data["modules"]}),
    Row("POST", P + "/draft", only({"owner": 201}), params=cid("published")),
    Row("DELETE", P + "/draft", only({"owner": 200}), params=cid("open")),
    Row("POST", P + "/draft/submit", only({"owner": 200}), params=cid("open")),
    Row(
        "POST",
        P + "/draft/reviews",
        hidden({"co_author": 200}),
        params=cid("review"),
        body=lambda w: {"decision": "approve"},
    ),
    Row("POST", P + "/publish", hidden({"owner": 200}), params=cid("approved")),
    Row(
        "POST",
        P + "/versions/{number}/retire",
        only({"owner": 200}),
        params=lambda w: {"curriculum_id": w.ids["open"], "number": 1},
    ),
    Row(
        "POST",
        P + "/co-authors",
        only({"owner": 200}),
        params=cid("published"),
        body=lambda w: {"organization_id": w.data["firm_b"]},
    ),
    Row(
        "DELETE",
        P + "/co-authors/{organization_id}",
        only({"owner": 200}),
        params=lambda w: {"curriculum_id": w.ids["published"], "organization_id": w.data["firm_a"]},
    ),
    Row(
        "POST",
        P + "/proposals",
        only({"owner": 201, "co_author": 201}),
        params=cid("published"),
        body=lambda w: w.data["proposal_body"],
    ),
    Row("GET", P + "/proposals", {**everyone(200), "anonymous": 401}, params=cid("published"), sees=proposals_seen),
    Row(
        "GET",
        "/proposals/{proposal_id}",
        hidden(dict.fromkeys(INSIDERS, 200)),
        params=lambda w: {"proposal_id": w.ids["proposal"]},
    ),
    Row(
        "POST",
        "/proposals/{proposal_id}/reviews",
        hidden({"owner": 200}),
        params=lambda w: {"proposal_id": w.ids["proposal"]},
        body=lambda w: {"decision": "approve"},
    ),
    Row(
        "POST",
        "/proposals/{proposal_id}/accept",
        hidden({"owner": 200}),
        params=lambda w: {"proposal_id": w.ids["reviewed"]},
    ),
    Row(
        "POST",
        "/proposals/{proposal_id}/reject",
        hidden({"owner": 200}),
        params=lambda w: {"proposal_id": w.ids["proposal"]},
        body=lambda w: {"reason": "not now"},
    ),
    Row(
        "POST",
        "/proposals/{proposal_id}/withdraw",
        hidden({"co_author": 200}),
        params=lambda w: {"proposal_id": w.ids["proposal"]},
    ),
]


async def make_world(api: Api) -> World:
    orgs = api.orgs
    modules = [api.module("W1"), api.module("C1", 60, [(api.tax.skills[1], 3)])]
    published = await api.published(modules, co_author_ids=[orgs.firm_a])
    open_ = await api.published(modules, co_author_ids=[orgs.firm_a])
    open_ = await api.step(open_, "/draft", expect=201)
    review = await api.create(co_author_ids=[orgs.firm_a])
    review = await api.put_draft(review, modules)
    review = await api.step(review, "/draft/submit")
    approved = await api.create(co_author_ids=[orgs.firm_a])
    approved = await api.put_draft(approved, modules)
    approved = await api.step(approved, "/draft/submit")
    approved = await api.review(approved, orgs.firm_a)
    proposal_body = {"diff": {"remove_module_codes": ["C1"]}, "rationale": "Fold C1 into W1."}
    r = await api.client.post(
        f"/curricula/{published['id']}/proposals", json=proposal_body, headers=api.firm_admin(orgs.firm_a)
    )
    assert r.status_code == 201, r.text
    proposal = r.json()
    # A second proposal, already approved by the college, for accept (the other parties approve first).
    other_body = {"diff": {"remove_module_codes": ["W1"]}, "rationale": "Drop W1."}
    r = await api.client.post(
        f"/curricula/{published['id']}/proposals", json=other_body, headers=api.firm_admin(orgs.firm_a)
    )
    assert r.status_code == 201, r.text
    reviewed = r.json()
    r = await api.client.post(
        f"/proposals/{reviewed['id']}/reviews", json={"decision": "approve"}, headers=api.college_admin()
    )
    assert r.status_code == 200, r.text
    parties = {
        "owner": api.college_admin(),
        "teacher": api.as_("teacher", orgs.college),
        "co_author": api.firm_admin(orgs.firm_a),
        "outsider": api.firm_admin(orgs.outsider),
        "other_college": api.as_("college_admin", orgs.other_college),
        "learner": api.as_("learner", orgs.college),
        "operator": api.as_("operator", None),
        "anonymous": {},
    }
    return World(
        ids={
            "published": published["id"],
            "open": open_["id"],
            "review": review["id"],
            "approved": approved["id"],
            "proposal": proposal["id"],
            "reviewed": reviewed["id"],
        },
        parties=parties,
        data={
            "college": str(orgs.college),
            "firm_a": str(orgs.firm_a),
            "firm_b": str(orgs.firm_b),
            "modules": modules,
            "proposal_body": proposal_body,
            "new_body": api.curriculum_body(title=f"New {uuid.uuid4().hex[:6]}"),
        },
    )


def test_every_route_has_a_row_naming_every_party() -> None:
    assert_rows_cover(json.loads(openapi_path("curricula").read_text()), ROWS, PARTIES)


async def test_authorization_matrix(api: Api) -> None:
    wrong = await run_matrix(api.client, ROWS, lambda: make_world(api))
    assert not wrong, "authorization matrix broken:\n" + "\n".join(wrong)
