"""RFC 9457 problem+json for every error a client can cause, mapped in one place."""

from __future__ import annotations

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


async def _request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    violations = [
        {
            "field": _field_of(tuple(e.get("loc", ()))),
            "rule": str(e.get("type", "invalid")),
            "message": e.get("msg", ""),
        }
        for e in exc.errors()
    ]
    detail = "; ".join(f"{v['field']}: {v['message']}" for v in violations) or "invalid request"
    return problem_response(request, 422, "validation-failed", "Validation failed", detail, violations)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    slug, title = HTTP_PROBLEMS.get(exc.status_code, ("http-error", "HTTP error"))
    return problem_response(request, exc.status_code, slug, title, str(exc.detail))


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
        422: "Validation failed (names the field and the rule)",
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
