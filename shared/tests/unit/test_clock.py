from datetime import UTC, datetime, timedelta

from dovetail_shared.clock import FixedClock, SystemClock, today_in


def test_local_day_differs_from_utc_day_across_midnight() -> None:
    clock = FixedClock(datetime(2026, 3, 1, 17, 30, tzinfo=UTC))  # 01:30 on 2 March in Shanghai
    assert today_in(clock) == datetime(2026, 3, 1).date()
    assert today_in(clock, "Asia/Shanghai") == datetime(2026, 3, 2).date()


def test_fixed_clock_moves_only_when_told() -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    first = clock.now()
    clock.advance(timedelta(days=2))
    assert clock.now() - first == timedelta(days=2)


def test_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC
