"""Event payloads (the contract between services), their registry and the domain-event wrapper."""

from dovetail_shared.events.base import (
    DomainEvent,
    EventPayload,
    event_class,
    registered_events,
    topic_for,
)

__all__ = ["DomainEvent", "EventPayload", "event_class", "registered_events", "topic_for"]
