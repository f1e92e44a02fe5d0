"""The authorization matrix: every route of a service's OpenAPI by every kind of caller, each cell an expected
status (and, for reads, what that caller may see), run over the real app and database.

A service writes only its table::

    ROWS = [
        Row("GET", "/things/{thing_id}", {"owner": 200, "other_tenant": 404, "anonymous": 401, ...},
            params=lambda w: {"thing_id": w.ids["thing"]}, sees=lambda party, body: ...),
        ...
    ]

and a ``world`` factory that builds, through the API, the objects and the callers (a ``World``). The test
fails when the OpenAPI document has an operation without a row, when a row lacks a party, or when a cell
answers differently. Reads and refused writes run in one shared world; each write expected to succeed gets a
fresh world, so that one party's success never changes what the next party meets.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

SAFE = ("GET", "HEAD")


@dataclass
class World:
    """The objects a matrix runs against and the callers' headers (``{}`` for anonymous)."""

    ids: dict[str, Any]
    parties: dict[str, dict[str, str]]
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # the OpenAPI path template
    expect: Mapping[str, int]
    params: Callable[[World], Mapping[str, Any]] = lambda w: {}
    body: Callable[[World], Any] | None = None
    query: Callable[[World], Mapping[str, Any]] | None = None
    sees: Callable[[str, World, Any], None] | None = None  # for reads: what this party may see

    @property
    def name(self) -> str:
        return f"{self.method} {self.path}"


def assert_rows_cover(document: Mapping[str, Any], rows: list[Row], parties: set[str]) -> None:
    """Every documented operation has exactly one row, and every row names every party."""
    documented = {f"{m.upper()} {p}" for p, item in document["paths"].items() for m in item}
    named = [r.name for r in rows]
    missing = sorted(documented - set(named))
    assert not missing, f"routes without a row in the authorization matrix: {missing}"
    extra = sorted(set(named) - documented)
    assert not extra, f"matrix rows for routes that do not exist: {extra}"
    dupes = sorted({n for n in named if named.count(n) > 1})
    assert not dupes, f"routes with more than one row: {dupes}"
    for r in rows:
        assert set(r.expect) == parties, f"{r.name}: parties {sorted(set(r.expect) ^ parties)} missing or unknown"


async def _call(client: httpx.AsyncClient, row: Row, world: World, party: str) -> httpx.Response:
    path = row.path.format(**{k: str(v) for k, v in row.params(world).items()})
    headers = dict(world.parties[party])
    kwargs: dict[str, Any] = {"headers": headers}
    if row.body is not None:
        kwargs["content"] = json.dumps(row.body(world), default=str)
        headers["Content-Type"] = "application/json"
    if row.query is not None:
        kwargs["params"] = {k: str(v) for k, v in row.query(world).items()}
    return await client.request(row.method, path, **kwargs)


async def run_matrix(client: httpx.AsyncClient, rows: list[Row], world: Callable[[], Awaitable[World]]) -> list[str]:
    """Runs every cell; returns the cells that answered differently (empty when the matrix holds)."""
    wrong: list[str] = []
    shared = await world()
    for row in rows:
        for party, expected in row.expect.items():
            # A write that should succeed gets a world of its own; refusals change nothing, so they share one.
            w = shared if row.method in SAFE or expected >= 400 else await world()
            r = await _call(client, row, w, party)
            if r.status_code != expected:
                wrong.append(f"{row.name} as {party}: {r.status_code} (expected {expected}) {r.text[:160]}")
            elif row.sees is not None and 200 <= r.status_code < 300:
                try:
                    row.sees(party, w, r.json())
                except AssertionError as exc:
                    wrong.append(f"{row.name} as {party}: saw what it may not: {exc}")
    return wrong
