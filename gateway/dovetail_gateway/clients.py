"""One pooled async HTTP client per service: bearer and correlation id forwarded, reads retried, errors typed."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from dovetail_shared.logging import current_correlation_id, get_logger, traceparent_var
from prometheus_client import Counter, Histogram

from dovetail_gateway.config import GatewaySettings

log = get_logger(__name__)

BACKEND_REQUESTS = Counter(
    "dovetail_gateway_backend_requests_total",
    "Calls from the gateway to a service, by outcome (HTTP status, or `transport` when none came back).",
    ["service", "backend", "method", "status"],
)
BACKEND_LATENCY = Histogram(
    "dovetail_gateway_backend_request_duration_seconds",
    "Latency of the gateway's calls to a service (retries included).",
    ["service", "backend", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
_RETRYABLE_STATUS = frozenset({502, 503, 504})


@dataclass
class Problem:
    """A service's RFC 9457 answer (or the gateway's own account of a call that got no answer)."""

    service: str
    status: int
    slug: str
    title: str
    detail: str
    violations: list[dict[str, str]] = field(default_factory=list)
    retry_after: int | None = None

    @classmethod
    def of(cls, service: str, response: httpx.Response) -> Problem:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        slug = str(body.get("type", "")).rstrip("/").rsplit("/", 1)[-1] or f"http-{response.status_code}"
        retry = response.headers.get("Retry-After", "")
        return cls(
            service=service,
            status=response.status_code,
            slug=slug,
            title=str(body.get("title", response.reason_phrase)),
            detail=str(body.get("detail", "")),
            violations=[v for v in body.get("violations", []) if isinstance(v, dict)],
            retry_after=int(retry) if retry.isdigit() else None,
        )


class ServiceCallFailed(Exception):
    """A call that returned a problem (status >= 400) or none at all (``status`` 0: transport failure)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.service}: {problem.status} {problem.slug}: {problem.detail}")
        self.problem = problem


class ServiceClient:
    """The one client of one service for the whole process: its connection pool outlives requests."""

    def __init__(
        self, name: str, base_url: str, settings: GatewaySettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.name = name
        self.read_retries = settings.backend_read_retries
        self.http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(settings.backend_timeout_s, connect=settings.backend_connect_timeout_s),
            limits=httpx.Limits(
                max_connections=settings.backend_max_connections,
                max_keepalive_connections=settings.backend_max_connections,
            ),
            headers={"Accept": "application/json"},
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None,
        params: Any = None,
        json: Any = None,
        expected_version: int | None = None,
    ) -> Any:
        """The decoded JSON body of a 2xx; ``ServiceCallFailed`` otherwise. Only GET is retried: a write that
        timed out may have been applied, and repeating it is the caller's decision, not the gateway's."""
        headers = {"X-Correlation-ID": current_correlation_id()}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if expected_version is not None:
            headers["If-Match"] = f'"{expected_version}"'
        if traceparent := traceparent_var.get():
            headers["traceparent"] = traceparent
        attempts = 1 + (self.read_retries if method == "GET" else 0)
        start = time.perf_counter()
        try:
            for attempt in range(attempts):
                last = attempt == attempts - 1
                try:
                    response = await self.http.request(method, path, params=params, json=json, headers=headers)
                except httpx.TransportError as exc:
                    BACKEND_REQUESTS.labels("gateway", self.name, method, "transport").inc()
                    if last:
                        log.warning("backend.unreachable", backend=self.name, path=path, error=repr(exc)[:200])
                        raise ServiceCallFailed(
                            Problem(self.name, 0, "service-unavailable", "Service unavailable", type(exc).__name__)
                        ) from exc
                else:
                    BACKEND_REQUESTS.labels("gateway", self.name, method, str(response.status_code)).inc()
                    if response.status_code in _RETRYABLE_STATUS and not last:
                        pass
                    elif response.status_code >= 400:
                        raise ServiceCallFailed(Problem.of(self.name, response))
                    else:
                        return response.json()
                await asyncio.sleep(0.05 * 2**attempt)
        finally:
            BACKEND_LATENCY.labels("gateway", self.name, method).observe(time.perf_counter() - start)
        raise AssertionError("unreachable")  # pragma: no cover


class Backends:
    """Every service's client, made once in the app's lifespan."""

    def __init__(
        self, settings: GatewaySettings, transports: dict[str, httpx.AsyncBaseTransport] | None = None
    ) -> None:
        transports = transports or {}
        self.clients = {
            name: ServiceClient(name, url, settings, transports.get(name))
            for name, url in settings.service_urls().items()
        }

    def __getitem__(self, name: str) -> ServiceClient:
        return self.clients[name]

    async def close(self) -> None:
        for c in self.clients.values():
            await c.close()
