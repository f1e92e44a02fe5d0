"""Assertions every service's tests share: problem+json responses and the committed OpenAPI document."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs

from dovetail_shared.events.schemas import SCHEMA_DIR
from dovetail_shared.http.problems import MEDIA_TYPE, PROBLEM_BASE

ROOT = Path(__file__).resolve().parents[3]


def committed_validator(event_type: str) -> Any:
    """A validator for the committed schema file: that file, not the code, is the contract consumers hold."""
    schema = json.loads((SCHEMA_DIR / f"{event_type}.json").read_text())
    return jsonschema_rs.validator_for(schema, validate_formats=True)


def assert_problem(
    r: httpx.Response, status: int, slug: str | None = None, *, field: str | None = None, rule: str | None = None
) -> dict[str, Any]:
    """Assert an RFC 9457 response; with ``field``/``rule`` also that one violation names exactly them."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"].split(";")[0] == MEDIA_TYPE, r.headers
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["title"] and body["detail"]
    if slug is not None:
        assert body["type"] == PROBLEM_BASE + slug, body
    if field is not None or rule is not None:
        pairs = [(v["field"], v["rule"]) for v in body["violations"]]
        assert any((field is None or f == field) and (rule is None or ru == rule) for f, ru in pairs), (
            f"no violation ({field}, {rule}) in {pairs}"
        )
    return body


def render_openapi(document: dict[str, Any]) -> str:
    """The one serialisation the export script and the contract tests use, so a diff means a real change."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate_openapi(service: str) -> dict[str, Any]:
    """The service's OpenAPI as its app serves it; building the app opens no connection (lifespan does)."""
    from dovetail_shared.registry import spec

    document: dict[str, Any] = spec(service).create_app().openapi()
    return document


def openapi_path(service: str) -> Path:
    return ROOT / "services" / service / "openapi.json"


def assert_openapi_committed(service: str) -> None:
    """The committed ``services/<service>/openapi.json`` is the HTTP contract: it must match the app."""
    committed_path = openapi_path(service)
    assert committed_path.exists(), f"{committed_path} is missing: run `make schemas` and commit it"
    generated = render_openapi(generate_openapi(service))
    committed = committed_path.read_text()
    if committed != generated:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    generated.splitlines(keepends=True),
                    "committed openapi.json",
                    "generated",
                    n=2,
                )
            )[:80]
        )
        raise AssertionError(
            f"services/{service}/openapi.json differs from the app's OpenAPI: run `make schemas` and commit the "
            f"result (if the change is intended, clients must be told).\n{diff}"
        )


def assert_operations_document_problems(service: str) -> None:
    """Clients rely on problem+json for every error; the document must say so where errors can happen."""
    document = json.loads(openapi_path(service).read_text())
    for path, item in document["paths"].items():
        if path in ("/healthz", "/readyz"):
            continue
        for method, op in item.items():
            assert "422" in op["responses"], f"{method.upper()} {path} does not document 422"
            assert MEDIA_TYPE in op["responses"]["422"]["content"], f"{method.upper()} {path}"
