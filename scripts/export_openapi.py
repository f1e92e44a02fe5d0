"""Write each service's OpenAPI document to ``services/<name>/openapi.json`` (the committed HTTP contract)."""

from __future__ import annotations

import argparse
import os

# Building an app reads its settings; the shipped placeholders are accepted only for local work like this.
os.environ.setdefault("DOVETAIL_ENVIRONMENT", "development")

from dovetail_shared.registry import names
from dovetail_shared.testing.contracts import ROOT, generate_openapi, openapi_path, render_openapi


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("services", nargs="*", default=names(), help="default: every service")
    args = parser.parse_args(argv)
    for name in args.services:
        path = openapi_path(name)
        path.write_text(render_openapi(generate_openapi(name)))
        print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
