"""One way to run a command: call the service, return its result or the user errors its problem+json names."""

from __future__ import annotations

from typing import Any

from dovetail_gateway.clients import ServiceCallFailed
from dovetail_gateway.context import GatewayContext
from dovetail_gateway.graph.common import access_or_transport_error, build, user_errors
from dovetail_gateway.graph.inputs import body


async def run(
    ctx: GatewayContext,
    payload: type[Any],
    field: str,
    result: type[Any],
    service: str,
    method: str,
    path: str,
    *,
    input: Any = None,
    input_argument: str | None = "input",
    expected_version: int | None = None,
) -> Any:
    """``payload(<field>=result, user_errors=[...])``. Who the caller is, whether they may, and whether the service
    answered are GraphQL errors (``extensions.code``); every other refusal is a typed user error."""
    try:
        out = await ctx.call(
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
