"""The HTTP contract over the real app: 405 with Allow, unreadable bodies as the documented 422, ISO dates."""

from __future__ import annotations

import json

import pytest
from dovetail_shared.testing.contracts import assert_http_contract

from .conftest import Api

pytestmark = pytest.mark.integration


async def test_methods_and_unreadable_bodies_answer_as_documented(api: Api) -> None:
    await assert_http_contract(api.client, "internships", api.college_admin())


@pytest.mark.parametrize("bad", [0, "0", 1700000000, "2026-02-30", "2026-1-5"])
async def test_a_date_is_an_iso_calendar_date_only(api: Api, bad: object) -> None:
    r = await api.client.post("/postings", json=api.posting_body(start_date=bad), headers=api.firm_admin())
    api.problem(r, 422, "validation-failed", field="start_date")


async def test_text_refuses_nul_and_lone_surrogates(api: Api) -> None:
    for bad in ("Weld\\u0000er", "Weld\\ud800"):
        body = api.posting_body(title="X")
        content = json.dumps(body).replace('"X"', '"' + bad + '"')
        headers = api.firm_admin() | {"Content-Type": "application/json"}
        r = await api.client.post("/postings", content=content, headers=headers)
        api.problem(r, 422, field="title", rule="storable_text")


async def test_a_time_of_day_is_a_time(api: Api) -> None:
    flow = await api.active()
    r = await api.entry(flow, 422, start_time="25:00")
    api.problem(r, 422, field="start_time")


@pytest.mark.parametrize("bad", ["9:00", "09:00:30", "09:00+08:00", "24:00", 900])
async def test_a_logbook_time_is_local_hh_mm(api: Api, bad: object) -> None:
    flow = await api.active()
    r = await api.entry(flow, 422, start_time=bad)
    api.problem(r, 422, field="start_time")
