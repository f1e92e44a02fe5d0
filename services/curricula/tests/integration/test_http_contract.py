"""The HTTP contract over the real app: 405 with Allow, unreadable bodies as the documented 422, ISO dates."""

from __future__ import annotations

import pytest
from dovetail_shared.testing.contracts import assert_http_contract

from .conftest import Api

pytestmark = pytest.mark.integration


async def test_methods_and_unreadable_bodies_answer_as_documented(api: Api) -> None:
    await assert_http_contract(api.client, "curricula", api.college_admin())


@pytest.mark.parametrize("bad", [0, "0", 1700000000, "1700000000", "2026-02-30", "2026-1-5"])
async def test_a_date_is_an_iso_calendar_date_only(api: Api, bad: object) -> None:
    c = await api.create()
    r = await api.client.put(
        f"/curricula/{c['id']}/draft",
        json={"modules": [api.module("W1")], "effective_date": bad},
        headers=api.college_admin(if_match=c["version"]),
    )
    api.problem(r, 422, "validation-failed", field="effective_date")
    r = await api.client.put(
        f"/curricula/{c['id']}/draft",
        json={"modules": [api.module("W1")], "effective_date": "2026-09-01"},
        headers=api.college_admin(if_match=c["version"]),
    )
    assert r.status_code == 200, r.text
