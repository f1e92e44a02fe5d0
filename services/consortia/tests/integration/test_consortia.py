"""Consortia over HTTP on the real database: lifecycle, rules as problem+json, authorization, concurrency."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from .conftest import Api, Json, Org


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def member_roles(c: Json) -> dict[str, str]:
    return {m["organization_id"]: m["role"] for m in c["memberships"] if m["left_on"] is None}


# --------------------------------------------------------------------------------------------- formation


async def test_forming_needs_an_admin_of_a_verified_lead(api: Api) -> None:
    pending = await api.org("college", verified=False)
    r = await api.client.post(
        "/consortia", json={"name": "X", "kind": "project", "charter": "c"}, headers=pending.admin
    )
    api.problem(r, 422, "validation-failed", field="lead_organization_id", rule="organization_not_verified")

    college = await api.org("college")
    teacher = api.as_("teacher", org=college.id)
    r = await api.client.post("/consortia", json={"name": "X", "kind": "project", "charter": "c"}, headers=teacher)
    api.problem(r, 403, "forbidden")
    body = {"name": "X", "kind": "project", "charter": "c", "lead_organization_id": str(college.id)}
    r = await api.client.post("/consortia", json=body, headers=api.as_("college_admin", org=uuid.uuid4()))
    api.problem(r, 403, "forbidden")
    r = await api.client.post(
        "/consortia", json={"name": "X", "kind": "project", "charter": "c"}, headers=api.as_("college_admin")
    )
    api.problem(r, 422, field="lead_organization_id", rule="required")
    stranger = api.as_("college_admin", org=uuid.uuid4())
    r = await api.client.post("/consortia", json={"name": "X", "kind": "project", "charter": "c"}, headers=stranger)
    api.problem(r, 422, field="lead_organization_id", rule="known_organization")
    r = await api.client.post("/consortia", json={"name": " ", "kind": "project", "charter": ""}, headers=college.admin)
    body = api.problem(r, 422, field="name", rule="required")
    assert ("charter", "required") in {(v["field"], v["rule"]) for v in body["violations"]}

    r = await api.client.post(
        "/consortia", json={"name": "Wuxi IoT", "kind": "industry_community", "charter": "c"}, headers=college.admin
    )
    assert r.status_code == 201, r.text
    c = r.json()
    assert r.headers["Location"] == f"/consortia/{c['id']}" and r.headers["ETag"] == '"1"'
    assert (c["status"], c["lead_organization_id"], member_roles(c)) == (
        "forming",
        str(college.id),
        {str(college.id): "lead"},
    )


async def test_activates_once_a_college_and_an_enterprise_are_members(api: Api) -> None:
    college, institute, firm = await api.org("college"), await api.org("research_institute"), await api.org()
    c = await api.form(college)
    c = await api.admit(c, college, institute, "core")
    assert c["status"] == "forming"
    c = await api.admit(c, college, firm)
    assert c["status"] == "active" and c["activated_on"] == today()
    assert member_roles(c) == {str(college.id): "lead", str(institute.id): "core", str(firm.id): "member"}
    listed = await api.client.get("/consortia", params={"organization_id": str(firm.id)})
    assert [x["id"] for x in listed.json()["items"]] == [c["id"]]


# ----------------------------------------------------------------------------------------------- rules


async def test_joining_twice_is_a_conflict_naming_the_field(api: Api) -> None:
    c, _college, firm = await api.active()
    r = await api.ask(c, firm, expect=409)
    api.problem(r, 409, "conflict", field="organization_id", rule="already_member")

    other = await api.org()
    await api.ask(c, other)
    r = await api.ask(c, other, expect=409)
    api.problem(r, 409, "conflict", field="organization_id", rule="request_pending")

    pending = await api.org(verified=False)
    r = await api.ask(c, pending, expect=422)
    api.problem(r, 422, field="organization_id", rule="organization_not_verified")
    r = await api.client.post(
        f"/consortia/{c['id']}/join-requests", json={"requested_role": "lead"}, headers=(await api.org()).admin
    )
    api.problem(r, 422, field="requested_role", rule="lead_not_requestable")


async def test_shares_must_sum_to_exactly_100_and_belong_to_members(api: Api) -> None:
    c, college, firm = await api.active()
    rule = {
        "kind": "fixed_shares",
        "shares": [
            {"organization_id": str(college.id), "percent": "60"},
            {"organization_id": str(firm.id), "percent": "39.99"},
        ],
    }
    r = await api.client.put(f"/consortia/{c['id']}/benefit-rule", json=rule, headers=college.admin)
    api.problem(r, 422, "validation-failed", field="shares", rule="shares_sum_to_100")

    rule["shares"][1] = {"organization_id": str(uuid.uuid4()), "percent": "40"}
    r = await api.client.put(f"/consortia/{c['id']}/benefit-rule", json=rule, headers=college.admin)
    api.problem(r, 422, field="shares[1].organization_id", rule="not_active_member")

    weighted = {"kind": "contribution_weighted", "period_from": "2025-06-01", "period_to": "2025-01-01"}
    r = await api.client.put(f"/consortia/{c['id']}/benefit-rule", json=weighted, headers=college.admin)
    api.problem(r, 422, field="period_to", rule="period_order")


async def test_contribution_rules_name_the_field(api: Api) -> None:
    c, _college, firm = await api.active()
    base = {"kind": "mentor_hours", "quantity": "-5", "unit": "hours", "valuation": "100.00", "contributed_on": today()}
    r = await api.client.post(f"/consortia/{c['id']}/contributions", json=base, headers=firm.admin)
    api.problem(r, 422, "validation-failed", field="quantity", rule="quantity_positive")

    bad = {**base, "quantity": "5", "valuation": "-1", "currency": "yuan"}
    r = await api.client.post(f"/consortia/{c['id']}/contributions", json=bad, headers=firm.admin)
    body = api.problem(r, 422, field="valuation", rule="valuation_non_negative")
    assert ("currency", "currency_iso4217") in {(v["field"], v["rule"]) for v in body["violations"]}

    future = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    r = await api.client.post(
        f"/consortia/{c['id']}/contributions",
        json={**base, "quantity": "5", "contributed_on": future},
        headers=firm.admin,
    )
    api.problem(r, 422, field="contributed_on", rule="contributed_on_not_future")
    r = await api.client.post(
        f"/consortia/{c['id']}/contributions", json={**base, "quantity": "5", "valuation": "1.001"}, headers=firm.admin
    )
    api.problem(r, 422, field="valuation", rule="valuation_precision")
    r = await api.client.post(
        f"/consortia/{c['id']}/contributions", json={**base, "quantity": "1e999999999"}, headers=firm.admin
    )
    api.problem(r, 422, field="quantity")


async def test_acting_on_a_dissolved_consortium_is_a_conflict(api: Api) -> None:
    c, college, firm = await api.active()
    r = await api.client.post(f"/consortia/{c['id']}/dissolve", headers=college.admin_if(c["version"]))
    assert r.status_code == 200, r.text
    c = r.json()
    assert (c["status"], c["dissolved_on"], member_roles(c)) == ("dissolved", today(), {})

    attempts = [
        ("post", f"/consortia/{c['id']}/dissolve", None, college.admin),
        ("put", f"/consortia/{c['id']}/benefit-rule", {"kind": "fixed_shares", "shares": []}, college.admin),
        (
            "post",
            f"/consortia/{c['id']}/contributions",
            {"kind": "funding", "quantity": "1", "unit": "CNY", "valuation": "1", "contributed_on": today()},
            firm.admin,
        ),
        ("post", f"/consortia/{c['id']}/distributions", {"amount": "10.00"}, college.admin),
        ("post", f"/consortia/{c['id']}/join-requests", {}, (await api.org()).admin),
    ]
    for method, path, body, headers in attempts:
        r = await api.client.request(method, path, json=body, headers=headers)
        api.problem(r, 409, "invalid-transition")
        assert "dissolved" in r.json()["detail"]


async def test_lead_cannot_leave_and_role_changes_keep_the_lead_fixed(api: Api) -> None:
    c, college, firm = await api.active()
    r = await api.client.delete(f"/consortia/{c['id']}/members/{college.id}", headers=college.admin)
    api.problem(r, 422, field="organization_id", rule="lead_cannot_leave")
    r = await api.client.put(
        f"/consortia/{c['id']}/members/{firm.id}/role", json={"role": "lead"}, headers=college.admin
    )
    api.problem(r, 422, field="role", rule="use_transfer_lead")
    r = await api.client.post(
        f"/consortia/{c['id']}/lead", json={"organization_id": str(uuid.uuid4())}, headers=college.admin
    )
    api.problem(r, 422, field="organization_id", rule="not_active_member")


# ------------------------------------------------------------------------------------------- authorization


async def test_outsiders_see_public_facts_and_no_ledger(api: Api) -> None:
    c, college, firm = await api.active()
    applicant = await api.org()
    await api.ask(c, applicant)
    rule = {
        "kind": "fixed_shares",
        "shares": [
            {"organization_id": str(college.id), "percent": "50"},
            {"organization_id": str(firm.id), "percent": "50"},
        ],
    }
    r = await api.client.put(f"/consortia/{c['id']}/benefit-rule", json=rule, headers=college.admin)
    assert r.status_code == 200, r.text
    contribution = {
        "kind": "funding",
        "quantity": "1000",
        "unit": "CNY",
        "valuation": "1000",
        "contributed_on": today(),
    }
    r = await api.client.post(f"/consortia/{c['id']}/contributions", json=contribution, headers=firm.admin)
    assert r.status_code == 201, r.text
    contribution_id = r.json()["id"]

    outsider = (await api.org()).admin
    for headers in ({}, outsider, applicant.admin):
        public = await api.get(c, headers)
        assert public["view"] == "public"
        assert public["benefit_rule"] is None
        assert set(member_roles(public)) == {str(college.id), str(firm.id)}
        assert (public["name"], public["charter"], public["lead_organization_id"]) == (
            c["name"],
            c["charter"],
            str(college.id),
        )
    # An applicant follows its own request, and only its own.
    assert [r["organization_id"] for r in (await api.get(c, applicant.admin))["join_requests"]] == [str(applicant.id)]
    assert (await api.get(c, outsider))["join_requests"] == []

    for path in ("contributions", "ledger", "distributions", f"contributions/{contribution_id}"):
        r = await api.client.get(f"/consortia/{c['id']}/{path}", headers=outsider)
        api.problem(r, 403, "forbidden")
        r = await api.client.get(f"/consortia/{c['id']}/{path}", headers=applicant.admin)
        api.problem(r, 403, "forbidden")
        r = await api.client.get(f"/consortia/{c['id']}/{path}")
        api.problem(r, 401, "unauthorized")
    # Learners of a member college are not its staff.
    r = await api.client.get(f"/consortia/{c['id']}/ledger", headers=api.as_("learner", org=college.id))
    api.problem(r, 403)

    # Members' staff and operators see everything.
    for headers in (firm.admin, api.as_("teacher", org=college.id), api.operator()):
        inside = await api.get(c, headers)
        assert inside["view"] == "member"
        assert inside["benefit_rule"]["kind"] == "fixed_shares"
        assert len(inside["join_requests"]) == 2
        r = await api.client.get(f"/consortia/{c['id']}/contributions", headers=headers)
        assert r.status_code == 200 and r.json()["total"] == 1


async def test_only_the_leads_admins_manage(api: Api) -> None:
    c, college, firm = await api.active()
    other = await api.org()
    asked = (await api.ask(c, other)).json()
    request_id = next(r["id"] for r in asked["join_requests"] if r["organization_id"] == str(other.id))
    not_lead = [firm.admin, api.as_("teacher", org=college.id), api.operator(), other.admin]
    for headers in not_lead:
        r = await api.client.post(f"/consortia/{c['id']}/join-requests/{request_id}/approve", headers=headers)
        api.problem(r, 403, "forbidden")
        r = await api.client.post(f"/consortia/{c['id']}/dissolve", headers=headers)
        api.problem(r, 403, "forbidden")
        r = await api.client.post(f"/consortia/{c['id']}/distributions", json={"amount": "1.00"}, headers=headers)
        api.problem(r, 403, "forbidden")
    r = await api.client.post(
        f"/consortia/{c['id']}/join-requests/{request_id}/reject", json={"reason": "no capacity"}, headers=college.admin
    )
    assert r.status_code == 200, r.text
    request = next(x for x in r.json()["join_requests"] if x["id"] == request_id)
    assert (request["status"], request["reason"]) == ("rejected", "no capacity")
    r = await api.client.post(f"/consortia/{c['id']}/join-requests/{request_id}/approve", headers=college.admin)
    api.problem(r, 409, "invalid-transition")
    r = await api.client.post(f"/consortia/{c['id']}/join-requests/{uuid.uuid4()}/approve", headers=college.admin)
    api.problem(r, 404, "not-found")


async def test_members_record_their_own_contributions_the_lead_anyones(api: Api) -> None:
    c, college, firm = await api.active()
    institute = await api.org("research_institute")
    c = await api.admit(c, college, institute)
    line = {
        "kind": "equipment_hours",
        "quantity": "12.5",
        "unit": "hours",
        "valuation": "2500.00",
        "contributed_on": today(),
    }

    r = await api.client.post(
        f"/consortia/{c['id']}/contributions", json={**line, "organization_id": str(institute.id)}, headers=firm.admin
    )
    api.problem(r, 403, "forbidden")
    r = await api.client.post(f"/consortia/{c['id']}/contributions", json=line, headers=firm.admin)
    assert r.status_code == 201, r.text
    own = r.json()
    assert (own["organization_id"], own["recorded_by_organization_id"]) == (str(firm.id), str(firm.id))
    assert (own["quantity"], own["valuation"], own["currency"]) == ("12.5", "2500.00", "CNY")
    assert r.headers["Location"] == f"/consortia/{c['id']}/contributions/{own['id']}"
    r = await api.client.post(
        f"/consortia/{c['id']}/contributions",
        json={**line, "organization_id": str(institute.id)},
        headers=college.admin,
    )
    assert r.status_code == 201, r.text
    assert r.json()["recorded_by_organization_id"] == str(college.id)
    r = await api.client.post(
        f"/consortia/{c['id']}/contributions",
        json={**line, "organization_id": str(uuid.uuid4())},
        headers=college.admin,
    )
    api.problem(r, 422, field="organization_id", rule="not_active_member")

    ledger = (await api.client.get(f"/consortia/{c['id']}/ledger", headers=institute.admin)).json()
    by_org = {m["organization_id"]: m["kinds"] for m in ledger["members"]}
    assert by_org[str(firm.id)] == [
        {
            "kind": "equipment_hours",
            "count": 1,
            "quantity_by_unit": {"hours": "12.5"},
            "valuation_by_currency": {"CNY": "2500.00"},
        }
    ]
    assert set(by_org) == {str(firm.id), str(institute.id)}
    page = (
        await api.client.get(
            f"/consortia/{c['id']}/contributions", params={"organization_id": str(firm.id)}, headers=firm.admin
        )
    ).json()
    assert [x["id"] for x in page["items"]] == [own["id"]]


# ---------------------------------------------------------------------------------------- benefit sharing


async def test_fixed_share_distribution_sums_exactly_and_is_recorded(api: Api) -> None:
    c, college, firm = await api.active()
    institute = await api.org("research_institute")
    c = await api.admit(c, college, institute)
    shares = [(college, "33.33"), (firm, "33.33"), (institute, "33.34")]
    rule = {"kind": "fixed_shares", "shares": [{"organization_id": str(o.id), "percent": p} for o, p in shares]}
    r = await api.client.put(f"/consortia/{c['id']}/benefit-rule", json=rule, headers=college.admin_if(c["version"]))
    assert r.status_code == 200, r.text
    version = r.json()["version"]

    r = await api.client.post(
        f"/consortia/{c['id']}/distributions", json={"amount": "100.01"}, headers=college.admin_if(version)
    )
    assert r.status_code == 201, r.text
    d = r.json()
    assert sum(Decimal(a["amount"]) for a in d["allocations"]) == Decimal("100.01")
    assert all(Decimal(a["amount"]).as_tuple().exponent == -2 for a in d["allocations"])
    assert (d["rule_kind"], d["currency"]) == ("fixed_shares", "CNY")
    r = await api.client.get(r.headers["Location"], headers=firm.admin)
    assert r.status_code == 200 and r.json() == d
    listed = (await api.client.get(f"/consortia/{c['id']}/distributions", headers=institute.admin)).json()
    assert [x["id"] for x in listed["items"]] == [d["id"]]

    # The If-Match used above is stale now: the distribution bumped the consortium's version.
    r = await api.client.post(
        f"/consortia/{c['id']}/distributions", json={"amount": "5.00"}, headers=college.admin_if(version)
    )
    api.problem(r, 409, "version-conflict")
    r = await api.client.post(f"/consortia/{c['id']}/distributions", json={"amount": "0"}, headers=college.admin)
    api.problem(r, 422, field="amount", rule="amount_positive")
    r = await api.client.post(f"/consortia/{c['id']}/distributions", json={"amount": "1.005"}, headers=college.admin)
    api.problem(r, 422, field="amount", rule="amount_precision")


async def test_contribution_weighted_distribution_follows_the_ledger(api: Api) -> None:
    c, college, firm = await api.active()
    r = await api.client.post(f"/consortia/{c['id']}/distributions", json={"amount": "10.00"}, headers=college.admin)
    api.problem(r, 422, field="benefit_rule", rule="benefit_rule_required")
    day = today()
    for org, value in ((college, "1000.00"), (firm, "3000.00")):
        line = {"kind": "funding", "quantity": value, "unit": "CNY", "valuation": value, "contributed_on": day}
        r = await api.client.post(f"/consortia/{c['id']}/contributions", json=line, headers=org.admin)
        assert r.status_code == 201, r.text
    rule = {"kind": "contribution_weighted", "period_from": "2020-01-01", "period_to": day, "kinds": ["funding"]}
    r = await api.client.put(f"/consortia/{c['id']}/benefit-rule", json=rule, headers=college.admin)
    assert r.status_code == 200, r.text
    assert r.json()["benefit_rule"]["kinds"] == ["funding"]

    r = await api.client.post(f"/consortia/{c['id']}/distributions", json={"amount": "999.99"}, headers=college.admin)
    assert r.status_code == 201, r.text
    allocations = {a["organization_id"]: Decimal(a["amount"]) for a in r.json()["allocations"]}
    assert allocations == {str(college.id): Decimal("250.00"), str(firm.id): Decimal("749.99")}


# ------------------------------------------------------------------------------------------- concurrency


async def test_stale_if_match_is_a_version_conflict(api: Api) -> None:
    c, college, firm = await api.active()
    r = await api.client.put(
        f"/consortia/{c['id']}/members/{firm.id}/role",
        json={"role": "core"},
        headers=college.admin_if(c["version"] - 1),
    )
    api.problem(r, 409, "version-conflict")
    r = await api.client.put(
        f"/consortia/{c['id']}/members/{firm.id}/role", json={"role": "core"}, headers=college.admin_if(c["version"])
    )
    assert r.status_code == 200 and r.headers["ETag"] == f'"{c["version"] + 1}"'


async def test_two_concurrent_updates_exactly_one_wins(api: Api) -> None:
    c, college, firm = await api.active()
    path = f"/consortia/{c['id']}/members/{firm.id}/role"
    for _ in range(3):
        current = await api.get(c, college.admin)
        roles = ["core", "observer"] if member_roles(current)[str(firm.id)] != "core" else ["member", "observer"]
        responses = await asyncio.gather(
            *(api.client.put(path, json={"role": role}, headers=college.admin_if(current["version"])) for role in roles)
        )
        assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
        api.problem(next(r for r in responses if r.status_code == 409), 409, "version-conflict")
        winner = next(r for r in responses if r.status_code == 200).json()
        assert (await api.get(c, college.admin))["version"] == winner["version"] == current["version"] + 1


async def test_members_recording_at_once_all_land(api: Api) -> None:
    """Without If-Match, concurrent ledger lines all land; none rewrites the consortium row."""
    c, college, firm = await api.active()
    line = {"kind": "placements", "quantity": "1", "unit": "placements", "valuation": "0", "contributed_on": today()}
    responses = await asyncio.gather(
        *(
            api.client.post(f"/consortia/{c['id']}/contributions", json=line, headers=o.admin)
            for o in [college, firm] * 4
        )
    )
    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses]
    after = await api.get(c, college.admin)
    assert after["version"] == c["version"]
    page = (await api.client.get(f"/consortia/{c['id']}/contributions", headers=firm.admin)).json()
    assert page["total"] == 8


async def test_unknown_consortium_is_404(api: Api) -> None:
    r = await api.client.get(f"/consortia/{uuid.uuid4()}")
    api.problem(r, 404, "not-found")
    org: Org = await api.org()
    r = await api.client.post(f"/consortia/{uuid.uuid4()}/join-requests", json={}, headers=org.admin)
    api.problem(r, 404, "not-found")


async def test_a_join_request_is_visible_to_its_applicant_and_the_insiders_only(api: Api) -> None:
    c, college, firm = await api.active()
    applicant = await api.org()
    r = await api.ask(c, applicant, "observer")
    location = r.headers["Location"]
    for headers in (applicant.admin, college.admin, firm.admin):
        got = await api.client.get(location, headers=headers)
        assert got.status_code == 200, got.text
        assert (got.json()["organization_id"], got.json()["requested_role"]) == (str(applicant.id), "observer")
    r = await api.client.get(location, headers=(await api.org()).admin)
    api.problem(r, 404, "not-found")
    listed = await api.client.get(f"/consortia/{c['id']}/join-requests", headers=applicant.admin)
    assert [x["organization_id"] for x in listed.json()["items"]] == [str(applicant.id)]


async def test_a_member_removed_on_the_day_of_dissolution_does_not_regain_the_books(api: Api) -> None:
    c, college, firm = await api.active()
    institute = await api.org("research_institute")
    c = await api.admit(c, college, institute)
    r = await api.client.post(
        f"/consortia/{c['id']}/contributions",
        json={"kind": "funding", "quantity": "1", "unit": "CNY", "valuation": "1.00", "contributed_on": today()},
        headers=firm.admin,
    )
    assert r.status_code == 201, r.text
    r = await api.client.delete(f"/consortia/{c['id']}/members/{institute.id}", headers=college.admin)
    assert r.status_code == 200, r.text
    c = await api.get(c)
    r = await api.client.post(f"/consortia/{c['id']}/dissolve", headers=college.admin_if(c["version"]))
    assert r.status_code == 200, r.text
    c = r.json()
    for path in ("contributions", "ledger", "distributions"):
        r = await api.client.get(f"/consortia/{c['id']}/{path}", headers=institute.admin)
        api.problem(r, 403, "forbidden")
        r = await api.client.get(f"/consortia/{c['id']}/{path}", headers=firm.admin)
        assert r.status_code == 200, (path, r.text)


async def test_a_ledger_line_leaves_the_consortium_row_alone(api: Api) -> None:
    """Lines are rows of their own: recording one neither rewrites the consortium (outsiders watching its
    version, ETag or updated_at learn nothing) nor queues on it, so members recording at once all succeed."""
    c, college, firm = await api.active()
    before = await api.client.get(f"/consortia/{c['id']}")
    line = {"kind": "funding", "quantity": "1", "unit": "CNY", "valuation": "1.00", "contributed_on": today()}
    results = await asyncio.gather(
        *[
            api.client.post(f"/consortia/{c['id']}/contributions", json=line, headers=who.admin_if(c["version"]))
            for who in (college, firm, college, firm)
        ]
    )
    assert [r.status_code for r in results] == [201] * 4, [r.text for r in results]
    after = await api.client.get(f"/consortia/{c['id']}")
    assert after.headers["ETag"] == before.headers["ETag"]
    assert (after.json()["version"], after.json()["updated_at"]) == (c["version"], before.json()["updated_at"])
    r = await api.client.get(f"/consortia/{c['id']}/contributions", headers=firm.admin)
    assert r.json()["total"] == 4
    # A stale If-Match is still refused, though the line does not move the version.
    r = await api.client.post(f"/consortia/{c['id']}/contributions", json=line, headers=firm.admin_if(c["version"] - 1))
    api.problem(r, 409, "version-conflict")
