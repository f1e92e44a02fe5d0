"""Staged writes: one executemany per run of the same statement, in staging order, at commit; gone on rollback."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from dovetail_shared.uow import SqlUnitOfWork

metadata = sa.MetaData()
things = sa.Table("things", metadata, sa.Column("n", sa.Integer))
others = sa.Table("others", metadata, sa.Column("n", sa.Integer))
INSERT_THING = sa.insert(things)
INSERT_OTHER = sa.insert(others)


class RecordingSession:
    def __init__(self) -> None:
        self.calls: list[Any] = []

    async def begin(self) -> None: ...
    async def close(self) -> None: ...

    async def rollback(self) -> None:
        self.calls.append("rollback")

    async def commit(self) -> None:
        self.calls.append("commit")

    async def execute(self, statement: Any, params: Any = None) -> None:
        self.calls.append((statement, params))


def uow(session: RecordingSession) -> SqlUnitOfWork:
    return SqlUnitOfWork(lambda: session, None, "t")  # type: ignore[arg-type,return-value]


async def test_runs_of_one_statement_go_as_one_executemany_in_staging_order() -> None:
    session = RecordingSession()
    async with uow(session) as u:
        u.stage(INSERT_THING, {"n": 1})
        u.stage(INSERT_THING, {"n": 2})
        u.stage(INSERT_OTHER, {"n": 3})
        u.stage(INSERT_THING, {"n": 4})
        assert session.calls == []  # nothing is written before the commit
        await u.commit()
    assert session.calls == [
        (INSERT_THING, [{"n": 1}, {"n": 2}]),
        (INSERT_OTHER, [{"n": 3}]),
        (INSERT_THING, [{"n": 4}]),
        "commit",
    ]


async def test_flush_writes_now_and_only_once() -> None:
    session = RecordingSession()
    async with uow(session) as u:
        u.stage(INSERT_THING, {"n": 1})
        await u.flush_staged()
        await u.commit()
    assert session.calls == [(INSERT_THING, [{"n": 1}]), "commit"]


async def test_a_rollback_forgets_what_was_staged() -> None:
    session = RecordingSession()
    u = uow(session)
    async with u:
        u.stage(INSERT_THING, {"n": 1})
    assert session.calls == ["rollback"]
    async with u:
        await u.commit()
    assert session.calls == ["rollback", "commit"]
