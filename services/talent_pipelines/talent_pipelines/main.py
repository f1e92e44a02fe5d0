"""Talent pipelines service: its one declaration (routers, tables, consumers, jobs, port); found by entry point."""

from __future__ import annotations

from dovetail_shared.runtime import define_service

from talent_pipelines.api.routes import routers
from talent_pipelines.messaging import jobs, supply, topics
from talent_pipelines.tables import messaging, organizations
from talent_pipelines.uow import TalentPipelinesUnitOfWork

SPEC = define_service(
    "talent_pipelines",
    port=8105,
    package_file=__file__,
    title="Dovetail talent pipelines",
    description="Talent demands of verified firms ranked against supply (cohorts of joint programs, consenting "
    "learners) with an explanation of every score and what would raise it; gaps as curriculum change proposals; "
    "the pipeline from match to hire; funnel and gap analytics.",
    messaging=messaging,
    routers=routers,
    uow_class=TalentPipelinesUnitOfWork,
    consumers=[organizations.consumer(), supply.consumer()],
    published_topics=topics.published,
    jobs=[jobs.EXPIRY],
)
create_app = SPEC.create_app
get_settings = SPEC.settings_factory
