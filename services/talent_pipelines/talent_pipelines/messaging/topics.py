"""Topics talent pipelines publishes to and reads from, derived from the payload classes (one naming rule)."""

from __future__ import annotations

from dovetail_shared.events.base import topic_for
from dovetail_shared.events.curricula import CurriculumVersionPublished
from dovetail_shared.events.internships import PlacementConfirmed
from dovetail_shared.events.joint_programs import CohortOpened, LearnerRegistered, ProgramProposed
from dovetail_shared.events.talent_pipelines import CandidateAdvanced, DemandPosted
from dovetail_shared.settings import ServiceSettings


def published(settings: ServiceSettings) -> list[str]:
    return [topic_for(settings.topic_prefix, p.service(), p.aggregate) for p in (DemandPosted, CandidateAdvanced)]


def supply(settings: ServiceSettings) -> list[str]:
    """Curricula's curricula, joint programs' programs, cohorts and learners, internships' placements."""
    return [
        topic_for(settings.topic_prefix, p.service(), p.aggregate)
        for p in (CurriculumVersionPublished, ProgramProposed, CohortOpened, LearnerRegistered, PlacementConfirmed)
    ]
