"""RFC 9457 problem+json for every error a client can cause, mapped in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from dovetail_shared.errors import DomainError
from dovetail_shared.logging import get_logger

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
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        violations=[ViolationOut(**v) for v in violations or []],
    )
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
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
    return problem_response(request, exc.status, exc.slug, exc.title, exc.detail, violations)


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
    slug = {404: "not-found", 405: "method-not-allowed", 401: "unauthorized", 403: "forbidden"}.get(
        exc.status_code, "http-error"
    )
    return problem_response(request, exc.status_code, slug, str(exc.detail), str(exc.detail))


async def _integrity_error(request: Request, exc: Exception) -> JSONResponse:
    # A unique constraint lost a race that the service's own check could not see: the client may retry.
    log.info("db.integrity_conflict", error=str(exc.__cause__ or exc)[:300])
    return problem_response(request, 409, "conflict", "Conflict", "the request conflicts with existing data")


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("http.unhandled", path=request.url.path)
    return problem_response(request, 500, "internal", "Internal error", "an unexpected error occurred")


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _request_validation)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(Exception, _unexpected)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {MEDIA_TYPE: {}}, "description": desc}
    for code, desc in {
        401: "Missing or invalid bearer token",
        403: "Not allowed for this caller",
        404: "Not found",
        409: "Conflict (stale version, duplicate, or invalid transition)",
        422: "Validation failed (names the field and the rule)",
    }.items()
}
