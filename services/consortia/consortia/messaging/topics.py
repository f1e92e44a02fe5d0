"""Topics consortia publishes to, derived from the payload classes (one naming rule)."""

from __future__ import annotations

from dovetail_shared.events.base import topic_for
from dovetail_shared.events.consortia import ConsortiumFormed, OrganizationRegistered
from dovetail_shared.settings import ServiceSettings


def organizations(settings: ServiceSettings) -> str:
    return topic_for(settings.topic_prefix, "consortia", OrganizationRegistered.aggregate)


def consortia(settings: ServiceSettings) -> str:
    return topic_for(settings.topic_prefix, "consortia", ConsortiumFormed.aggregate)


def published(settings: ServiceSettings) -> list[str]:
    return [organizations(settings), consortia(settings)]
