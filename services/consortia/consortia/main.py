"""Consortia service: its spec (routers, tables, topics), the ASGI app, and the command line."""

from __future__ import annotations

from pathlib import Path

from dovetail_shared.http.app import create_service_app
from dovetail_shared.runner import main
from dovetail_shared.runtime import ServiceSpec
from dovetail_shared.settings import ServiceSettings
from fastapi import FastAPI

from consortia.api.routes import routers
from consortia.config import get_settings
from consortia.messaging import topics
from consortia.tables import messaging
from consortia.uow import ConsortiaUnitOfWork

SPEC = ServiceSpec(
    name="consortia",
    title="Dovetail consortia",
    description="Organisations and their vetting by platform operators; consortia with membership and join "
    "requests; the contribution ledger; benefit sharing with exact largest-remainder allocations.",
    settings_factory=get_settings,
    messaging=messaging,
    routers=routers,
    uow_class=ConsortiaUnitOfWork,
    consumers=[],
    published_topics=topics.published,
    alembic_ini=str(Path(__file__).resolve().parents[1] / "alembic.ini"),
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings)


def cli() -> None:
    main(SPEC)


if __name__ == "__main__":
    cli()
