"""/docs and /redoc render every operation in headless Chromium with no network beyond loopback."""

from __future__ import annotations

import html
import importlib

import pytest
from dovetail_shared.http.app import create_service_app
from dovetail_shared.testing.browser import render, serve_on_loopback

pytestmark = pytest.mark.integration

SERVICES = ["curricula", "consortia"]


@pytest.mark.parametrize("service", SERVICES)
def test_docs_render_every_operation_offline(service: str) -> None:
    spec = importlib.import_module(f"{service}.main").SPEC
    app = create_service_app(spec, spec.settings_factory())
    document = app.openapi()
    with serve_on_loopback(app) as origin:
        swagger = render(f"{origin}/docs")
        redoc = render(f"{origin}/redoc")
    for page in (swagger, redoc):
        asked = page.initiated_by(origin)
        outside = [u for u in asked if not u.startswith((origin, "data:", "blob:"))]
        assert not outside, f"the page requested something beyond {origin}: {outside[:10]}"
        assert f"{origin}/openapi.json" in asked, asked
        assert any("/docs-assets/" in u for u in asked), asked
    swagger_dom, redoc_dom = html.unescape(swagger.dom), html.unescape(redoc.dom)
    for path, item in document["paths"].items():
        # Swagger UI renders one block per operation, tagged with its path and method.
        assert f'data-path="{path}"' in swagger_dom, f"Swagger UI did not render {path}"
        for op in item.values():
            assert op["summary"] in redoc_dom, f"ReDoc did not render {op['summary']!r} ({path})"
    assert swagger_dom.count('class="opblock ') >= sum(len(i) for i in document["paths"].values())
