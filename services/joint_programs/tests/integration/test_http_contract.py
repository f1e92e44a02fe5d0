"""The HTTP contract over the real app: 405 with Allow, unreadable bodies as the documented 422, ISO dates."""

from __future__ import annotations

import pytest
from dovetail_shared.testing.contracts import assert_http_contract

from .conftest import Api

pytestmark = pytest.mark.integration


async def test_methods_and_unreadable_bodies_answer_as_documented(api: Api) -> None:
    await assert_http_contract(api.client, "joint_programs", api.college_admin())


@pytest.mark.parametrize("bad", [0, "0", 1700000000, "2026-02-30", "2026-1-5"])
async def test_a_date_is_an_iso_calendar_date_only(api: Api, bad: object) -> None:
    body = {"name": "Li", "student_number": "D1", "date_of_birth": bad}
    r = await api.client.post("/learners", json=body, headers=api.college_admin())
    api.problem(r, 422, "validation-failed", field="date_of_birth")


async def test_text_refuses_nul_and_lone_surrogates(api: Api) -> None:
    # Sent as JSON escapes, as a client would: a lone surrogate cannot even be encoded as UTF-8 here.
    for bad in ("Li\\u0000Wei", "Li\\ud800"):
        content = '{"name": "' + bad + '", "student_number": "T1", "date_of_birth": "2006-01-01"}'
        headers = api.college_admin() | {"Content-Type": "application/json"}
        r = await api.client.post("/learners", content=content, headers=headers)
        api.problem(r, 422, field="name", rule="storable_text")
