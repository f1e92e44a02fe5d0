"""The HTTP contract over the real app: 405 with Allow, unreadable bodies as the documented 422, ISO dates."""

from __future__ import annotations

import pytest
from dovetail_shared.testing.contracts import assert_http_contract

from .conftest import Api

pytestmark = pytest.mark.integration


async def test_methods_and_unreadable_bodies_answer_as_documented(api: Api) -> None:
    await assert_http_contract(api.client, "consortia", api.operator())


@pytest.mark.parametrize("bad", ["0", "1700000000", "2026-02-30", "20260105"])
async def test_date_parameters_are_iso_calendar_dates_only(api: Api, bad: str) -> None:
    c, college, _firm = await api.active()
    for path in ("ledger", "contributions"):
        for name in ("from", "to"):
            r = await api.client.get(f"/consortia/{c['id']}/{path}", params={name: bad}, headers=college.admin)
            api.problem(r, 422, "validation-failed", field=name)
        r = await api.client.get(
            f"/consortia/{c['id']}/{path}", params={"from": "2026-01-01", "to": "2026-12-31"}, headers=college.admin
        )
        assert r.status_code == 200, r.text
    body = {"kind": "funding", "quantity": "1", "unit": "CNY", "valuation": "1", "contributed_on": 0}
    r = await api.client.post(f"/consortia/{c['id']}/contributions", json=body, headers=college.admin)
    api.problem(r, 422, "validation-failed", field="contributed_on")
