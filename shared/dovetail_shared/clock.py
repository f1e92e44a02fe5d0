"""The one place that reads the time: the boundary asks a ``Clock`` and hands ``now``/``today`` to the domain.

Domain code never reads a clock (a test greps for it); tests inject a ``FixedClock``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib.resources import files
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_TIME_ZONE = "UTC"
TIME_ZONE_MAX = 64  # the longest IANA name is about 30 characters


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


def local_date(now: datetime, time_zone: str | None = DEFAULT_TIME_ZONE) -> date:
    """The calendar date of the instant ``now`` in an IANA time zone (an organisation's local day).

    Pure (reads no clock), so use cases call it with the ``now`` the boundary gave them. ``None`` means UTC:
    an organisation whose time zone a service has not learnt yet (older events carry none).
    """
    return now.astimezone(ZoneInfo(time_zone or DEFAULT_TIME_ZONE)).date()


def today_in(clock: Clock, time_zone: str | None = DEFAULT_TIME_ZONE) -> date:
    """The calendar date at ``clock.now()`` in an IANA time zone."""
    return local_date(clock.now(), time_zone)


@cache
def _zones() -> frozenset[str]:
    # The keys of the tzdata package (a dependency), not ``available_timezones()``: that also lists whatever
    # the host's zoneinfo folder holds (``localtime``, ``posixrules``), so validity would depend on the machine.
    return frozenset(files("tzdata").joinpath("zones").read_text(encoding="utf-8").split())


def is_time_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone key (``Asia/Shanghai``, ``UTC``); paths and offsets are not."""
    return len(name) <= TIME_ZONE_MAX and name in _zones()


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock that stands still until a test moves it."""

    at: datetime = field(default_factory=lambda: datetime(2026, 1, 15, 9, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at = self.at + delta
