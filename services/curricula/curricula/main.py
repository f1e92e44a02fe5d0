"""Curricula service: its spec (routers, tables, consumers), the ASGI app, and the command line."""

from __future__ import annotations

from pathlib import Path

from dovetail_shared.http.app import create_service_app
from dovetail_shared.runner import main
from dovetail_shared.runtime import ServiceSpec
from dovetail_shared.settings import ServiceSettings
from fastapi import FastAPI

from curricula.api.routes import router
from curricula.config import get_settings
from curricula.messaging import topics
from curricula.tables import memberships, messaging, organizations, taxonomy
from curricula.uow import CurriculaUnitOfWork

SPEC = ServiceSpec(
    name="curricula",
    title="Dovetail curricula",
    description="Co-designed, versioned curricula: versions, modules and outcomes mapped to taxonomy skills, "
    "change proposals and reviews between colleges and firms.",
    settings_factory=get_settings,
    messaging=messaging,
    taxonomy=taxonomy,
    routers=[router],
    uow_class=CurriculaUnitOfWork,
    consumers=[organizations.consumer(), memberships.consumer()],
    published_topics=topics.published,
    alembic_ini=str(Path(__file__).resolve().parents[1] / "alembic.ini"),
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service_app(SPEC, settings)


def cli() -> None:
    main(SPEC)


if __name__ == "__main__":
    cli()
