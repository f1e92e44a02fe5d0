"""One way to run a command: call the service, return its result or the user errors its problem+json names."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any, TypeVar

import strawberry

from dovetail_gateway.clients import ServiceCallFailed
from dovetail_gateway.context import GatewayContext
from dovetail_gateway.graph.common import _hints, access_or_transport_error, build, user_errors
from dovetail_gateway.graph.inputs import body

P = TypeVar("P")
Info = strawberry.Info[GatewayContext, None]


def _result_field(payload: type[Any]) -> tuple[str, type[Any]]:
    """A payload is ``<result>: T | None`` and ``user_errors``: the one field that is not the errors."""
    (name, hint), *more = [(n, h) for n, h in _hints(payload).items() if n != "user_errors"]
    assert not more, f"{payload.__name__} must have one result field besides user_errors"
    inner = [a for a in getattr(hint, "__args__", (hint,)) if a is not type(None)]
    return name, inner[0]


async def command(
    info: Info,
    payload: type[P],
    service: str,
    method: str,
    path: str,
    *,
    input: Any = None,
    input_argument: str | None = "input",
    expected_version: int | None = None,
) -> P:
    """``payload(<result>=..., user_errors=[...])``. Who the caller is, whether they may, and whether the service
    answered are GraphQL errors (``extensions.code``); every other refusal is a typed user error. A command
    whose arguments are not an input object passes ``input_argument=None``: its body's keys are the
    argument names, so a violation on ``reason`` maps back onto the ``reason`` argument."""
    field, result = _result_field(payload)
    if input is None:
        input_argument = None
    try:
        out = await info.context.call(
            service,
            method,
            path,
            json=body(input) if input is not None else None,
            expected_version=expected_version,
        )
    except ServiceCallFailed as failure:
        error = access_or_transport_error(failure.problem)
        if error is not None:
            raise error from failure
        return payload(**{field: None, "user_errors": user_errors(failure.problem, input_argument)})
    return payload(**{field: build(result, out), "user_errors": []})


# Bodies of commands whose arguments are plain arguments rather than an input object.
@dataclasses.dataclass
class Reason:
    reason: str


@dataclasses.dataclass
class OrganizationRef:
    organization_id: uuid.UUID
