"""Internships service: its one declaration (routers, tables, consumers, port); scripts find it by entry point."""

from __future__ import annotations

from dovetail_shared.runtime import define_service

from internships.api.routes import routers
from internships.config import active_rules
from internships.messaging import firms, learners, topics
from internships.tables import messaging, organizations, taxonomy
from internships.uow import InternshipsUnitOfWork

active_rules()  # a misconfigured rule set stops every role at start, not at the first logbook entry

SPEC = define_service(
    "internships",
    port=8104,
    package_file=__file__,
    title="Dovetail internships",
    description="Internship postings by verified firms, applications under the learner's placement consent, "
    "tripartite placements with liability insurance, logbooks signed by the mentor and checked against a "
    "configurable internship rule set (default cn-2021), evaluations, and the per-skill evidence of completion.",
    messaging=messaging,
    routers=routers,
    uow_class=InternshipsUnitOfWork,
    consumers=[organizations.consumer(), learners.consumer, firms.consumer],
    published_topics=topics.published,
    taxonomy=taxonomy,
)
create_app = SPEC.create_app
get_settings = SPEC.settings_factory
