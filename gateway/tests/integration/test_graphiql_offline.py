"""GraphiQL loads from the gateway's vendored assets and runs a query in headless Chromium with no network
beyond loopback; production serves neither the page nor the assets."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable

import httpx
from asgi_lifespan import LifespanManager
from dovetail_gateway.app import create_app
from dovetail_gateway.graphiql import ASSETS_URL
from dovetail_shared.testing.browser import run_in_page, serve_on_loopback

from .conftest import gateway_settings

# Clicks GraphiQL's run button until the result pane shows an answer (a click before the editors are ready does
# nothing), and resolves to that answer's text.
RUN_QUERY = """
(async () => {
  for (let i = 0; i < 120; i++) {
    const button = document.querySelector(".graphiql-execute-button");
    if (button) button.click();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const pane = document.querySelector(".result-window");
    const text = pane ? pane.innerText : "";
    if (text.includes('"data"')) return text;
  }
  throw new Error("GraphiQL never showed a result: " + document.body.innerText.slice(0, 500));
})()
"""


def test_graphiql_runs_a_query_with_no_network_beyond_the_gateway(token: Callable[..., str]) -> None:
    app = create_app(gateway_settings())
    query = "{ me { sub roles } }"
    headers = json.dumps({"Authorization": f"Bearer {token('college_admin', sub='graphiql-user')}"})
    with serve_on_loopback(app) as origin:
        # The page decodes its parameters with decodeURIComponent: spaces as %20, not +.
        params = urllib.parse.urlencode({"q": query, "headers": headers}, quote_via=urllib.parse.quote)
        ran = run_in_page(f"{origin}/graphql?{params}", RUN_QUERY)
    asked = ran.initiated_by(origin)
    outside = [u for u in asked if not u.startswith((origin, "data:", "blob:", "ws://127.0.0.1"))]
    assert not outside, f"GraphiQL requested something beyond {origin}: {outside[:10]}"
    assert any(f"{ASSETS_URL}/graphiql@" in u for u in asked), asked
    assert f"{origin}/graphql" in asked, asked
    assert "graphiql-user" in ran.value and "college_admin" in ran.value, ran.value


async def test_production_serves_no_graphiql_page_or_assets() -> None:
    app = create_app(gateway_settings(environment="production", jwt_secret="x" * 48))
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.app), base_url="http://g") as client,
    ):
        page = await client.get("/graphql", headers={"Accept": "text/html"})
        asset = await client.get(f"{ASSETS_URL}/graphiql@3.8.3/graphiql.min.js")
    assert "graphiql" not in page.text.lower() and page.status_code in (404, 405), page.text[:200]
    assert asset.status_code == 404
