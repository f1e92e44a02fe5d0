"""Query-plan checks: record the SQL a repository really sends, EXPLAIN it, and find sequential scans."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession


class RecordedStatements:
    """Driver-level (statement, parameters) pairs, exactly as the repository's code compiled them."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            self.items.append((statement, parameters))

    def take(self) -> list[tuple[str, Any]]:
        out, self.items = self.items, []
        return out


@asynccontextmanager
async def seeded_session(
    engine: AsyncEngine,
) -> AsyncIterator[tuple[AsyncConnection, AsyncSession, RecordedStatements]]:
    """One transaction that is rolled back at the end: seeded rows and their statistics never leak."""
    recorder = RecordedStatements()
    async with engine.connect() as conn:
        transaction = await conn.begin()
        session = AsyncSession(bind=conn)
        sa.event.listen(conn.sync_connection, "before_cursor_execute", recorder)
        try:
            yield conn, session, recorder
        finally:
            sa.event.remove(conn.sync_connection, "before_cursor_execute", recorder)
            await session.close()
            await transaction.rollback()


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


async def seq_scans(conn: AsyncConnection, statement: str, parameters: Any, tables: set[str]) -> list[str]:
    """The ``tables`` the planner would read with a sequential scan to answer ``statement``."""
    result = await conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
    raw = result.scalar_one()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    return [
        n["Relation Name"] for n in _nodes(plan) if n["Node Type"] == "Seq Scan" and n.get("Relation Name") in tables
    ]
