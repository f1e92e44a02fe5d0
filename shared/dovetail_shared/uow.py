"""Unit of work: one transaction that stores the aggregates and their events in the outbox together."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, overload

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dovetail_shared.clock import Clock, SystemClock
from dovetail_shared.db import MessagingTables
from dovetail_shared.events.base import DomainEvent, topic_for
from dovetail_shared.logging import current_correlation_id, traceparent_var
from dovetail_shared.tracing import current_traceparent

_OUTBOX_COLUMNS = ("event_id", "event_type", "topic", "key", "subject", "payload", "headers", "occurred_at")
_outbox_writes: dict[sa.Table, sa.Select[Any]] = {}


def outbox_write(messaging: MessagingTables) -> sa.Select[Any]:
    """Insert the outbox rows and ``NOTIFY`` the relay in one statement and one round trip.

    The rows go in as one array per column (``unnest``), so the statement has one shape whatever the
    number of events and is compiled and prepared once. Postgres delivers the notification only if the
    transaction commits: the relay never wakes for rows that do not exist.
    """
    outbox = messaging.outbox
    cached = _outbox_writes.get(outbox)
    if cached is None:
        arrays = [
            sa.func.unnest(sa.cast(sa.bindparam(name, type_=ARRAY(outbox.c[name].type)), ARRAY(outbox.c[name].type)))
            for name in _OUTBOX_COLUMNS
        ]
        insert = sa.insert(outbox).from_select(list(_OUTBOX_COLUMNS), sa.select(*arrays)).cte("written")
        cached = sa.select(sa.func.pg_notify(messaging.notify_channel, "")).add_cte(insert)
        _outbox_writes[outbox] = cached
    return cached


class AbstractUnitOfWork:
    """What the service layer sees: collect events, commit, roll back. Services never commit themselves."""

    events: list[DomainEvent]

    def __init__(self) -> None:
        self.events = []
        self.trace_headers: list[dict[str, str]] = []
        self.committed = False

    def emit(self, *events: DomainEvent) -> None:
        # The correlation id and trace context are those of the work that caused the event, taken now:
        # a consumer handling a batch commits many causes at once.
        headers: dict[str, str] = {"correlation_id": current_correlation_id()}
        traceparent = current_traceparent() or traceparent_var.get()
        if traceparent:
            headers["traceparent"] = traceparent
        self.events.extend(events)
        self.trace_headers.extend(headers for _ in events)

    def reset_events(self) -> None:
        """Forget the collected events (after a commit wrote them, or a rollback took their cause)."""
        self.events.clear()
        self.trace_headers.clear()

    async def commit(self) -> None:
        raise NotImplementedError

    async def rollback(self) -> None:
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.committed:
            await self.rollback()


R = TypeVar("R")


class bound(Generic[R]):
    """A repository (or projection directory) bound to the unit of work's current session, made on first use.

    Declared on a service's unit of work instead of an ``__aenter__`` that builds each one by hand.
    """

    def __init__(self, factory: Callable[[AsyncSession], R]) -> None:
        self.factory = factory

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, uow: None, owner: type) -> bound[R]: ...
    @overload
    def __get__(self, uow: SqlUnitOfWork, owner: type) -> R: ...
    def __get__(self, uow: SqlUnitOfWork | None, owner: type) -> bound[R] | R:
        if uow is None:
            return self
        session = uow.session
        cached = uow._bound.get(self.name)
        if cached is None or cached[0] is not session:
            cached = (session, self.factory(session))
            uow._bound[self.name] = cached
        value: R = cached[1]
        return value


class SqlUnitOfWork(AbstractUnitOfWork):
    """Owns an AsyncSession. ``commit`` writes the collected events to the outbox, then commits once.

    ``NOTIFY`` is sent inside the same transaction, so Postgres delivers it only if the commit succeeds:
    the relay never wakes for rows that do not exist.
    """

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession],
        messaging: MessagingTables,
        topic_prefix: str,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self._session_factory = session_factory
        self.messaging = messaging
        self.topic_prefix = topic_prefix
        # The runtime's clock, for consumer-side work that has no event time to go by (tests inject one).
        self.clock: Clock = clock or SystemClock()
        self._session: AsyncSession | None = None
        self._bound: dict[str, tuple[AsyncSession, Any]] = {}
        self._staged: list[tuple[sa.Executable, dict[str, Any]]] = []

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("unit of work used outside 'async with'")
        return self._session

    async def __aenter__(self) -> Self:
        self.reset_events()
        self._staged.clear()
        self.committed = False
        self._session = self._session_factory()
        await self._session.begin()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            await super().__aexit__(exc_type, exc, tb)
        finally:
            if self._session is not None:
                await self._session.close()
                self._session = None

    def outbox_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "event_id": e.id,
                "event_type": e.type,
                "topic": topic_for(self.topic_prefix, e.payload.service(), e.payload.aggregate),
                "key": str(e.subject),
                "subject": str(e.subject),
                "payload": e.payload.model_dump(mode="json"),
                "headers": headers,
                "occurred_at": e.time,
            }
            for e, headers in zip(self.events, self.trace_headers, strict=True)
        ]

    def stage(self, statement: sa.Executable, params: Mapping[str, Any]) -> None:
        """Run ``statement`` with ``params`` at commit, batched with the rows staged after it for the same statement.

        For writes nothing in the same unit of work reads back (an effect row, a ledger line): consecutive
        rows staged for one statement object go to the database as one executemany, in staging order, so a
        consumer chunk of N events costs one round trip instead of N. Pass the same statement object each
        time (a module-level ``insert(table)``, no inline ``.values()``). An error surfaces at commit, where
        the consumer treats it like a handler's: the chunk rolls back and is replayed event by event.
        """
        self._staged.append((statement, dict(params)))

    async def flush_staged(self) -> None:
        """Write the staged rows now (``commit`` does this first); for a read that must see them."""
        staged, self._staged = self._staged, []
        i = 0
        while i < len(staged):
            statement = staged[i][0]
            j = i
            while j < len(staged) and staged[j][0] is statement:
                j += 1
            await self.session.execute(statement, [params for _, params in staged[i:j]])
            i = j

    async def commit(self) -> None:
        session = self.session
        await self.flush_staged()
        if self.events:
            rows = self.outbox_rows()
            await session.execute(outbox_write(self.messaging), {c: [r[c] for r in rows] for c in _OUTBOX_COLUMNS})
        await session.commit()
        self.committed = True
        self.reset_events()

    async def rollback(self) -> None:
        self._staged.clear()
        if self._session is not None:
            await self._session.rollback()
        self.reset_events()
