"""The one place that reads the time: the boundary asks a ``Clock`` and hands ``now``/``today`` to the domain.

Domain code never reads a clock (a test greps for it); tests inject a ``FixedClock``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...


def today_in(clock: Clock, time_zone: str = "UTC") -> date:
    """The calendar date at ``clock.now()`` in an IANA time zone (an organisation's local day)."""
    return clock.now().astimezone(ZoneInfo(time_zone)).date()


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
