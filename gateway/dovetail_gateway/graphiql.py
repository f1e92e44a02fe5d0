"""GraphiQL from vendored assets, never from a CDN (development and test only; production serves no IDE).

Strawberry's page loads React, GraphiQL and its explorer plugin from unpkg, so offline (CI, air-gapped clusters,
many college networks) it stays blank. The same files, byte for byte, are vendored under ``vendor/graphiql``
(MIT; see its README) and served at ``/graphiql-assets``; the page keeps Strawberry's SRI ``integrity``
attributes, so a file that differs from the pinned one is refused by the browser rather than run.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from strawberry.fastapi import GraphQLRouter
from strawberry.http.ides import get_graphql_ide_html

ASSETS_URL = "/graphiql-assets"
ASSETS_DIR = Path(__file__).resolve().parent / "vendor" / "graphiql"
CDN = "https://unpkg.com/"
# The page may load only what the gateway serves, and talk only to the gateway (HTTP and websocket).
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)
_URL = re.compile(r"""(?:src|href)="(https?://[^"]+)\"""")


def cdn_urls(page: str) -> list[str]:
    """Every absolute URL the page would load (a script's src, a stylesheet's href)."""
    return _URL.findall(page)


def offline_page() -> str:
    """Strawberry's GraphiQL page with every CDN URL pointed at the vendored copy of the same file."""
    page = get_graphql_ide_html("graphiql")
    for url in cdn_urls(page):
        if not url.startswith(CDN) or not (ASSETS_DIR / url.removeprefix(CDN)).is_file():
            raise RuntimeError(f"GraphiQL asset not vendored: {url} (see {ASSETS_DIR / 'README.md'})")
    return page.replace(CDN, f"{ASSETS_URL}/")


class OfflineGraphQLRouter(GraphQLRouter):
    """Strawberry's router, serving the offline page instead of the CDN one."""

    _page: str | None = None

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        if self._page is None:
            self._page = offline_page()
        return HTMLResponse(self._page, headers={"Content-Security-Policy": CSP})


def install_graphiql_assets(app: FastAPI) -> None:
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="graphiql-assets")
