"""Write each service's OpenAPI document to ``services/<name>/openapi.json`` (the committed HTTP contract)."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("curricula", "consortia")


def render(document: dict[str, Any]) -> str:
    """The one serialisation both this script and the contract tests use, so a diff means a real change."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate(name: str) -> dict[str, Any]:
    """The service's OpenAPI as its app serves it; building the app opens no connection (lifespan does)."""
    module = importlib.import_module(f"{name}.main")
    document: dict[str, Any] = module.create_app().openapi()
    return document


def path_of(name: str) -> Path:
    return ROOT / "services" / name / "openapi.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("services", nargs="*", default=list(SERVICES), help="default: every service")
    args = parser.parse_args(argv)
    for name in args.services:
        try:
            document = generate(name)
        except ImportError as exc:
            # A service still being built has no app yet; the others must not wait for it.
            print(f"skipped {name}: {name}.main does not import ({exc})", file=sys.stderr)
            continue
        path = path_of(name)
        path.write_text(render(document))
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
