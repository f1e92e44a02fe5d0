"""``GET /curricula?ids=``: the gateway's batch lookup answers exactly what the single reads answer."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.integration


async def test_batch_lookup_by_ids_shows_what_single_reads_show(api: Any) -> None:
    """A published curriculum is there for everyone; a draft only for its college, its co-authors and operators
    (as ``GET /curricula/{id}``); an unknown id is simply absent."""
    published = await api.published()
    draft = await api.create(co_author_ids=[str(api.orgs.firm_a)])
    ids = [published["id"], draft["id"], str(uuid.uuid4())]
    for headers, expected in (
        ({}, {published["id"]}),
        (api.firm_admin(api.orgs.outsider), {published["id"]}),
        (api.as_("college_admin", uuid.uuid4()), {published["id"]}),
        (api.college_admin(), {published["id"], draft["id"]}),
        (api.firm_admin(api.orgs.firm_a), {published["id"], draft["id"]}),
        (api.as_("operator", None), {published["id"], draft["id"]}),
    ):
        r = await api.client.get("/curricula", params={"ids": ids, "limit": 3}, headers=headers)
        assert r.status_code == 200, r.text
        assert {c["id"] for c in r.json()["items"]} == expected
        singles = {i for i in ids if (await api.client.get(f"/curricula/{i}", headers=headers)).status_code == 200}
        assert singles == expected


async def test_batch_lookup_refuses_more_than_a_page_of_ids(api: Any) -> None:
    r = await api.client.get("/curricula", params={"ids": [str(uuid.uuid4())] * 201})
    api.problem(r, 422, "validation-failed")
