"""The domain reads no clock: every ``now``/``today`` comes in as a parameter from the boundary (ADR 0015)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# Calls that read the time, whatever they are called on (``datetime.now()``, ``clock.now()``, ``time.time()``).
CLOCK_CALLS = frozenset({"now", "utcnow", "today", "time", "time_ns", "monotonic", "perf_counter", "localtime"})
# Names that are clocks or read one when called, however they were imported.
CLOCK_NAMES = frozenset({"utcnow", "SystemClock", "today_in", "Clock"})


def domain_modules() -> list[Path]:
    """Every module of every service's domain package, and the shared aggregate base."""
    return sorted([*ROOT.glob("services/*/*/domain/**/*.py"), ROOT / "shared/dovetail_shared/domain.py"])


def clock_reads(source: str) -> list[str]:
    """Where ``source`` reads a clock, as ``line: what`` (empty when it reads none)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if name in CLOCK_CALLS or name in CLOCK_NAMES:
                found.append(f"{node.lineno}: calls {ast.unparse(func)}()")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if alias.name in CLOCK_NAMES or (node.module == "time" and alias.name in CLOCK_CALLS):
                    found.append(f"{node.lineno}: imports {alias.name} from {node.module}")
        elif isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: imports {a.name}" for a in node.names if a.name in ("time", "dovetail_shared.clock")
            ]
        elif isinstance(node, ast.Name) and node.id in CLOCK_NAMES:
            # e.g. ``Field(default_factory=utcnow)``: handed over, not called, but read on every construction.
            found.append(f"{node.lineno}: uses {node.id}")
    return sorted(set(found), key=lambda s: int(s.split(":")[0]))


def test_every_service_domain_is_scanned() -> None:
    services = {p.relative_to(ROOT).parts[1] for p in domain_modules() if p.parts[-3] != "dovetail_shared"}
    assert {"curricula", "consortia"} <= services


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_module_reads_no_clock(path: Path) -> None:
    reads = clock_reads(path.read_text(encoding="utf-8"))
    assert not reads, f"{path.relative_to(ROOT)} reads the clock (take now/today as parameters): {reads}"


@pytest.mark.parametrize(
    "snippet",
    [
        # What the domain did before ADR 0015, one line of each kind.
        "from dovetail_shared.domain import utcnow\nx = Field(default_factory=utcnow)",
        "def utcnow():\n    return datetime.now(UTC)",
        "self.verified_at = at or utcnow()",
        "created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))",
        "today = date.today()",
        "import time\nstarted = time.time()",
        "from time import monotonic",
        "from dovetail_shared.clock import SystemClock",
        "day = self.clock.now().date()",
    ],
)
def test_the_check_catches_a_clock_read(snippet: str) -> None:
    assert clock_reads(snippet)


def test_the_check_lets_parameters_through() -> None:
    source = (
        "from datetime import date, datetime\n"
        "def publish(self, today: date, *, now: datetime) -> None:\n"
        "    self.published_at = now\n"
        "    self.effective_date = self.effective_date or today\n"
        "    self.touch(now)\n"
    )
    assert clock_reads(source) == []
