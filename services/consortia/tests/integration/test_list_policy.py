"""Every list's SQL filter agrees with the domain predicate it stands for (policy.py), over the real app.

The organisations list filters visibility in SQL (``OrganizationRepository.visible_to``); the predicate is
``can_view_organization``, applied by GET /organizations/{id}. Whatever the list shows, GET opens, and back.
The consortia list's ``organization_id`` filter (a GIN-indexed array) stands for ``is_active_member``.
"""

from __future__ import annotations

import uuid

import pytest
from consortia.domain import Membership, is_active_member

from .conftest import Api

pytestmark = pytest.mark.integration


async def test_organisations_list_shows_exactly_what_get_opens(api: Api) -> None:
    region = f"region-{uuid.uuid4().hex[:8]}"
    registrant = f"user-{uuid.uuid4().hex[:6]}"
    by_registrant = api.as_("learner", sub=registrant)
    verified = await api.register("enterprise", region=region)
    await api.verify(verified)
    pending = await api.register("college", headers=by_registrant, region=region)
    rejected = await api.register("enterprise", region=region)
    r = await api.client.post(
        f"/organizations/{rejected['id']}/reject", json={"reason": "no such firm"}, headers=api.operator(1)
    )
    assert r.status_code == 200, r.text
    everything = {verified["id"], pending["id"], rejected["id"]}
    callers = {
        "anonymous": ({}, {verified["id"]}),
        "the registrant of the pending one": (by_registrant, {verified["id"], pending["id"]}),
        "an admin of the pending one": (
            api.as_("college_admin", org=uuid.UUID(pending["id"])),
            {verified["id"], pending["id"]},
        ),
        "an admin of the rejected one": (
            api.as_("firm_admin", org=uuid.UUID(rejected["id"])),
            {verified["id"], rejected["id"]},
        ),
        "another firm's admin": (api.as_("firm_admin", org=uuid.uuid4()), {verified["id"]}),
        "operator": (api.operator(), everything),
    }
    for who, (headers, expected) in callers.items():
        page = (await api.client.get("/organizations", params={"region": region}, headers=headers)).json()
        listed = {o["id"] for o in page["items"]}
        assert (listed, page["total"]) == (expected, len(expected)), who
        opened = {
            o for o in everything if (await api.client.get(f"/organizations/{o}", headers=headers)).status_code == 200
        }
        assert opened == listed, f"{who}: the list's SQL and can_view_organization disagree"


async def test_consortia_member_filter_is_the_active_member_predicate(api: Api) -> None:
    c1, lead1, firm = await api.active()  # firm: active member of c1
    c2, lead2, other = await api.active()
    c2 = await api.admit(c2, lead2, firm)
    r = await api.client.delete(f"/consortia/{c2['id']}/members/{firm.id}", headers=firm.admin_if(c2["version"]))
    assert r.status_code == 200, r.text  # firm left c2
    c3 = await api.form(lead1)
    await api.ask(c3, firm)  # pending request only
    c4 = await api.form(await api.org("enterprise"))
    ours = [c1, c2, c3, c4]
    for org_id in (firm.id, lead1.id, lead2.id, other.id):
        page = (await api.client.get("/consortia", params={"organization_id": str(org_id), "limit": 200})).json()
        listed = {c["id"] for c in page["items"]} & {c["id"] for c in ours}
        expected = set()
        for c in ours:
            full = await api.get(c, api.operator())  # operators see every membership, past ones included
            memberships = [Membership.model_validate(m) for m in full["memberships"]]
            if is_active_member(memberships, org_id):
                expected.add(c["id"])
        assert listed == expected, f"organization_id={org_id}: SQL filter and is_active_member disagree"
