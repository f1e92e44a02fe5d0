"""Gateway logic on fakes (no services): SDL snapshot, error masking, transport failures and retries, field
paths, cursors and the cost model."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from dovetail_gateway.app import create_app
from dovetail_gateway.config import GatewaySettings
from dovetail_gateway.graph.common import decode_cursor, encode_cursor, field_path
from dovetail_gateway.graphiql import ASSETS_DIR, ASSETS_URL, CDN, cdn_urls, offline_page
from dovetail_gateway.limits import QueryCost
from dovetail_gateway.schema import build_schema, sdl
from dovetail_shared.auth import issue_token
from graphql import OperationDefinitionNode, parse
from strawberry.http.ides import get_graphql_ide_html

SDL_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"
SETTINGS = GatewaySettings.model_validate({"environment": "test", "backend_read_retries": 2})


def test_the_committed_sdl_is_current() -> None:
    """A change to the graph needs a deliberate `dovetail-gateway sdl > gateway/schema.graphql`."""
    assert SDL_FILE.read_text() == sdl(), "gateway/schema.graphql is stale: regenerate it with `dovetail-gateway sdl`"


Handler = Callable[[httpx.Request], httpx.Response]


async def run(handler: Handler, query: str, variables: dict[str, Any] | None = None, token: str | None = None) -> Any:
    app = create_app(SETTINGS, transports={"consortia": httpx.MockTransport(handler)})
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with (
        LifespanManager(app) as m,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=m.app), base_url="http://g") as c,
    ):
        r = await c.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
        assert r.status_code == 200, r.text
        return r.json(), r.headers


@pytest.fixture
def calls() -> list[httpx.Request]:
    return []


ORG = "query($id: UUID!) { organization(id: $id) { name } }"


async def test_an_unexpected_failure_is_masked_with_a_correlation_id(calls: list[httpx.Request]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # A service answering a shape the gateway does not expect: a bug, not the caller's business.
        return httpx.Response(200, json={"items": [{"id": request.url.params["ids"], "secret": "db-password"}]})

    body, headers = await run(handler, ORG, {"id": str(uuid.uuid4())})
    (error,) = body["errors"]
    assert error["message"] == "Internal error"
    assert error["extensions"]["code"] == "INTERNAL"
    assert error["extensions"]["correlationId"] == headers["X-Correlation-ID"]
    assert "secret" not in json.dumps(body) and "KeyError" not in json.dumps(body)


async def test_an_unreachable_service_is_retried_for_reads_then_reported(calls: list[httpx.Request]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ConnectError("connection refused", request=request)

    body, _ = await run(handler, ORG, {"id": str(uuid.uuid4())})
    assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
    assert len(calls) == 1 + SETTINGS.backend_read_retries


async def test_a_write_is_never_retried(calls: list[httpx.Request]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(503, json={"type": "x/unavailable", "title": "Unavailable", "status": 503})

    token = issue_token(SETTINGS, sub="op", org=None, roles=["operator"])
    body, _ = await run(
        handler,
        "mutation($id: UUID!) { verifyOrganization(id: $id) { userErrors { code } } }",
        {"id": str(uuid.uuid4())},
        token=token,
    )
    assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_ERROR"]
    assert len(calls) == 1
    assert calls[0].headers["Authorization"] == f"Bearer {token}"
    assert calls[0].headers["X-Correlation-ID"]


async def test_a_transient_read_failure_recovers_on_retry(calls: list[httpx.Request]) -> None:
    org = {
        "id": str(uuid.uuid4()),
        "name": "Wuxi Tech",
        "name_zh": None,
        "kind": "college",
        "size": None,
        "region": "Wuxi",
        "registration_number": "1",
        "verification_status": "verified",
        "verified_at": None,
        "rejection_reason": None,
        "created_at": "2026-01-01T00:00:00+00:00",
        "updated_at": "2026-01-01T00:00:00+00:00",
        "version": 2,
    }

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(502)
        return httpx.Response(200, json={"items": [org], "total": 1, "limit": 1, "offset": 0})

    body, _ = await run(handler, ORG, {"id": org["id"]})
    assert body == {"data": {"organization": {"name": "Wuxi Tech"}}}
    assert len(calls) == 2


def test_service_field_paths_become_argument_paths() -> None:
    assert field_path("modules[0].outcomes[1].skill_id", "input") == [
        "input",
        "modules",
        "0",
        "outcomes",
        "1",
        "skillId",
    ]
    assert field_path("reason", None) == ["reason"]
    assert field_path("body", "input") == ["input"]
    assert field_path("If-Match", "input") == ["expectedVersion"]


def test_cursors_round_trip_and_refuse_forgeries() -> None:
    assert decode_cursor(encode_cursor(41)) == 41
    for forged in ("garbage", encode_cursor(1).replace("o", "p"), "bzotMQ=="):
        with pytest.raises(Exception, match="cursor"):
            decode_cursor(forged)


def cost(query: str, variables: dict[str, Any] | None = None) -> int:
    schema = build_schema(SETTINGS)._schema
    doc = parse(query)
    op = next(d for d in doc.definitions if isinstance(d, OperationDefinitionNode))
    return QueryCost(schema, doc, variables, SETTINGS.default_page_size).of_operation(op)


def test_cost_counts_objects_from_page_sizes() -> None:
    assert cost("{ me { sub } }") == 1
    assert cost("{ organizations(first: 10) { totalCount nodes { name } } }") == 10
    # edges and nodes are the same page: not counted twice
    assert cost("{ organizations(first: 10) { edges { node { name } } nodes { name } } }") == 10
    nested = "query($n: Int) { organizations(first: 10) { nodes { curricula(first: $n) { nodes { title } } } } }"
    assert cost(nested, {"n": 7}) == 10 + 10 * 7
    assert cost(nested) == 10 + 10 * SETTINGS.default_page_size
    # an embedded list counts as EMBEDDED_LIST_ESTIMATE items
    assert cost('{ consortium(id: "00000000-0000-0000-0000-000000000000") { memberships { role } } }') == 1 + 10
    fragment = (
        "query { organizations(first: 3) { nodes { ...F } } } "
        "fragment F on Organization { curricula(first: 2) { nodes { title } } }"
    )
    assert cost(fragment) == 3 + 6


def test_graphiql_is_served_from_vendored_files_identical_to_the_pinned_ones() -> None:
    """Every file Strawberry's page loads from the CDN is vendored, byte for byte (its SRI hash matches), and
    the page the gateway serves names no host at all."""
    cdn_page = get_graphql_ide_html("graphiql")
    pinned = re.findall(r'(?:src|href)="(https://unpkg\.com/[^"]+)"\s+integrity="(sha384-[^"]+)"', cdn_page)
    assert len(pinned) == len(cdn_urls(cdn_page)) >= 5, pinned
    for url, integrity in pinned:
        file = ASSETS_DIR / url.removeprefix(CDN)
        digest = "sha384-" + base64.b64encode(hashlib.sha384(file.read_bytes()).digest()).decode()
        assert digest == integrity, f"{file} is not the file the page pins ({url})"
    page = offline_page()
    assert cdn_urls(page) == [] and page.count(f'"{ASSETS_URL}/') == len(pinned)


def test_resolver_arguments_become_query_parameters_and_payloads_name_their_result() -> None:
    from dovetail_gateway.graph.common import query_params
    from dovetail_gateway.graph.joint_programs import Program, ProgramPayload, ProgramStatus
    from dovetail_gateway.graph.mutations import _result_field

    some = uuid.uuid4()
    assert query_params({"college_id": some, "status": ProgramStatus.RUNNING, "partner_id": None, "n": 3}) == {
        "college_id": str(some),
        "status": "running",
        "n": "3",
    }
    assert _result_field(ProgramPayload) == ("program", Program)
