"""Curricula service: its one declaration (routers, tables, consumers, port); scripts find it by entry point."""

from __future__ import annotations

from dovetail_shared.runtime import define_service

from curricula.api.routes import router
from curricula.messaging import topics
from curricula.tables import memberships, messaging, organizations, taxonomy
from curricula.uow import CurriculaUnitOfWork

SPEC = define_service(
    "curricula",
    port=8101,
    package_file=__file__,
    title="Dovetail curricula",
    description="Co-designed, versioned curricula: versions, modules and outcomes mapped to taxonomy skills, "
    "change proposals and reviews between colleges and firms.",
    messaging=messaging,
    taxonomy=taxonomy,
    routers=[router],
    uow_class=CurriculaUnitOfWork,
    consumers=[organizations.consumer(), memberships.consumer()],
    published_topics=topics.published,
)
create_app = SPEC.create_app
get_settings = SPEC.settings_factory
