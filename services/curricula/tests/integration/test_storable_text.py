"""Text PostgreSQL cannot store (a lone surrogate, a NUL) is a named 422 on every text input, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Api

pytestmark = pytest.mark.integration

LONE = "\ud800"


def raw(body: Any) -> dict[str, Any]:
    # json.dumps escapes the lone surrogate as "\ud800", which is valid JSON text (httpx's encoder refuses it).
    return {"content": json.dumps(body), "headers": {"Content-Type": "application/json"}}


async def send(api: Api, method: str, url: str, body: Any, headers: dict[str, str]) -> Any:
    kwargs = raw(body)
    kwargs["headers"] = {**kwargs["headers"], **headers}
    return await api.client.request(method, url, **kwargs)


@pytest.mark.parametrize("bad", [LONE, "a\udc00b", "a\x00b"])
async def test_unstorable_text_is_refused_field_by_field(api: Api, bad: str) -> None:
    created = await api.create()
    c = await api.put_draft(created, [api.module("W1")])
    module = api.module("W1")
    cases: list[tuple[str, str, Any, str]] = [
        ("POST", "/curricula", api.curriculum_body(title=bad), "title"),
        ("POST", "/curricula", api.curriculum_body(title_zh=bad), "title_zh"),
        ("POST", "/curricula", api.curriculum_body(target_occupation=bad), "target_occupation"),
        ("PATCH", f"/curricula/{c['id']}", {"title": bad}, "title"),
        ("PUT", f"/curricula/{c['id']}/draft", {"modules": [{**module, "code": bad}]}, "modules[0].code"),
        ("PUT", f"/curricula/{c['id']}/draft", {"modules": [{**module, "title": bad}]}, "modules[0].title"),
        (
            "PUT",
            f"/curricula/{c['id']}/draft",
            {"modules": [{**module, "outcomes": [{"description": bad, "skills": []}]}]},
            "modules[0].outcomes[0].description",
        ),
        (
            "PUT",
            f"/curricula/{c['id']}/draft",
            {"modules": [{**module, "outcomes": [{"description": "x", "skills": [{"skill_id": bad, "level": 2}]}]}]},
            "modules[0].outcomes[0].skills[0].skill_id",
        ),
        (
            "POST",
            f"/curricula/{c['id']}/proposals",
            {"diff": {"add_modules": [{**module, "code": bad}]}, "rationale": "why"},
            "diff.add_modules[0].code",
        ),
        (
            "POST",
            f"/curricula/{c['id']}/proposals",
            {"diff": {"remove_module_codes": [bad]}, "rationale": "why"},
            "diff.remove_module_codes[0]",
        ),
        (
            "POST",
            f"/curricula/{c['id']}/proposals",
            {"diff": {"remove_module_codes": ["W1"]}, "rationale": bad},
            "rationale",
        ),
        ("POST", f"/curricula/{c['id']}/draft/reviews", {"decision": "approve", "comment": bad}, "comment"),
    ]
    for method, url, body, field in cases:
        r = await send(api, method, url, body, api.college_admin(if_match=c["version"]))
        api.problem(r, 422, "validation-failed", field=field, rule="storable_text")
    # A query string arrives percent-encoded UTF-8: a lone surrogate cannot be encoded by a client at all,
    # so only NUL reaches the service this way.
    if "\x00" in bad:
        r = await api.client.get("/curricula", params={"occupation": bad})
        api.problem(r, 422, "validation-failed", field="occupation", rule="storable_text")
