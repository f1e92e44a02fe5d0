"""Redrive: a dead-lettered event, once its handler is fixed, is applied exactly once, however often redriven."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from dovetail_shared.messaging.consumer import EventConsumer
from dovetail_shared.messaging.dlt import read_dead_letters, redrive
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.testing.probe import Probe, ProbeHappened, effects, messaging, topic, wait_until
from dovetail_shared.uow import SqlUnitOfWork

from .conftest import Background


async def fixed_handler(uow: SqlUnitOfWork, event: ReceivedEvent) -> None:
    """The handler after the bug is fixed: the 'poison' payload is now accepted."""
    payload = ProbeHappened.model_validate(event.data)
    await uow.session.execute(sa.insert(effects).values(event_id=event.id, seq=payload.seq))


async def test_redrive_applies_a_fixed_dead_letter_exactly_once(probe: Probe, background: Background) -> None:
    poison_id = await probe.emit(1, poison=True)
    await probe.emit(2)
    background.start(OutboxRelay(probe.settings, probe.engine, messaging))
    broken = background.start(probe.consumer())
    await wait_until(lambda: _eq(broken.stats.dead_lettered + broken.stats.handled, 2))
    await background.stop(broken)
    assert await _seqs(probe) == [2], (broken.stats, await _seqs(probe))

    letters = await read_dead_letters(probe.settings, broken.group_id)
    assert [d.header("ce_id") for d in letters] == [str(poison_id)]
    assert letters[0].origin_topic == topic(probe.settings)

    fixed = background.start(
        EventConsumer(
            probe.settings, probe.uow, "probe", {ProbeHappened.event_type: fixed_handler}, [topic(probe.settings)]
        )
    )
    sent = await redrive(probe.settings, letters)
    assert sent == {topic(probe.settings): 1}
    await wait_until(lambda: _eq(fixed.stats.handled, 1))
    assert await _seqs(probe) == [1, 2]

    # Redriving again re-publishes, but the inbox absorbs it: nothing is applied twice.
    again = await read_dead_letters(probe.settings, broken.group_id)
    assert len(again) == 1  # the DLT is read to its end offsets and the command terminates
    await redrive(probe.settings, again)
    await wait_until(lambda: _eq(fixed.stats.duplicates, 1))
    assert await _seqs(probe) == [1, 2]
    assert await probe.effect_counts() == (2, 2)


async def _seqs(probe: Probe) -> list[Any]:
    async with probe.engine.connect() as conn:
        return sorted((await conn.execute(sa.select(effects.c.seq))).scalars())


async def _eq(actual: int, expected: int) -> bool:
    return actual == expected
