"""FastAPI dependencies every service uses: runtime, unit of work, caller, pagination, If-Match."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Header, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from dovetail_shared.errors import Unauthorized, ValidationFailed
from dovetail_shared.principal import Principal
from dovetail_shared.runtime import Runtime
from dovetail_shared.uow import SqlUnitOfWork

_VERSION = re.compile(r"[0-9]{1,12}")
_bearer = HTTPBearer(auto_error=False, description="JWT with sub, org and roles")
T = TypeVar("T")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def current_time(runtime: RuntimeDep) -> datetime:
    """The request's instant, read once from the runtime's clock (tests inject a ``FixedClock``)."""
    return runtime.clock.now()


# The boundary reads the clock; use cases and the domain receive ``now`` (and derive local days from it).
Now = Annotated[datetime, Depends(current_time)]


def current_utc_date(now: Now) -> date:
    return now.date()


Today = Annotated[date, Depends(current_utc_date)]


async def get_uow(runtime: RuntimeDep) -> AsyncIterator[SqlUnitOfWork]:
    """The request owns the transaction: it commits when the endpoint returns and rolls back if it raises.

    Used with ``scope="function"`` (see ``Transaction``), so the commit runs after the endpoint returned
    but BEFORE the response is sent: a commit that fails (unique violation, serialization failure, lost
    database) reaches the problem handlers and is answered as an error, never as a 2xx whose write was lost.
    """
    async with runtime.uow() as uow:
        yield uow
        await uow.commit()


# FastAPI's default ("request") scope runs a yield dependency's exit code after the response is sent.
Transaction = Depends(get_uow, scope="function")
UoW = Annotated[SqlUnitOfWork, Transaction]


async def optional_principal(
    runtime: RuntimeDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    if credentials is None:
        return None
    return await runtime.verifier.verify(credentials.credentials)


async def require_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise Unauthorized("a bearer token is required")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(require_principal)]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]


class PageParams(BaseModel):
    limit: int
    offset: int


def page_params(
    request: Request,
    limit: Annotated[int | None, Query(ge=1, le=200, description="Page size (at most 200)")] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> PageParams:
    settings = get_runtime(request).settings
    return PageParams(limit=min(limit or settings.default_page_size, settings.max_page_size), offset=offset)


Paging = Annotated[PageParams, Depends(page_params)]

# Batch lookup for the gateway's DataLoaders: one call for a level of a graph query instead of one per object.
# A list route taking it filters with the same visibility as its single read, so an id the caller may not
# see is simply absent.
Ids = Annotated[
    list[uuid.UUID] | None,
    Query(max_length=200, description="Only these ids (repeat the parameter; at most 200), as visible to you"),
]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def if_match(
    if_match: Annotated[
        str | None,
        Header(alias="If-Match", description="The aggregate version you read; a stale one gets 409"),
    ] = None,
) -> int | None:
    if if_match is None:
        return None
    raw = if_match.strip().removeprefix("W/").strip('"')
    if not _VERSION.fullmatch(raw):  # ASCII digits only: str.isdigit() also accepts superscripts
        raise ValidationFailed("If-Match", "integer_version", "must be the aggregate's version number")
    return int(raw)


ExpectedVersion = Annotated[int | None, Depends(if_match)]


def set_etag(response: Response, version: int) -> None:
    """The aggregate's version as the strong ETag that ``if_match`` reads back: one format in every service."""
    response.headers["ETag"] = f'"{version}"'
