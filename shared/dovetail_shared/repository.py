"""Generic aggregate repository over one table, with optimistic concurrency; queries live in repositories."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import Conflict, NotFound, VersionConflict, Violation

A = TypeVar("A", bound=Aggregate)


def violated_constraint(exc: IntegrityError) -> str | None:
    """The index or constraint an ``IntegrityError`` names (SQLAlchemy wraps asyncpg's error, which names it)."""
    cause = getattr(exc.orig, "__cause__", None)
    return getattr(cause, "constraint_name", None) or getattr(exc.orig, "constraint_name", None)


@asynccontextmanager
async def unique_or_conflict(
    session: AsyncSession, index: str, field: str, rule: str, message: str
) -> AsyncIterator[None]:
    """A violation of unique ``index`` (a racing request included) as a 409 naming ``field`` and ``rule``.

    A savepoint keeps the transaction usable when the index refuses the row; any other integrity error is
    re-raised as it is.
    """
    try:
        async with session.begin_nested():
            yield
    except IntegrityError as exc:
        if violated_constraint(exc) == index:
            raise Conflict(f"{field}: {message}", violations=[Violation(field, rule, message)]) from exc
        raise


class AggregateRepository(Generic[A]):
    """Maps an aggregate 1:1 onto a table whose columns carry the aggregate's field names.

    Nested models go to JSONB columns; the engine's JSON serializer understands UUID/Decimal/date.
    ``save`` writes only if the row still has the version the aggregate was loaded with, so a racing
    writer gets 409 instead of silently overwriting.
    """

    aggregate: type[A]
    table: sa.Table
    entity_name: str = "aggregate"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _to_row(self, agg: A) -> dict[str, Any]:
        names = set(self.table.c.keys())
        return {k: v for k, v in agg.model_dump().items() if k in names}

    def _from_row(self, row: Any) -> A:
        return self.aggregate.model_validate(dict(row._mapping))

    async def get(self, id: uuid.UUID, *, for_update: bool = False, for_share: bool = False) -> A | None:
        """``for_share`` holds the row unchanged (others may share it; a writer of the row waits)."""
        stmt = sa.select(self.table).where(self.table.c.id == id)
        if for_update:
            stmt = stmt.with_for_update()
        elif for_share:
            stmt = stmt.with_for_update(read=True)
        row = (await self.session.execute(stmt)).first()
        return None if row is None else self._from_row(row)

    async def require(self, id: uuid.UUID, *, for_update: bool = False, for_share: bool = False) -> A:
        agg = await self.get(id, for_update=for_update, for_share=for_share)
        if agg is None:
            raise NotFound(f"{self.entity_name} {id} not found")
        return agg

    async def add(self, agg: A) -> None:
        agg.version = 1
        await self.session.execute(sa.insert(self.table).values(**self._to_row(agg)))

    async def save(self, agg: A, *, expected_version: int | None = None) -> None:
        """Persist ``agg`` loaded at ``agg.version``; ``expected_version`` is the client's If-Match."""
        loaded = agg.version
        if expected_version is not None and expected_version != loaded:
            raise VersionConflict(self.entity_name, expected_version, loaded)
        values = self._to_row(agg)
        values["version"] = loaded + 1
        result = await self.session.execute(
            sa.update(self.table).where(self.table.c.id == agg.id, self.table.c.version == loaded).values(**values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            current = await self.session.scalar(sa.select(self.table.c.version).where(self.table.c.id == agg.id))
            if current is None:
                raise NotFound(f"{self.entity_name} {agg.id} not found")
            raise VersionConflict(self.entity_name, loaded, current)
        agg.version = loaded + 1

    async def list(
        self, *where: sa.ColumnElement[bool], limit: int = 50, offset: int = 0, order_by: Any = None
    ) -> tuple[list[A], int]:
        base = sa.select(self.table).where(*where)
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
        order = order_by if order_by is not None else self.table.c.created_at
        rows = (await self.session.execute(base.order_by(order, self.table.c.id).limit(limit).offset(offset))).all()
        return [self._from_row(r) for r in rows], int(total or 0)


class InMemoryRepository(Generic[A]):
    """The same contract on a dict, for unit tests of service handlers only."""

    entity_name: str = "aggregate"

    def __init__(self) -> None:
        self.items: dict[uuid.UUID, A] = {}

    async def get(self, id: uuid.UUID, *, for_update: bool = False, for_share: bool = False) -> A | None:
        item = self.items.get(id)
        return None if item is None else item.model_copy(deep=True)

    async def require(self, id: uuid.UUID, *, for_update: bool = False, for_share: bool = False) -> A:
        agg = await self.get(id)
        if agg is None:
            raise NotFound(f"{self.entity_name} {id} not found")
        return agg

    async def add(self, agg: A) -> None:
        agg.version = 1
        self.items[agg.id] = agg.model_copy(deep=True)

    async def save(self, agg: A, *, expected_version: int | None = None) -> None:
        current = self.items[agg.id].version
        if expected_version is not None and expected_version != agg.version:
            raise VersionConflict(self.entity_name, expected_version, agg.version)
        if current != agg.version:
            raise VersionConflict(self.entity_name, agg.version, current)
        agg.version += 1
        self.items[agg.id] = agg.model_copy(deep=True)
