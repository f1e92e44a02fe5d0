"""Topics internships publishes to, derived from the payload classes (one naming rule)."""

from __future__ import annotations

from dovetail_shared.events.base import topic_for
from dovetail_shared.events.internships import ApplicationSubmitted, PlacementConfirmed, PostingOpened
from dovetail_shared.settings import ServiceSettings


def published(settings: ServiceSettings) -> list[str]:
    return [
        topic_for(settings.topic_prefix, p.service(), p.aggregate)
        for p in (PostingOpened, ApplicationSubmitted, PlacementConfirmed)
    ]
