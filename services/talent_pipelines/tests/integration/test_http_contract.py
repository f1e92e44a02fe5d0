"""The HTTP contract over the real app: 405 with Allow, unreadable bodies as the documented 422, ISO dates."""

from __future__ import annotations

import json

import pytest
from dovetail_shared.testing.contracts import assert_http_contract

from .conftest import Api

pytestmark = pytest.mark.integration


async def test_methods_and_unreadable_bodies_answer_as_documented(api: Api) -> None:
    await assert_http_contract(api.client, "talent_pipelines", api.firm())


@pytest.mark.parametrize("bad", [0, "0", 1700000000, "2026-02-30", "2026-1-5"])
async def test_a_date_is_an_iso_calendar_date_only(api: Api, bad: object) -> None:
    r = await api.client.post("/demands", json=api.demand_body(needed_by=bad), headers=api.firm())
    api.problem(r, 422, "validation-failed", field="needed_by")


async def test_text_refuses_nul_and_lone_surrogates(api: Api) -> None:
    for bad in ("Welder\\u0000", "Welder\\ud800"):
        body = json.dumps(api.demand_body(role_title="X")).replace('"X"', '"' + bad + '"')
        r = await api.client.post("/demands", content=body, headers=api.firm() | {"Content-Type": "application/json"})
        api.problem(r, 422, field="role_title", rule="storable_text")
