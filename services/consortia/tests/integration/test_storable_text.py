"""Text PostgreSQL cannot store (a lone surrogate, a NUL) is a named 422 on every text input, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Api

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("bad", ["\ud800", "a\udc00b", "a\x00b"])
async def test_unstorable_text_is_refused_field_by_field(api: Api, bad: str) -> None:
    c, college, firm = await api.active()
    org = api.org_body("college")
    contribution = {
        "kind": "funding",
        "quantity": "10",
        "unit": "CNY",
        "valuation": "10",
        "currency": "CNY",
        "contributed_on": "2026-01-05",
    }
    cases: list[tuple[str, str, Any, dict[str, str], str]] = [
        *[
            ("POST", "/organizations", {**org, f: bad}, api.as_("learner"), f)
            for f in ("name", "name_zh", "region", "registration_number")
        ],
        ("POST", f"/organizations/{firm.id}/reject", {"reason": bad}, api.operator(), "reason"),
        *[
            ("POST", "/consortia", {"name": "n", "kind": "project", "charter": "c", f: bad}, college.admin, f)
            for f in ("name", "name_zh", "charter")
        ],
        ("POST", f"/consortia/{c['id']}/join-requests/{c['id']}/reject", {"reason": bad}, college.admin, "reason"),
        *[
            ("POST", f"/consortia/{c['id']}/contributions", {**contribution, f: bad}, college.admin, f)
            for f in ("unit", "currency")
        ],
        ("POST", f"/consortia/{c['id']}/distributions", {"amount": "10", "currency": bad}, college.admin, "currency"),
    ]
    for method, url, body, headers, field in cases:
        # json.dumps escapes a lone surrogate as "\ud800", valid JSON text (httpx's own encoder refuses it).
        r = await api.client.request(
            method, url, content=json.dumps(body), headers={**headers, "Content-Type": "application/json"}
        )
        api.problem(r, 422, "validation-failed", field=field, rule="storable_text")
    if "\x00" in bad:  # a query string is percent-encoded UTF-8: a lone surrogate cannot even be sent
        r = await api.client.get("/organizations", params={"region": bad})
        api.problem(r, 422, "validation-failed", field="region", rule="storable_text")
