"""Fixtures of the shared library's integration tests: the probe service and background workers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from dovetail_shared.testing.plugin import require_infrastructure
from dovetail_shared.testing.probe import Probe, create_probe_schema, probe_settings, reset_probe


@pytest.fixture(scope="session")
def probe_schema() -> None:
    require_infrastructure()
    asyncio.run(create_probe_schema(probe_settings()))


@pytest.fixture
async def probe(probe_schema: None) -> AsyncIterator[Probe]:
    # A fresh topic prefix per test: each test sees only its own records.
    p = await reset_probe(probe_settings())
    try:
        yield p
    finally:
        await p.engine.dispose()


class Background:
    """Runs ``run()`` coroutines of relays/consumers as tasks and stops them at the end of a test."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, asyncio.Task[None]]] = []

    def start(self, worker: Any) -> Any:
        self.items.append((worker, asyncio.create_task(worker.run())))
        return worker

    async def stop(self, worker: Any) -> None:
        for w, task in list(self.items):
            if w is worker:
                w.stop()
                await asyncio.wait_for(task, timeout=30)
                self.items.remove((w, task))

    async def stop_all(self) -> None:
        for w, _ in list(self.items):
            await self.stop(w)


@pytest.fixture
async def background() -> AsyncIterator[Background]:
    bg = Background()
    try:
        yield bg
    finally:
        await bg.stop_all()
