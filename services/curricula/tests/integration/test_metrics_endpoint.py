"""/metrics: Prometheus text, requests counted by route template, and kept out of the OpenAPI document."""

from __future__ import annotations

import uuid

import httpx


async def test_metrics_count_requests_by_route_template_and_stay_out_of_openapi(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get(f"/no-such-path/{uuid.uuid4()}")).status_code == 404
    scraped = await client.get("/metrics")
    assert scraped.status_code == 200
    assert scraped.headers["content-type"].startswith("text/plain")
    body = scraped.text
    assert 'dovetail_http_requests_total{method="GET",route="/healthz",service="curricula",status="200"}' in body
    assert 'route="unmatched",service="curricula",status="404"' in body
    assert "no-such-path" not in body  # raw paths never become label values
    assert "/metrics" not in (await client.get("/openapi.json")).json()["paths"]
