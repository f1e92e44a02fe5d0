"""Talent pipelines' authorization matrix: every route by every kind of caller (dovetail_shared.testing.matrix).

Parties: ``owner`` (admin of the demand's firm, co-author of the ranked cohort's curriculum), ``other_firm``
(admin of another verified firm), ``college`` (admin of the college whose cohort is ranked), ``other_college``,
``learner`` (a learner token of the college), ``operator`` and ``anonymous``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from dovetail_shared.testing.contracts import openapi_path
from dovetail_shared.testing.matrix import Row, World, assert_rows_cover, run_matrix

from .conftest import Api

pytestmark = pytest.mark.integration

PARTIES = {"owner", "other_firm", "college", "other_college", "learner", "operator", "anonymous"}
VIEWERS = {"owner", "college", "other_college", "operator"}  # policy.can_view_demand


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PARTIES, status)


def signed_in(status: int) -> dict[str, int]:
    return everyone(status) | {"anonymous": 401}


def hidden(allowed: dict[str, int]) -> dict[str, int]:
    """Who may not see the demand gets 404; viewers without the right 403; anonymous 401."""
    out = {p: (allowed.get(p, 403) if p in VIEWERS else 404) for p in PARTIES}
    return out | {"anonymous": 401}


def demands_seen(party: str, w: World, body: Any) -> None:
    ids = {d["id"] for d in body["items"]}
    assert (w.ids["demand"] in ids) == (party in VIEWERS), ids


def matches_seen(party: str, w: World, body: Any) -> None:
    cohorts = {c["id"] for c in body["cohorts"]}
    learners = {x["id"] for x in body["learners"]}
    assert (w.ids["cohort"] in cohorts) == (party in {"owner", "college", "operator"}), cohorts
    assert (w.ids["ref"] in learners) == (party == "owner"), learners
    if party == "college":
        assert {c["college_id"] for c in body["cohorts"]} == {w.data["college"]}


def gaps_seen(party: str, w: World, body: Any) -> None:
    assert all(isinstance(g["cohorts_teaching"], int) for g in body["items"])
    assert not any("learner" in k for g in body["items"] for k in g)  # aggregates only


def did(w: World) -> dict[str, Any]:
    return {"demand_id": w.ids["demand"]}


def cid(w: World) -> dict[str, Any]:
    return {"candidate_id": w.ids["candidate"]}


D = "/demands/{demand_id}"
C = "/candidates/{candidate_id}"
ROWS: list[Row] = [
    Row("GET", "/healthz", everyone(200)),
    Row("GET", "/readyz", everyone(200)),
    Row("POST", "/demands", signed_in(403) | {"owner": 201, "other_firm": 201}, body=lambda w: w.data["demand_body"]),
    Row("GET", "/demands", signed_in(200), query=lambda w: {"limit": 200}, sees=demands_seen),
    Row("GET", D, hidden(dict.fromkeys(VIEWERS, 200)), params=did),
    Row("PATCH", D, hidden({"owner": 200}), params=did, body=lambda w: {"headcount": 5}),
    Row("POST", D + "/cancel", hidden({"owner": 200}), params=did),
    Row(
        "GET",
        D + "/matches",
        hidden(dict.fromkeys(VIEWERS, 200)),
        params=did,
        query=lambda w: {"limit": 200},
        sees=matches_seen,
    ),
    Row(
        "GET",
        D + "/cohorts/{cohort_id}/gap-proposal",
        hidden({"owner": 200}),
        params=lambda w: {"demand_id": w.ids["demand"], "cohort_id": w.ids["cohort"]},
    ),
    Row(
        "POST", D + "/candidates", hidden({"owner": 201}), params=did, body=lambda w: {"learner_ref": w.ids["free_ref"]}
    ),
    Row("GET", D + "/candidates", hidden({"owner": 200}), params=did),
    Row("GET", C, hidden({"owner": 200}), params=cid),
    Row("POST", C + "/advance", hidden({"owner": 200}), params=cid, body=lambda w: {"to_stage": "engaged"}),
    Row("POST", C + "/drop", hidden({"owner": 200}), params=cid, body=lambda w: {"reason": "firm_declined"}),
    Row("GET", D + "/funnel", hidden({"owner": 200, "operator": 200}), params=did),
    Row("GET", "/analytics/gaps", signed_in(200) | {"learner": 403}, sees=gaps_seen),
]


async def make_world(api: Api) -> World:
    o = api.orgs
    demand = await api.demand()
    cohort, program = await api.cohort(await api.curriculum(co_authors=[o.firm]), partners=[o.firm])
    ref = await api.learner(cohort, program, consent_firm=o.firm)
    free_ref = await api.learner(cohort, program, consent_firm=o.firm)
    r = await api.client.post(f"/demands/{demand['id']}/candidates", json={"learner_ref": str(ref)}, headers=api.firm())
    assert r.status_code == 201, r.text
    return World(
        ids={
            "demand": demand["id"],
            "cohort": str(cohort),
            "ref": str(ref),
            "free_ref": str(free_ref),
            "candidate": r.json()["id"],
        },
        parties={
            "owner": api.firm(),
            "other_firm": api.firm(o.other_firm),
            "college": api.as_("college_admin", o.college),
            "other_college": api.as_("college_admin", o.other_college),
            "learner": api.as_("learner", o.college),
            "operator": api.as_("operator", None),
            "anonymous": {},
        },
        data={"demand_body": api.demand_body(), "college": str(o.college)},
    )


def test_every_route_has_a_row_naming_every_party() -> None:
    assert_rows_cover(json.loads(openapi_path("talent_pipelines").read_text()), ROWS, PARTIES)


async def test_authorization_matrix(api: Api) -> None:
    wrong = await run_matrix(api.client, ROWS, lambda: make_world(api))
    assert not wrong, "authorization matrix broken:\n" + "\n".join(wrong)
