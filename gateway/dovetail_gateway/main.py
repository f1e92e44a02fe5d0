"""``dovetail-gateway``: serve the graph (default), or print its SDL (``dovetail-gateway sdl``)."""

from __future__ import annotations

import argparse
import sys

import uvicorn
from dovetail_shared.logging import configure_logging
from dovetail_shared.tracing import configure_tracing

from dovetail_gateway.config import get_settings


def cli(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="dovetail-gateway", description="Run the Dovetail GraphQL gateway")
    parser.add_argument("command", nargs="?", default="serve", choices=("serve", "sdl"))
    parser.add_argument("--port", type=int, default=None, help="HTTP port (overrides GATEWAY_HTTP_PORT)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "sdl":
        from dovetail_gateway.schema import sdl

        sys.stdout.write(sdl())
        return
    settings = get_settings()
    if args.port is not None:
        settings = settings.model_copy(update={"http_port": args.port})
    configure_logging("gateway", settings.log_level, settings.log_json)
    configure_tracing("gateway", settings.otel_exporter, settings.otel_endpoint)
    from dovetail_gateway.app import create_app

    uvicorn.run(
        create_app(settings), host=settings.http_host, port=settings.http_port, log_config=None, access_log=False
    )
