"""RFC 9457 problem+json for every error a client can cause, mapped in one place."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from dovetail_shared.errors import DomainError
from dovetail_shared.logging import correlation_id_var, get_logger

log = get_logger(__name__)
PROBLEM_BASE = "https://dovetail.dev/problems/"
MEDIA_TYPE = "application/problem+json"


class ViolationOut(BaseModel):
    field: str
    rule: str
    message: str


class Problem(BaseModel):
    """The body of every error response."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    violations: list[ViolationOut] = []


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    violations: list[dict[str, Any]] | None = None,
    retry_after: int | None = None,
    extra_headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        violations=[ViolationOut(**v) for v in violations or []],
    )
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    headers.update(extra_headers or {})
    if status == 503 or retry_after is not None:
        headers["Retry-After"] = str(retry_after or 5)
    cid = correlation_id_var.get()
    if cid:
        # The outermost error middleware answers 500s outside our correlation middleware: echo it here too.
        headers["X-Correlation-ID"] = cid
    return JSONResponse(body.model_dump(), status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")] or list(loc)
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    violations = [{"field": v.field, "rule": v.rule, "message": v.message} for v in exc.violations]
    return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, violations, exc.retry_after)


def _violation_of(error: dict[str, Any]) -> dict[str, Any]:
    rule = str(error.get("type", "invalid"))
    if rule == "json_invalid":  # its loc is ("body", <character offset>): the field is the body itself
        return {"field": "body", "rule": rule, "message": f"not a JSON document: {error.get('msg', '')}"}
    return {"field": _field_of(tuple(error.get("loc", ()))), "rule": rule, "message": error.get("msg", "")}


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    violations = [_violation_of(e) for e in exc.errors()]
    detail = "; ".join(f"{v['field']}: {v['message']}" for v in violations) or "invalid request"
    return problem_response(request, 422, "validation-failed", "Validation failed", detail, violations)


def _allowed_methods(request: Request) -> str:
    """Every method served at this path. Starlette's own Allow names only the first route whose path matched,
    and a path here usually has one route per method, so the answer comes from the documented paths (and the
    undocumented framework routes such as /docs)."""
    app = request.app
    table: list[tuple[re.Pattern[str], set[str]]] | None = getattr(app.state, "allow_table", None)
    if table is None:
        table = []
        for template, item in app.openapi().get("paths", {}).items():
            regex = re.compile("^" + re.sub(r"\\{[^}/]+\\}", "[^/]+", re.escape(template)) + "$")
            table.append((regex, {m.upper() for m in item if m.upper() in _HTTP_METHODS}))
        for route in app.routes:
            if isinstance(getattr(route, "path_regex", None), re.Pattern) and getattr(route, "methods", None):
                table.append((route.path_regex, set(route.methods)))
        app.state.allow_table = table
    methods: set[str] = set()
    for regex, allowed in table:
        if regex.match(request.url.path):
            methods |= allowed
    return ", ".join(sorted(methods))


_HTTP_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # The framework's only 400: a body it could not parse at all (e.g. JSON nested beyond the parser's
        # depth). Like any other unreadable body it is a documented 422, naming the body (ADR 0016).
        return problem_response(
            request,
            422,
            "validation-failed",
            "Validation failed",
            "body: the request body could not be parsed",
            [{"field": "body", "rule": "json_invalid", "message": "the request body could not be parsed"}],
        )
    slug, title = HTTP_PROBLEMS.get(exc.status_code, ("http-error", "HTTP error"))
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = _allowed_methods(request)
    return problem_response(request, exc.status_code, slug, title, str(exc.detail), extra_headers=headers)


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A unique constraint lost a race that the service's own check could not see: the client may retry.
    log.info("db.integrity_conflict", error=str(exc.__cause__ or exc)[:300])
    return problem_response(request, 409, "conflict", "Conflict", "the request conflicts with existing data")


# Postgres refuses text it cannot store (a NUL character): the client's input, not our fault.
_BAD_TEXT_SQLSTATES = {"22021", "22P05", "54000"}


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DBAPIError)
    sqlstate = getattr(exc.orig, "sqlstate", None) or getattr(getattr(exc.orig, "__cause__", None), "sqlstate", None)
    if sqlstate in _BAD_TEXT_SQLSTATES:
        return problem_response(
            request,
            422,
            "validation-failed",
            "Validation failed",
            "the request contains text that cannot be stored",
            [{"field": "body", "rule": "storable_text", "message": "text must not contain NUL characters"}],
        )
    if sqlstate is not None and sqlstate.startswith("40"):
        # Serialization failure or deadlock, usually at commit: nothing was written and a retry may succeed.
        log.info("db.serialization_conflict", sqlstate=sqlstate)
        return problem_response(
            request, 409, "conflict", "Conflict", "a concurrent change conflicted with this one; retry the request"
        )
    if exc.connection_invalidated or sqlstate is None or sqlstate.startswith(("08", "57")):
        log.warning("db.unavailable", error=str(exc.orig)[:300])
        return problem_response(
            request, 503, "unavailable", "Service unavailable", "the database is unavailable; retry shortly"
        )
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("http.unhandled", path=request.url.path)
    return problem_response(request, 500, "internal", "Internal error", "an unexpected error occurred")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(ConnectionError, _connection_error)
    app.add_exception_handler(Exception, _unexpected)


async def _connection_error(request: Request, exc: Exception) -> JSONResponse:
    log.warning("dependency.unavailable", error=repr(exc)[:300])
    return problem_response(request, 503, "unavailable", "Service unavailable", "a dependency is unavailable")


HTTP_PROBLEMS: dict[int, tuple[str, str]] = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorized", "Unauthorized"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    406: ("not-acceptable", "Not acceptable"),
    413: ("payload-too-large", "Payload too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
}

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        "description": desc,
    }
    for code, desc in {
        401: "Missing or invalid bearer token",
        403: "Not allowed for this caller",
        404: "Not found",
        409: "Conflict (stale version, duplicate, invalid transition, or not known here yet: retry after Retry-After)",
        422: "Validation failed (names the field and the rule), including a body that is not readable JSON",
    }.items()
}


def problem_schema_components(openapi: dict[str, Any]) -> dict[str, Any]:
    """Adds the Problem schema to an OpenAPI document (responses reference it by ``$ref``)."""
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schema = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        schemas.setdefault(name, definition)
    schemas.setdefault("Problem", schema)
    return openapi
