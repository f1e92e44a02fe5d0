"""Outsiders see the public view's own version, ETag and timestamp: private work does not move them (ADR 0009)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.integration

Json = dict[str, Any]


async def outsider_sees(api: Any, c: Json) -> list[tuple[str, Json, str | None]]:
    """What anonymous callers, a learner and a firm outside the partnership get for the curriculum and in lists."""
    out = []
    for who, headers in (
        ("anonymous", {}),
        ("learner", api.as_("learner", None)),
        ("other firm", api.firm_admin(api.orgs.outsider)),
    ):
        r = await api.client.get(f"/curricula/{c['id']}", headers=headers)
        assert r.status_code == 200, r.text
        out.append((who, r.json(), r.headers["ETag"]))
        page = await api.client.get("/curricula", params={"college_id": str(api.orgs.college)}, headers=headers)
        (item,) = [x for x in page.json()["items"] if x["id"] == c["id"]]
        out.append((f"{who} in the list", item, None))
    return out


async def test_private_work_does_not_change_what_outsiders_see(api: Any) -> None:
    orgs, tax = api.orgs, api.tax
    c = await api.published(co_author_ids=[orgs.firm_a], approval_rule="all_co_authors")
    before = await outsider_sees(api, c)
    etag = before[0][2]
    assert etag == f'"p{before[0][1]["version"]}"', "outsiders get the public view's version as a p-ETag"
    insider_version = c["version"]

    # Everything the partnership does in private: a new draft, edits, review rounds, a proposal and its review.
    c = await api.step(c, "/draft", expect=201)
    c = await api.put_draft(c, [api.module("W1", 50), api.module("N1", 10, [(tax.skills[3], 1)])])
    c = await api.step(c, "/draft/submit")
    r = await api.client.post(
        f"/curricula/{c['id']}/draft/reviews",
        json={"decision": "request_changes", "comment": "more hours"},
        headers=api.firm_admin(orgs.firm_a, if_match=c["version"]),
    )
    assert r.status_code == 200, r.text
    c = r.json()
    r = await api.client.delete(f"/curricula/{c['id']}/draft", headers=api.college_admin(c["version"]))
    assert r.status_code == 200, r.text
    c = r.json()
    r = await api.client.post(
        f"/curricula/{c['id']}/proposals",
        json={"diff": {"add_modules": [api.module("P1", 30)]}, "rationale": "robots"},
        headers=api.firm_admin(orgs.firm_a),
    )
    assert r.status_code == 201, r.text
    p = r.json()
    r = await api.client.post(
        f"/proposals/{p['id']}/reviews", json={"decision": "approve"}, headers=api.college_admin(p["version"])
    )
    assert r.status_code == 200, r.text
    r = await api.client.post(f"/proposals/{p['id']}/accept", headers=api.college_admin(r.json()["version"]))
    assert r.status_code == 200, r.text

    insider = await api.client.get(f"/curricula/{c['id']}", headers=api.college_admin())
    assert insider.json()["version"] > insider_version + 4, "the aggregate's version did move"
    assert insider.headers["ETag"] == f'"{insider.json()["version"]}"'
    assert insider.json()["updated_at"] > before[0][1]["updated_at"]
    # ... and outsiders saw none of it: same body, same version, same timestamp, same ETag, in every read.
    assert await outsider_sees(api, c) == before


async def test_public_changes_move_the_public_view(api: Any) -> None:
    orgs = api.orgs
    c = await api.published(co_author_ids=[orgs.firm_a])
    (_, first, first_etag) = (await outsider_sees(api, c))[0]
    assert first_etag == f'"p{first["version"]}"'

    r = await api.client.patch(
        f"/curricula/{c['id']}", json={"title": "Welding robots"}, headers=api.college_admin(c["version"])
    )
    assert r.status_code == 200, r.text
    c = r.json()
    (_, renamed, renamed_etag) = (await outsider_sees(api, c))[0]
    assert renamed["title"] == "Welding robots"
    assert renamed["version"] == first["version"] + 1 and renamed_etag == f'"p{first["version"] + 1}"'
    assert renamed["updated_at"] > first["updated_at"]
    assert renamed["updated_at"] == c["updated_at"], "a public change is stamped with the aggregate's instant"

    # Publishing the next version is public too.
    c = await api.step(c, "/draft", expect=201)
    c = await api.step(c, "/draft/submit")
    c = await api.review(c, orgs.firm_a)
    c = await api.step(c, "/publish")
    (_, republished, republished_etag) = (await outsider_sees(api, c))[0]
    assert [v["number"] for v in republished["versions"]] == [2]
    assert republished["version"] == renamed["version"] + 1
    assert republished_etag != renamed_etag and republished["updated_at"] > renamed["updated_at"]

    # Retiring the published version takes it out of public view altogether.
    r = await api.client.post(f"/curricula/{c['id']}/versions/2/retire", headers=api.college_admin(c["version"]))
    assert r.status_code == 200, r.text
    assert (await api.client.get(f"/curricula/{c['id']}")).status_code == 404


async def test_insiders_get_the_aggregate_version_and_a_public_etag_is_no_write_precondition(api: Any) -> None:
    orgs = api.orgs
    c = await api.published(co_author_ids=[orgs.firm_a])
    for headers in (api.college_admin(), api.firm_admin(orgs.firm_a), api.as_("teacher", orgs.college)):
        r = await api.client.get(f"/curricula/{c['id']}", headers=headers)
        assert r.headers["ETag"] == f'"{c["version"]}"' and r.json()["version"] == c["version"]
        assert r.json()["updated_at"] == c["updated_at"]
    public_etag = (await api.client.get(f"/curricula/{c['id']}")).headers["ETag"]
    r = await api.client.patch(f"/curricula/{c['id']}", json={"title": "x"}, headers=api.college_admin(public_etag))
    api.problem(r, 422, field="If-Match", rule="integer_version")
