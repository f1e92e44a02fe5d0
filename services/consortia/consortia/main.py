"""Consortia service: its one declaration (routers, tables, topics, port); scripts find it by entry point."""

from __future__ import annotations

from dovetail_shared.runtime import define_service

from consortia.api.routes import routers
from consortia.messaging import topics
from consortia.tables import messaging
from consortia.uow import ConsortiaUnitOfWork

SPEC = define_service(
    "consortia",
    port=8102,
    package_file=__file__,
    title="Dovetail consortia",
    description="Organisations and their vetting by platform operators; consortia with membership and join "
    "requests; the contribution ledger; benefit sharing with exact largest-remainder allocations.",
    messaging=messaging,
    routers=routers,
    uow_class=ConsortiaUnitOfWork,
    published_topics=topics.published,
)
create_app = SPEC.create_app
get_settings = SPEC.settings_factory
