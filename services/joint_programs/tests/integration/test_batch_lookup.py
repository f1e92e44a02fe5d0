"""``GET /programs?ids=``: the gateway's batch lookup answers exactly what the single reads answer."""

from __future__ import annotations

import uuid

import pytest

from .conftest import Api

pytestmark = pytest.mark.integration


async def test_batch_lookup_by_ids_shows_what_single_reads_show(api: Api) -> None:
    """The owner, a partner and an operator see the program; another college, a non-partner firm and a learner
    do not, in the batch exactly as in ``GET /programs/{id}``; an unknown id is simply absent."""
    mine = await api.propose()
    theirs = await api.propose(partner_ids=[str(api.orgs.firm_b)], committed_intake=[])
    ids = [mine["id"], theirs["id"], str(uuid.uuid4())]
    for headers, expected in (
        (api.college_admin(), {mine["id"], theirs["id"]}),
        (api.firm_admin(api.orgs.firm_a), {mine["id"]}),
        (api.firm_admin(api.orgs.firm_b), {mine["id"], theirs["id"]}),
        (api.as_("operator", None), {mine["id"], theirs["id"]}),
        (api.as_("college_admin", api.orgs.other_college), set()),
        (api.firm_admin(api.orgs.outsider), set()),
        (api.as_("learner", api.orgs.college), set()),
    ):
        r = await api.client.get("/programs", params={"ids": ids, "limit": 3}, headers=headers)
        assert r.status_code == 200, r.text
        assert {p["id"] for p in r.json()["items"]} == expected
        singles = {i for i in ids if (await api.client.get(f"/programs/{i}", headers=headers)).status_code == 200}
        assert singles == expected
    assert (await api.client.get("/programs", params={"ids": ids})).status_code == 401


async def test_batch_lookup_refuses_more_than_a_page_of_ids(api: Api) -> None:
    r = await api.client.get("/programs", params={"ids": [str(uuid.uuid4())] * 201}, headers=api.college_admin())
    api.problem(r, 422, "validation-failed")
