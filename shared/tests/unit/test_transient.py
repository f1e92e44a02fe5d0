"""Which failures the consumer retries (transient) and which it dead-letters (poison)."""

import pytest
from dovetail_shared.messaging.consumer import TransientError, is_transient
from sqlalchemy.exc import DBAPIError, OperationalError


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate", ["40P01", "40001", "57014", "55P03", "53300", "08006", "57P01"])
def test_deadlocks_timeouts_and_lost_connections_are_retried(sqlstate: str) -> None:
    assert is_transient(DBAPIError("stmt", {}, _PgError(sqlstate)))


@pytest.mark.parametrize("sqlstate", ["23505", "22P02", "42P01"])
def test_data_and_programming_errors_are_not(sqlstate: str) -> None:
    assert not is_transient(DBAPIError("stmt", {}, _PgError(sqlstate)))


def test_plain_infrastructure_errors() -> None:
    assert is_transient(TransientError("x"))
    assert is_transient(TimeoutError())
    assert is_transient(ConnectionRefusedError())
    assert is_transient(OperationalError("stmt", {}, Exception("down")))
    assert not is_transient(ValueError("bad payload"))
    assert not is_transient(KeyError("missing"))
