"""The FastAPI app factory every service uses: lifespan-made runtime, problems, health, correlation ids."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from dovetail_shared.clock import Clock
from dovetail_shared.http.docs import install_offline_docs
from dovetail_shared.http.middleware import BodySizeLimitMiddleware, CorrelationIdMiddleware, MetricsMiddleware
from dovetail_shared.http.openapi import document_optional_auth
from dovetail_shared.http.problems import PROBLEM_RESPONSES, install_problem_handlers, problem_schema_components
from dovetail_shared.logging import get_logger
from dovetail_shared.runtime import Runtime, ServiceSpec
from dovetail_shared.settings import ServiceSettings

log = get_logger(__name__)


def create_service_app(
    spec: ServiceSpec, settings: ServiceSettings | None = None, clock: Clock | None = None
) -> FastAPI:
    """``clock`` defaults to the system clock; tests pass a ``FixedClock`` to control ``Now``/``Today``."""
    settings = settings or spec.settings_factory()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Engines are made here, never at import, so tests and workers each get their own.
        app.state.runtime = Runtime(spec, settings, clock=clock)
        try:
            yield
        finally:
            await app.state.runtime.close()

    app = FastAPI(
        title=spec.title or f"Dovetail {spec.name}",
        description=spec.description,
        version="1.0.0",
        lifespan=lifespan,
        responses=PROBLEM_RESPONSES,
        docs_url=None,  # served from locked assets instead of a CDN (install_offline_docs)
        redoc_url=None,
    )
    install_offline_docs(app)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(CorrelationIdMiddleware)
    app.add_middleware(MetricsMiddleware, service=spec.name)
    # Server spans with the caller's traceparent as parent; events emitted while handling carry them on.
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz")
    install_problem_handlers(app)

    @app.get("/healthz", tags=["health"], summary="Liveness: the process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="Readiness: the database answers", responses={503: {}})
    async def readyz(request: Request) -> JSONResponse:
        runtime: Runtime = request.app.state.runtime
        try:
            async with runtime.engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception as exc:
            # The reason goes to the log, not to an anonymous caller (it may name hosts and roles).
            log.warning("readyz.database_unavailable", error=repr(exc)[:300])
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    # Operations, not API: scraped by Prometheus, kept out of the OpenAPI document.
    @app.get("/metrics", include_in_schema=False)
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in spec.routers:
        app.include_router(router)

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_optional_auth(problem_schema_components(generate()), spec.routers)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
