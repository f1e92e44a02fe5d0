"""What every part of the graph shares: JSON → types, cursor connections, user errors, error mapping."""

from __future__ import annotations

import base64
import dataclasses
import enum
import re
import types
import typing
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar, Union

import strawberry
from graphql import GraphQLError

from dovetail_gateway.clients import Problem, ServiceCallFailed

T = TypeVar("T")
Json = dict[str, Any]


# ------------------------------------------------------------------------------------------------ errors


class GatewayError(GraphQLError):
    """A failure the caller is told about as a GraphQL error with ``extensions.code`` (never masked)."""

    def __init__(self, message: str, code: str, **extensions: Any) -> None:
        super().__init__(message, extensions={"code": code, **{k: v for k, v in extensions.items() if v is not None}})


def bad_input(message: str, argument: str) -> GatewayError:
    return GatewayError(message, "BAD_USER_INPUT", argument=argument)


def access_or_transport_error(problem: Problem) -> GatewayError | None:
    """The failures no payload can carry: who the caller is, what they may do, whether the service answered."""
    if problem.status == 401:
        return GatewayError(problem.detail or "authentication required", "UNAUTHENTICATED", service=problem.service)
    if problem.status == 403:
        return GatewayError(problem.detail or "forbidden", "FORBIDDEN", service=problem.service, rule=problem.slug)
    if problem.status == 0:
        return GatewayError(f"{problem.service} is unavailable", "SERVICE_UNAVAILABLE", service=problem.service)
    if problem.status >= 500:
        return GatewayError(f"{problem.service} failed", "SERVICE_ERROR", service=problem.service)
    return None


def read_error(failure: ServiceCallFailed) -> GatewayError:
    """A read that failed for a reason other than "not there (for you)": 4xx input problems keep their rules."""
    problem = failure.problem
    error = access_or_transport_error(problem)
    if error is not None:
        return error
    rules = [v.get("rule", "") for v in problem.violations] or [problem.slug]
    return GatewayError(problem.detail or problem.title, "BAD_USER_INPUT", service=problem.service, rules=rules)


@strawberry.type(description="Why a mutation was refused: the input field, the service's rule id, a sentence.")
class UserError:
    field: list[str] | None = strawberry.field(description="Path into the mutation's arguments, if one is to blame")
    code: str = strawberry.field(description="The service's rule id (problem+json violation rule or problem type)")
    message: str
    retry_after_seconds: int | None = strawberry.field(
        default=None, description="Set when the same mutation may succeed later (a fact not known here yet)"
    )


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


def field_path(service_field: str, input_argument: str | None) -> list[str] | None:
    """``modules[0].skill_id`` (the service's body path) → ``["input", "modules", "0", "skillId"]``."""
    if service_field in ("", "body"):
        return [input_argument] if input_argument else None
    if service_field.lower() == "if-match":
        return ["expectedVersion"]
    parts = [_camel(m.group(1)) if m.group(1) else m.group(2) for m in _PART.finditer(service_field)]
    return [input_argument, *parts] if input_argument else parts


def user_errors(problem: Problem, input_argument: str | None) -> list[UserError]:
    if problem.violations:
        return [
            UserError(
                field=field_path(v.get("field", ""), input_argument),
                code=v.get("rule", problem.slug),
                message=v.get("message", ""),
                retry_after_seconds=problem.retry_after,
            )
            for v in problem.violations
        ]
    return [UserError(field=None, code=problem.slug, message=problem.detail, retry_after_seconds=problem.retry_after)]


# ------------------------------------------------------------------------------------------ JSON → types


def build(cls: type[T], data: Json) -> T:
    """A strawberry type from a service's JSON: snake_case keys are the type's field names; nested types,
    lists, enums, dates, UUIDs and decimals are converted by the field's annotation."""
    hints = _hints(cls)
    values = {name: _convert(hint, data.get(name)) for name, hint in hints.items()}
    return cls(**values)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        resolved = typing.get_type_hints(cls, include_extras=False)
        _HINTS[cls] = {f.name: resolved[f.name] for f in dataclasses.fields(cls) if f.init}
    return _HINTS[cls]


