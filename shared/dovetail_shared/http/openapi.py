"""OpenAPI corrections FastAPI cannot infer: which routes take a bearer token only optionally."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from dovetail_shared.http.deps import optional_principal, require_principal


def _calls(dependant: Dependant) -> set[Any]:
    found = {dependant.call}
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def document_optional_auth(document: dict[str, Any], routers: Iterable[APIRouter]) -> dict[str, Any]:
    """A route that reads the caller when there is one (``MaybePrincipal``) but serves anonymous callers too
    is documented with ``security: [{}, {<bearer>: []}]`` (OpenAPI: an empty requirement means "none"),
    so clients and fuzzers do not take the token for mandatory."""
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            calls = _calls(route.dependant)
            if optional_principal not in calls or require_principal in calls:
                continue
            item = document.get("paths", {}).get(route.path_format, {})
            for method in route.methods or ():
                op = item.get(method.lower())
                if op and op.get("security") and {} not in op["security"]:
                    op["security"] = [{}, *op["security"]]
    return document
