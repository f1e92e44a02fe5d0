"""Assertions every service's tests share: problem+json responses and the committed OpenAPI document."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs

from dovetail_shared.events.schemas import SCHEMA_DIR
from dovetail_shared.http.problems import MEDIA_TYPE, PROBLEM_BASE
from dovetail_shared.text import STORABLE_PATTERN

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


# String formats the framework parses itself into non-text values (never stored as free text).
_PARSED_FORMATS = {"uuid", "date", "date-time", "time", "duration", "binary", "decimal"}


def _plain_strings(schema: Any, components: dict[str, Any], where: str, seen: set[str]) -> list[str]:
    """Every string schema reachable from ``schema`` that a client fills freely without the storable pattern."""
    if not isinstance(schema, dict):
        return []
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return []
        seen.add(name)
        return _plain_strings(components.get(name, {}), components, name, seen)
    out: list[str] = []
    if schema.get("type") == "string" and "enum" not in schema and "const" not in schema:
        fmt = schema.get("format")
        if fmt not in _PARSED_FORMATS and schema.get("pattern") != STORABLE_PATTERN:
            out.append(f"{where}: not Text")
        if fmt not in _PARSED_FORMATS and "maxLength" not in schema:
            out.append(f"{where}: no maxLength")
    if schema.get("type") == "array" and "maxItems" not in schema:
        out.append(f"{where}: no maxItems")
    for key in ("anyOf", "oneOf", "allOf"):
        subs = schema.get(key, [])
        # A number that may also be sent as a string (Decimal) is parsed, not stored as text.
        numeric = any(isinstance(sub, dict) and sub.get("type") in ("number", "integer") for sub in subs)
        for sub in subs:
            if not (numeric and isinstance(sub, dict) and sub.get("type") == "string"):
                out += _plain_strings(sub, components, where, seen)
    if "items" in schema:
        out += _plain_strings(schema["items"], components, f"{where}[]", seen)
    for name, sub in schema.get("properties", {}).items():
        out += _plain_strings(sub, components, f"{where}.{name}", seen)
    if isinstance(schema.get("additionalProperties"), dict):
        out += _plain_strings(schema["additionalProperties"], components, f"{where}{{}}", seen)
    return out


def assert_inputs_are_storable_and_bounded(service: str) -> None:
    """Every free-text input (body field, path or query parameter) is the shared ``Text`` (it refuses NUL and
    lone surrogates; the document shows that by its pattern) with a ``maxLength``, and every list a client
    sends has a ``maxItems``. Headers are framework-parsed and skipped."""
    document = json.loads(openapi_path(service).read_text())
    components = document.get("components", {}).get("schemas", {})
    missing: list[str] = []
    for path, item in document["paths"].items():
        for method, op in item.items():
            name = f"{method.upper()} {path}"
            for param in op.get("parameters", []):
                if param.get("in") in ("path", "query"):
                    missing += _plain_strings(param.get("schema", {}), components, f"{name} {param['name']}", set())
            body = op.get("requestBody", {}).get("content", {})
            for media in body.values():
                missing += _plain_strings(media.get("schema", {}), components, f"{name} body", set())
    assert not missing, f"unbounded or non-Text inputs: {sorted(set(missing))}"


_METHODS = ("get", "post", "put", "patch", "delete")


def _concrete(template: str) -> str:
    # Any syntactically valid value: routing (and so 405) is decided before a parameter is parsed.
    return re.sub(r"\{[^}/]+\}", "00000000-0000-4000-8000-000000000001", template)


async def assert_http_contract(client: httpx.AsyncClient, service: str, headers: dict[str, str]) -> None:
    """Over the real app: every undocumented method on a documented path is a 405 problem whose ``Allow``
    lists exactly the documented methods, and every operation with a body answers a body the parser cannot
    read (JSON nested past its depth, broken JSON) with the documented 422, never a 400 or a 500."""
    document = json.loads(openapi_path(service).read_text())
    for template, item in document["paths"].items():
        path = _concrete(template)
        documented = {m.upper() for m in item}
        for method in _METHODS:
            if method.upper() in documented:
                continue
            r = await client.request(method.upper(), path, headers=headers)
            assert_problem(r, 405, "method-not-allowed")
            allow = {m.strip() for m in r.headers.get("allow", "").split(",") if m.strip()}
            assert allow == documented, f"{method.upper()} {template}: Allow {allow} != documented {documented}"
        for method, op in item.items():
            if "requestBody" not in op:
                continue
            for body in ("[" * 5_000 + "]" * 5_000, '{"a": '):
                r = await client.request(
                    method.upper(), path, content=body, headers={**headers, "Content-Type": "application/json"}
                )
                assert_problem(r, 422, "validation-failed", field="body", rule="json_invalid")
