"""The committed ``services/consortia/openapi.json`` is the HTTP contract: it must match what the app serves."""

from __future__ import annotations

import difflib
import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[4]
COMMITTED = ROOT / "services" / "consortia" / "openapi.json"


def exporter() -> ModuleType:
    # The script is the single definition of how the document is rendered; load it rather than copy it.
    spec = importlib.util.spec_from_file_location("export_openapi", ROOT / "scripts" / "export_openapi.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_openapi_matches_the_app() -> None:
    export = exporter()
    assert COMMITTED.exists(), "services/consortia/openapi.json is missing: run `make schemas` and commit it"
    generated = export.render(export.generate("consortia"))
    committed = COMMITTED.read_text()
    if committed != generated:
        diff = "".join(
            list(
                difflib.unified_diff(
                    committed.splitlines(keepends=True),
                    generated.splitlines(keepends=True),
                    "committed openapi.json",
                    "generated",
                    n=2,
                )
            )[:80]
        )
        raise AssertionError(
            "services/consortia/openapi.json differs from the app's OpenAPI: run `make schemas` and commit the "
            f"result (if the change is intended, clients must be told).\n{diff}"
        )


def test_every_operation_documents_problem_responses() -> None:
    """Clients rely on problem+json for every error; the document must say so where errors can happen."""
    document = json.loads(COMMITTED.read_text())
    for path, item in document["paths"].items():
        for method, op in item.items():
            if path in ("/healthz", "/readyz"):
                continue
            assert "422" in op["responses"], f"{method.upper()} {path} does not document 422"
            assert "application/problem+json" in op["responses"]["422"]["content"], f"{method.upper()} {path}"
