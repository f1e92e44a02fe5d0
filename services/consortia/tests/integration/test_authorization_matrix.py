"""Consortia's authorization matrix: every route by every kind of caller (dovetail_shared.testing.matrix).

Parties: ``lead`` (admin of the lead college), ``member`` (admin of an admitted firm), ``applicant`` (admin of
a firm whose join request is pending), ``other_college`` (admin of another verified college: a tenant of the
lead's kind), ``outsider`` (admin of a verified firm with no tie), ``learner`` (of the lead college),
``operator`` and ``anonymous``.
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

PARTIES = {"lead", "member", "applicant", "other_college", "outsider", "learner", "operator", "anonymous"}
ADMINS = {"lead", "member", "applicant", "other_college", "outsider"}
INSIDERS = {"lead", "member", "operator"}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PARTIES, status)


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    """``allowed`` as given, every other authenticated party ``others``, anonymous 401."""
    return {p: allowed.get(p, others) for p in PARTIES} | {"anonymous": 401}


def view_is(member_view: set[str]):  # type: ignore[no-untyped-def]
    def check(party: str, w: World, body: Any) -> None:
        expected = "member" if party in member_view else "public"
        assert body["view"] == expected, f"view {body['view']} for {party}"
        if expected == "public":
            assert body["benefit_rule"] is None, "the benefit rule leaked"
            assert all(m["left_on"] is None for m in body["memberships"]), "past members leaked"
            mine = {str(w.data["org_of"].get(party))}
            assert {r["organization_id"] for r in body["join_requests"]} <= mine, "others' requests leaked"

    return check


def requests_seen(party: str, w: World, body: Any) -> None:
    seen = {r["organization_id"] for r in body["items"]}
    if party in INSIDERS:
        assert seen == {str(w.ids["member"]), str(w.ids["applicant"])}, seen
    else:
        assert seen <= {str(w.data["org_of"].get(party))}, seen


def contribution(w: World) -> dict[str, Any]:
    return {"kind": "funding", "quantity": "5", "unit": "CNY", "valuation": "5.00", "contributed_on": "2026-01-05"}


def org_body(w: World) -> dict[str, Any]:
    return Api.org_body("enterprise")


C = "/consortia/{consortium_id}"
ROWS: list[Row] = [
    Row("GET", "/healthz", everyone(200)),
    Row("GET", "/readyz", everyone(200)),
    # ---- organisations
    Row("POST", "/organizations", {**everyone(201), "anonymous": 401}, body=org_body),
    Row("GET", "/organizations", everyone(200)),
    Row(
        "GET",
        "/organizations/{organization_id}",
        {**everyone(404), "operator": 200},
        params=lambda w: {"organization_id": w.ids["pending"]},
    ),
    Row(
        "POST",
        "/organizations/{organization_id}/verify",
        only({"operator": 200}),
        params=lambda w: {"organization_id": w.ids["pending"]},
    ),
    Row(
        "POST",
        "/organizations/{organization_id}/reject",
        only({"operator": 200}),
        params=lambda w: {"organization_id": w.ids["pending"]},
        body=lambda w: {"reason": "unknown registration"},
    ),
    Row(
        "POST",
        "/organizations/{organization_id}/resubmit",
        only({"operator": 200}, others=404),
        params=lambda w: {"organization_id": w.ids["rejected"]},
    ),
    # ---- consortia
    Row(
        "POST",
        "/consortia",
        # An operator acts for no organisation: there is no lead to default to (422 names the field).
        only(dict.fromkeys(ADMINS, 201) | {"operator": 422}),
        body=lambda w: {"name": f"C {uuid.uuid4().hex[:6]}", "kind": "project", "charter": "c"},
    ),
    Row("GET", "/consortia", everyone(200)),
    Row("GET", C, everyone(200), params=lambda w: {"consortium_id": w.ids["c"]}, sees=view_is(INSIDERS)),
    Row(
        "POST",
        f"{C}/join-requests",
        only({"other_college": 201, "outsider": 201, "lead": 409, "member": 409, "applicant": 409, "operator": 422}),
        params=lambda w: {"consortium_id": w.ids["c"]},
        body=lambda w: {},
    ),
    Row(
        "GET",
        f"{C}/join-requests",
        {**everyone(200), "anonymous": 401},
        params=lambda w: {"consortium_id": w.ids["c"]},
        sees=requests_seen,
    ),
    Row(
        "GET",
        f"{C}/join-requests/{{request_id}}",
        only({"lead": 200, "member": 200, "operator": 200, "applicant": 200}, others=404),
        params=lambda w: {"consortium_id": w.ids["c"], "request_id": w.ids["request"]},
    ),
    Row(
        "POST",
        f"{C}/join-requests/{{request_id}}/approve",
        only({"lead": 200}),
        params=lambda w: {"consortium_id": w.ids["c"], "request_id": w.ids["request"]},
    ),
    Row(
        "POST",
        f"{C}/join-requests/{{request_id}}/reject",
        only({"lead": 200}),
        params=lambda w: {"consortium_id": w.ids["c"], "request_id": w.ids["request"]},
        body=lambda w: {"reason": "not now"},
    ),
    Row(
        "DELETE",
        f"{C}/members/{{organization_id}}",
        only({"lead": 200, "member": 200}),
        params=lambda w: {"consortium_id": w.ids["c"], "organization_id": w.ids["member"]},
    ),
    Row(
        "PUT",
        f"{C}/members/{{organization_id}}/role",
        only({"lead": 200}),
        params=lambda w: {"consortium_id": w.ids["c"], "organization_id": w.ids["member"]},
        body=lambda w: {"role": "core"},
    ),
    Row(
        "POST",
        f"{C}/lead",
        only({"lead": 200}),
        params=lambda w: {"consortium_id": w.ids["c"]},
        body=lambda w: {"organization_id": str(w.ids["member"])},
    ),
    Row("POST", f"{C}/dissolve", only({"lead": 200}), params=lambda w: {"consortium_id": w.ids["c"]}),
    Row(
        "PUT",
        f"{C}/benefit-rule",
        only({"lead": 200}),
        params=lambda w: {"consortium_id": w.ids["c"]},
        body=lambda w: {
            "kind": "fixed_shares",
            "shares": [{"organization_id": str(w.ids["member"]), "percent": "100"}],
        },
    ),
    # ---- ledger and benefits
    Row(
        "POST",
        f"{C}/contributions",
        # Admins of a non-member act for their own organisation, which the ledger refuses by rule (422
        # not_a_member on organization_id); learners are refused as callers (403).
        only({"lead": 201, "member": 201} | dict.fromkeys({"applicant", "outsider", "other_college", "operator"}, 422)),
        params=lambda w: {"consortium_id": w.ids["c"]},
        body=contribution,
    ),
    Row(
        "GET", f"{C}/contributions", only(dict.fromkeys(INSIDERS, 200)), params=lambda w: {"consortium_id": w.ids["c"]}
    ),
    Row(
        "GET",
        f"{C}/contributions/{{contribution_id}}",
        only(dict.fromkeys(INSIDERS, 200)),
        params=lambda w: {"consortium_id": w.ids["c"], "contribution_id": w.ids["contribution"]},
    ),
    Row("GET", f"{C}/ledger", only(dict.fromkeys(INSIDERS, 200)), params=lambda w: {"consortium_id": w.ids["c"]}),
    Row(
        "POST",
        f"{C}/distributions",
        only({"lead": 201}),
        params=lambda w: {"consortium_id": w.ids["c"]},
        body=lambda w: {"amount": "10.00"},
    ),
    Row(
        "GET", f"{C}/distributions", only(dict.fromkeys(INSIDERS, 200)), params=lambda w: {"consortium_id": w.ids["c"]}
    ),
    Row(
        "GET",
        f"{C}/distributions/{{distribution_id}}",
        only(dict.fromkeys(INSIDERS, 200)),
        params=lambda w: {"consortium_id": w.ids["c"], "distribution_id": w.ids["distribution"]},
    ),
]


async def make_world(api: Api) -> World:
    college, firm = await api.org("college"), await api.org("enterprise")
    applicant, outsider, other = await api.org("enterprise"), await api.org("enterprise"), await api.org("college")
    c = await api.form(college)
    c = await api.admit(c, college, firm)
    asked = (await api.ask(c, applicant)).json()
    request = next(r for r in asked["join_requests"] if r["organization_id"] == str(applicant.id))
    line = contribution(None)  # type: ignore[arg-type]
    r = await api.client.post(f"/consortia/{c['id']}/contributions", json=line, headers=college.admin)
    assert r.status_code == 201, r.text
    rule = {"kind": "fixed_shares", "shares": [{"organization_id": str(college.id), "percent": "100"}]}
    r = await api.client.put(f"/consortia/{c['id']}/benefit-rule", json=rule, headers=college.admin)
    assert r.status_code == 200, r.text
    dist = await api.client.post(f"/consortia/{c['id']}/distributions", json={"amount": "1.00"}, headers=college.admin)
    assert dist.status_code == 201, dist.text
    pending = await api.register("enterprise")
    rejected = await api.register("enterprise")
    r = await api.client.post(f"/organizations/{rejected['id']}/reject", json={"reason": "x"}, headers=api.operator())
    assert r.status_code == 200, r.text
    orgs = {"lead": college, "member": firm, "applicant": applicant, "outsider": outsider, "other_college": other}
    parties = {name: o.admin for name, o in orgs.items()}
    parties |= {"learner": api.as_("learner", org=college.id), "operator": api.operator(), "anonymous": {}}
    return World(
        ids={
            "c": c["id"],
            "member": firm.id,
            "applicant": applicant.id,
            "request": request["id"],
            "contribution": await _first(api, c, college, "contributions"),
            "distribution": dist.json()["id"],
            "pending": pending["id"],
            "rejected": rejected["id"],
        },
        parties=parties,
        data={"org_of": {name: o.id for name, o in orgs.items()} | {"learner": college.id}},
    )


async def _first(api: Api, c: dict[str, Any], lead: Any, what: str) -> str:
    r = await api.client.get(f"/consortia/{c['id']}/{what}", headers=lead.admin)
    assert r.status_code == 200, r.text
    first: str = r.json()["items"][0]["id"]
    return first


def test_every_route_has_a_row_naming_every_party() -> None:
    assert_rows_cover(json.loads(openapi_path("consortia").read_text()), ROWS, PARTIES)


async def test_authorization_matrix(api: Api) -> None:
    wrong = await run_matrix(api.client, ROWS, lambda: make_world(api))
    assert not wrong, "authorization matrix broken:\n" + "\n".join(wrong)
