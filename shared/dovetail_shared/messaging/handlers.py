"""Typed event handlers: ``@handlers.on(Payload)`` gets the decoded payload and the service's own unit of work."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Generic, TypeVar

from dovetail_shared.events.base import EventPayload
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.uow import SqlUnitOfWork

U = TypeVar("U", bound=SqlUnitOfWork)
P = TypeVar("P", bound=EventPayload)

# What the consumer calls: any unit of work, the raw event. The registry adapts typed handlers to it.
Handler = Callable[[SqlUnitOfWork, ReceivedEvent], Awaitable[None]]
TypedHandler = Callable[[U, P, ReceivedEvent], Awaitable[None]]


class HandlerRegistry(Mapping[str, Handler], Generic[U]):
    """Handlers of one consumer group by CloudEvents type; types nobody registered are ignored by the consumer.

    ``HandlerRegistry(CurriculaUnitOfWork)`` makes every handler receive that type: the check is done once
    here (the spec builds the service's unit of work), so handlers never ``cast`` or ``model_validate``.
    A payload that does not validate raises, which the consumer treats as poison (dead-letter topic).
    """

    def __init__(self, uow_type: type[U]) -> None:
        self.uow_type = uow_type
        self._handlers: dict[str, Handler] = {}

    def on(self, payload_type: type[P]) -> Callable[[TypedHandler[U, P]], TypedHandler[U, P]]:
        def register(fn: TypedHandler[U, P]) -> TypedHandler[U, P]:
            if payload_type.event_type in self._handlers:
                raise ValueError(f"{payload_type.event_type} already has a handler")

            async def handle(uow: SqlUnitOfWork, event: ReceivedEvent) -> None:
                if not isinstance(uow, self.uow_type):
                    raise TypeError(f"{fn.__qualname__} needs a {self.uow_type.__name__}, got {type(uow).__name__}")
                await fn(uow, payload_type.model_validate(event.data), event)

            handle.__qualname__ = fn.__qualname__
            self._handlers[payload_type.event_type] = handle
            return fn

        return register

    def include(self, other: HandlerRegistry[SqlUnitOfWork]) -> HandlerRegistry[U]:
        """Adds a shared component's handlers (e.g. a projection's) to this group's."""
        for event_type, handler in other.items():
            if event_type in self._handlers:
                raise ValueError(f"{event_type} already has a handler")
            self._handlers[event_type] = handler
        return self

    def __getitem__(self, event_type: str) -> Handler:
        return self._handlers[event_type]

    def __iter__(self) -> Iterator[str]:
        return iter(self._handlers)

    def __len__(self) -> int:
        return len(self._handlers)
