"""The gateway app: GraphQL at /graphql (Strawberry on FastAPI), health, metrics, body cap, token check."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from dovetail_shared.auth import TokenVerifier
from dovetail_shared.errors import Unauthorized
from dovetail_shared.http.middleware import BodySizeLimitMiddleware, CorrelationIdMiddleware, MetricsMiddleware
from dovetail_shared.logging import current_correlation_id
from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import HTTPConnection

from dovetail_gateway.clients import Backends
from dovetail_gateway.config import GatewaySettings, get_settings
from dovetail_gateway.context import GatewayContext
from dovetail_gateway.feed import EventFeed
from dovetail_gateway.graphiql import OfflineGraphQLRouter, install_graphiql_assets
from dovetail_gateway.schema import build_schema


class TokenRefused(Exception):
    """A bearer token was sent and failed verification: refused before any service is called."""


def _bearer(request: HTTPConnection) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenRefused("the Authorization header must be `Bearer <token>`")
    return token.strip()


def create_app(
    settings: GatewaySettings | None = None, transports: dict[str, httpx.AsyncBaseTransport] | None = None
) -> FastAPI:
    """``transports`` lets tests route a service's client onto an in-process app instead of the network."""
    settings = settings or get_settings()
    verifier = TokenVerifier(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One pooled client per service for the whole process, made here and closed on shutdown.
        app.state.backends = Backends(settings, transports)
        app.state.feed = EventFeed(settings)
        try:
            yield
        finally:
            await app.state.feed.close()
            await app.state.backends.close()

    async def context(request: HTTPConnection) -> GatewayContext:
        state = request.app.state
        if isinstance(request, WebSocket):
            # Subscriptions authenticate with connection_init's payload (GatewayContext.authenticate_subscription).
            return GatewayContext(settings, state.backends, None, None, state.feed, verifier)
        token = _bearer(request)
        principal = None
        if token is not None:
            try:
                principal = await verifier.verify(token)
            except Unauthorized as exc:
                raise TokenRefused(str(exc)) from exc
        return GatewayContext(settings, state.backends, principal, token, state.feed, verifier)

    graphql = OfflineGraphQLRouter(
        build_schema(settings),
        path="/graphql",
        context_getter=context,
        # GraphiQL is a development tool; production serves only the API (and no introspection). Its assets
        # are vendored (graphiql.py): the page works with no network beyond the gateway.
        graphql_ide="graphiql" if settings.environment.is_local else None,
        allow_queries_via_get=False,
    )
    app = FastAPI(title="Dovetail gateway", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(graphql)
    if settings.environment.is_local:
        install_graphiql_assets(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationIdMiddleware)
    app.add_middleware(MetricsMiddleware, service="gateway")

    @app.exception_handler(TokenRefused)
    async def token_refused(request: Request, exc: Exception) -> JSONResponse:
        body = {"errors": [{"message": str(exc), "extensions": {"code": "UNAUTHENTICATED"}}]}
        headers = {"WWW-Authenticate": "Bearer", "X-Correlation-ID": current_correlation_id()}
        return JSONResponse(body, status_code=401, headers=headers)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    async def readyz(request: Request) -> JSONResponse:
        # Ready once the clients exist. A service being down is answered per field (SERVICE_UNAVAILABLE);
        # failing readiness for it would take every replica out and turn one outage into a total one.
        ready = getattr(request.app.state, "backends", None) is not None
        return JSONResponse({"status": "ready" if ready else "starting"}, status_code=200 if ready else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