def _convert(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner[0], value)
    if origin is list:
        (item,) = typing.get_args(hint)
        return [_convert(item, v) for v in value]
    if isinstance(hint, type):
        if issubclass(hint, enum.Enum):
            return hint(value)
        if hasattr(hint, "__strawberry_definition__"):
            return build(hint, value)
        if hint is uuid.UUID:
            return uuid.UUID(str(value))
        if hint is datetime:
            return datetime.fromisoformat(value)
        if hint is date:
            return date.fromisoformat(value)
        if hint is Decimal:
            return Decimal(str(value))
    return value


# ------------------------------------------------------------------------------------------- connections


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of a list: `first` (at most the gateway's page cap) items `after` a cursor")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo
    total_count: int


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        kind, _, raw = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        offset = int(raw)
    except (ValueError, UnicodeError) as exc:
        raise bad_input("after: not a cursor returned by this API", "after") from exc
    if kind != "o" or offset < 0:
        raise bad_input("after: not a cursor returned by this API", "after")
    return offset


@dataclasses.dataclass(frozen=True)
class Window:
    """``first``/``after`` as the services' ``limit``/``offset``."""

    limit: int
    offset: int
    first: int

    @property
    def params(self) -> dict[str, int]:
        # A service pages from 1 item; first: 0 still asks for one to learn the total.
        return {"limit": max(self.first, 1), "offset": self.offset}


def window(first: int | None, after: str | None, default: int, cap: int) -> Window:
    n = default if first is None else first
    if n < 0 or n > cap:
        raise bad_input(f"first: must be between 0 and {cap}", "first")
    offset = decode_cursor(after) + 1 if after else 0
    return Window(limit=max(n, 1), offset=offset, first=n)


def connection(cls: type[Any], page: Json, w: Window) -> Connection[Any]:
    items = [build(cls, item) for item in page.get("items", [])][: w.first]
    total = int(page.get("total", len(items)))
    edges = [Edge(cursor=encode_cursor(w.offset + i), node=node) for i, node in enumerate(items)]
    return Connection(
        edges=edges,
        nodes=items,
        page_info=PageInfo(
            has_next_page=w.offset + len(items) < total,
            has_previous_page=w.offset > 0,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )


# ------------------------------------------------------------------------------ what resolvers are made of
#
# Every part of the graph reads, lists and links the same way; these are the one copy of that plumbing.
# ``info`` is a ``strawberry.Info[GatewayContext, None]`` (not annotated here: the context imports this module).


def query_params(filters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Resolver arguments → a service's query string: unset (None) left out, enums by value, the rest as text."""
    out: dict[str, Any] = {}
    for key, value in (filters or {}).items():
        if value is None:
            continue
        out[key] = value.value if isinstance(value, enum.Enum) else str(value)
    return out


def page_window(info: Any, first: int | None, after: str | None) -> Window:
    s = info.context.settings
    return window(first, after, s.default_page_size, s.max_page_size)


async def list_page(
    info: Any,
    cls: type[Any],
    service: str,
    path: str,
    first: int | None,
    after: str | None,
    filters: Mapping[str, Any] | None = None,
    prime: Any = None,
) -> Connection[Any]:
    """A connection over one of a service's ``limit``/``offset`` lists, filtered by ``filters``. ``prime`` is the
    request's DataLoader of that kind of object: a link back to a listed object then costs no call."""
    w = page_window(info, first, after)
    page = await info.context.read(service, path, {**w.params, **query_params(filters)})
    if prime is not None:
        for item in page.get("items", []):
            prime.prime(uuid.UUID(str(item["id"])), item)
    return connection(cls, page, w)


def build_or_none(cls: type[T], data: Json | None) -> T | None:
    return build(cls, data) if data else None


async def load_one(loader: Any, cls: type[T], key: Any) -> T | None:
    """One object through a request's DataLoader; null when absent or not the caller's to see."""
    if key is None:
        return None
    return build_or_none(cls, await loader.load(key))


async def load_many(loader: Any, cls: type[T], keys: list[Any]) -> list[T]:
    """The objects of ``keys`` the caller may see, in order (the others are left out)."""
    return [build(cls, d) for d in await loader.load_many(keys) if d]


async def read_object(info: Any, cls: type[T], service: str, path: str) -> T | None:
    """A single read without a loader (an object only one field reaches); null on 404."""
    return build_or_none(cls, await info.context.read_one(service, path))
