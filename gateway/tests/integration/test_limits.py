"""Abuse limits: over-deep, alias-flooded, over-long, over-costly and oversized requests are refused with a
clear error before any service is called; production has no introspection and no GraphiQL."""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager
from dovetail_gateway.app import create_app

from .conftest import Backends, Graph, gateway_settings


def codes(body: dict) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


async def test_an_over_deep_query_is_refused(graph: Graph) -> None:
    deep = "{ consortia { nodes { memberships { organization { consortia { nodes { memberships { organization {"
    deep += " consortia { nodes { memberships { organization { name } } } } } } } } } } } } }"
    body = await graph(deep)
    assert codes(body) == ["QUERY_TOO_DEEP"], body
    assert "maximum operation depth" in body["errors"][0]["message"]
    assert sum(graph.backends.calls().values()) == 0


async def test_an_alias_flood_is_refused(graph: Graph) -> None:
    body = await graph("{ " + " ".join(f"a{i}: me {{ sub }}" for i in range(31)) + " }")
    assert codes(body) == ["TOO_MANY_ALIASES"], body


async def test_a_token_flood_is_refused(graph: Graph) -> None:
    body = await graph("{ me { " + " ".join(["sub"] * 2100) + " } }")
    assert codes(body) == ["TOO_MANY_TOKENS"], body


async def test_an_over_costly_query_is_refused_from_its_page_sizes(graph: Graph) -> None:
    costly = "query($n: Int) { organizations(first: 100) { nodes { curricula(first: $n) { nodes { title } } } } }"
    body = await graph(costly, {"n": 100})
    assert codes(body) == ["QUERY_TOO_COSTLY"], body
    assert body["errors"][0]["extensions"]["cost"] > body["errors"][0]["extensions"]["maxCost"]
    assert sum(graph.backends.calls().values()) == 0
    # The same shape with small pages is fine.
    body = await graph(costly, {"n": 5})
    assert "errors" not in body, body


async def test_a_page_over_the_cap_is_a_bad_input_error(graph: Graph) -> None:
    body = await graph("{ organizations(first: 101) { totalCount } }")
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert body["errors"][0]["extensions"]["argument"] == "first"
    body = await graph('{ organizations(after: "garbage") { totalCount } }')
    assert codes(body) == ["BAD_USER_INPUT"], body


async def test_an_invalid_document_has_a_code_too(graph: Graph) -> None:
    assert codes(await graph("{ noSuchField }")) == ["GRAPHQL_VALIDATION_FAILED"]
    assert codes(await graph("{ me { ")) == ["GRAPHQL_VALIDATION_FAILED"]


async def test_an_oversized_body_is_refused(gateway: httpx.AsyncClient) -> None:
    r = await gateway.post("/graphql", json={"query": "{ me { sub } }", "variables": {"pad": "x" * 1_100_000}})
    assert r.status_code == 413


async def test_introspection_and_graphiql_are_on_in_development_only(gateway: httpx.AsyncClient) -> None:
    r = await gateway.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert r.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    assert (await gateway.get("/graphql", headers={"Accept": "text/html"})).status_code == 200


async def test_production_has_no_introspection_and_no_graphiql(backends: Backends) -> None:
    settings = gateway_settings(environment="production", jwt_secret="a-real-secret-of-more-than-32-characters!")
    app = create_app(settings, transports=dict(backends.transports))
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://g") as client,
    ):
        r = await client.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
        assert set(codes(r.json())) == {"INTROSPECTION_DISABLED"}, r.text
        assert (await client.get("/graphql", headers={"Accept": "text/html"})).status_code in (404, 405)
        r = await client.post("/graphql", json={"query": "{ me { sub } }"})
        assert r.json() == {"data": {"me": None}}
