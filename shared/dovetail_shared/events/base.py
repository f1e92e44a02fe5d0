"""Base class and registry of event payloads; a payload's class knows its CloudEvents type and topic."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

_REGISTRY: dict[str, type[EventPayload]] = {}
_PART = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
_TYPE_RE = re.compile(rf"dovetail\.{_PART}\.{_PART}\.{_PART}\.v[1-9][0-9]*")


class EventPayload(BaseModel):
    """A frozen event payload. Consumers ignore unknown fields so producers may add optional ones.

    Subclasses set ``event_type`` (``dovetail.<service>.<entity>.<past_tense_action>.v<major>``) and
    ``aggregate`` (the topic's aggregate name); the topic is ``<prefix>.<service>.<aggregate>``.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    event_type: ClassVar[str]
    aggregate: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is None:
            return
        if not _TYPE_RE.fullmatch(event_type):
            # Dots separate the parts; a multi-word part uses '-' (never '_', never mixed): ADR 0001.
            raise ValueError(f"event type {event_type!r} is not dovetail.<service>.<entity>.<action>.v<N>")
        if event_type in _REGISTRY and _REGISTRY[event_type] is not cls:
            raise ValueError(f"event type {event_type!r} registered twice")
        _REGISTRY[event_type] = cls

    @classmethod
    def service(cls) -> str:
        return cls.event_type.split(".")[1]


def registered_events() -> dict[str, type[EventPayload]]:
    """Every payload class imported so far, by CloudEvents type."""
    return dict(_REGISTRY)


def event_class(event_type: str) -> type[EventPayload] | None:
    return _REGISTRY.get(event_type)


def topic_for(prefix: str, service: str, aggregate: str) -> str:
    """Topic naming rule, in one place: ``<env prefix>.<service>.<aggregate>`` (dots only, lower-case)."""
    return f"{prefix}.{service}.{aggregate}" if prefix else f"{service}.{aggregate}"


@dataclass(frozen=True)
class DomainEvent:
    """A payload plus the envelope facts the domain knows: which aggregate it is about, and when.

    ``time`` has no default: it is the ``now`` of the use case that caused the event (the boundary's clock),
    never a clock read here, so an injected clock also sets the events' ``ce_time``.
    """

    payload: EventPayload
    subject: uuid.UUID
    time: datetime
    id: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def type(self) -> str:
        return self.payload.event_type
