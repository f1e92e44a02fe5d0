"""/docs and /redoc served with Swagger UI and ReDoc from a locked package, never from a public CDN.

FastAPI's default pages load their JavaScript from jsdelivr; on air-gapped clusters, on many college networks
and on CI machines without egress they render blank. The assets come from ``fastapi-offline`` (pinned in
uv.lock), which ships the Swagger UI dist files and the ReDoc standalone bundle; nothing else is fetched.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL = "/docs-assets"
ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
# The pages may load only what this service serves: ReDoc's footer would otherwise fetch its logo from
# cdn.redoc.ly (hidden by a style below; the policy makes sure nothing else slips out either).
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)
_HIDE_REMOTE_LOGO = '<style>img[src^="https:"], img[src^="http:"] { display: none; }</style>'


def _offline(page: HTMLResponse) -> HTMLResponse:
    body = bytes(page.body).decode().replace("</head>", f"{_HIDE_REMOTE_LOGO}</head>", 1)
    return HTMLResponse(body, headers={"Content-Security-Policy": CSP})


def install_offline_docs(app: FastAPI) -> None:
    """Adds /docs, /redoc and their assets; the app must be made with ``docs_url=None, redoc_url=None``."""
    openapi_url = app.openapi_url or "/openapi.json"
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return _offline(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{app.title} — API docs",
                swagger_js_url=f"{ASSETS_URL}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS_URL}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS_URL}/favicon.png",
            )
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return _offline(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{app.title} — API reference",
                redoc_js_url=f"{ASSETS_URL}/redoc.standalone.js",
                redoc_favicon_url=f"{ASSETS_URL}/favicon.png",
                with_google_fonts=False,
            )
        )
