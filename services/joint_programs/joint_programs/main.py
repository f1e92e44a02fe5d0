"""Joint programs service: its one declaration (routers, tables, consumers, port); scripts find it by entry point."""

from __future__ import annotations

from dovetail_shared.runtime import define_service

from joint_programs.api.routes import routers
from joint_programs.messaging import topics
from joint_programs.tables import curriculum_versions, memberships, messaging, organizations
from joint_programs.uow import JointProgramsUnitOfWork

SPEC = define_service(
    "joint_programs",
    port=8103,
    package_file=__file__,
    title="Dovetail joint programs",
    description="Programs a college runs with partner firms (order classes, modern apprenticeships, industry "
    "colleges, joint labs) on a pinned curriculum version; cohorts, the learner roster, enrolment with seat "
    "limits, consent and erasure. The only owner of learners' personal data.",
    messaging=messaging,
    routers=routers,
    uow_class=JointProgramsUnitOfWork,
    consumers=[organizations.consumer(), memberships.consumer(), curriculum_versions.consumer()],
    published_topics=topics.published,
)
create_app = SPEC.create_app
get_settings = SPEC.settings_factory
