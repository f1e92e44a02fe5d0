"""In-memory unit of work and bus for fast unit tests of service handlers; never used by a running service."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from dovetail_shared.events.base import DomainEvent
from dovetail_shared.uow import AbstractUnitOfWork


class FakeUnitOfWork(AbstractUnitOfWork):
    """Keeps what a commit would have written to the outbox in ``published``; repositories are set by tests."""

    def __init__(self, **repositories: Any) -> None:
        super().__init__()
        self.published: list[DomainEvent] = []
        self.commits = 0
        for name, repo in repositories.items():
            setattr(self, name, repo)

    async def commit(self) -> None:
        self.published.extend(self.events)
        self.reset_events()
        self.commits += 1
        self.committed = True

    async def rollback(self) -> None:
        self.reset_events()


class InMemoryBus:
    """Delivers committed events to subscribed handlers synchronously, in order; duplicates are ignored."""

    def __init__(self) -> None:
        self.handlers: dict[str, list[Callable[[DomainEvent], Awaitable[None]]]] = {}
        self.seen: set[Any] = set()
        self.delivered: list[DomainEvent] = []

    def subscribe(self, event_type: str, handler: Callable[[DomainEvent], Awaitable[None]]) -> None:
        self.handlers.setdefault(event_type, []).append(handler)

    async def publish(self, *events: DomainEvent) -> None:
        for event in events:
            if event.id in self.seen:
                continue
            self.seen.add(event.id)
            self.delivered.append(event)
            for handler in self.handlers.get(event.type, []):
                await handler(event)
