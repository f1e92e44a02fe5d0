"""Repositories declared with ``bound`` belong to the unit of work's current transaction."""

from __future__ import annotations

from typing import Any

import pytest
from dovetail_shared.uow import SqlUnitOfWork, bound


class FakeSession:
    async def begin(self) -> None: ...
    async def rollback(self) -> None: ...
    async def close(self) -> None: ...


class Repo:
    def __init__(self, session: Any) -> None:
        self.session = session


class ServiceUnitOfWork(SqlUnitOfWork):
    things = bound(Repo)


def uow() -> ServiceUnitOfWork:
    return ServiceUnitOfWork(FakeSession, None, "t")  # type: ignore[arg-type]


async def test_one_repository_per_transaction_on_its_session() -> None:
    u = uow()
    async with u:
        first = u.things
        assert first is u.things and first.session is u.session
    async with u:
        assert u.things is not first and u.things.session is u.session


async def test_outside_a_transaction_there_is_no_repository() -> None:
    with pytest.raises(RuntimeError):
        _ = uow().things
