"""Publishing a version puts exactly one CloudEvent on Kafka that a plain client reads and the schema accepts."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest
import sqlalchemy as sa
from curricula.main import SPEC
from dovetail_shared.events.base import topic_for
from dovetail_shared.events.curricula import (
    CurriculumCreated,
    CurriculumVersionPublished,
    CurriculumVersionRetired,
)
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.contracts import committed_validator
from dovetail_shared.testing.kafka import header, read_topic
from dovetail_shared.testing.plugin import running_relay
from sqlalchemy.ext.asyncio import AsyncEngine

PUBLISHED = CurriculumVersionPublished.event_type


@pytest.fixture
async def relay(settings: ServiceSettings, engine: AsyncEngine) -> AsyncIterator[OutboxRelay]:
    async for r in running_relay(settings, engine, SPEC.messaging):
        yield r


def curriculum_topic(settings: ServiceSettings) -> str:
    return topic_for(settings.topic_prefix, "curricula", CurriculumCreated.aggregate)


async def test_publishing_a_version_yields_exactly_one_valid_cloudevent(
    api: Any, relay: OutboxRelay, settings: ServiceSettings, engine: AsyncEngine, kafka_bootstrap: str
) -> None:
    orgs, tax = api.orgs, api.tax
    c = await api.create(co_author_ids=[orgs.firm_a])
    c = await api.put_draft(
        c,
        [api.module("W1", 40, [(tax.skills[0], 2)]), api.module("C1", 60, [(tax.skills[0], 4), (tax.skills[1], 3)])],
        effective_date="2026-09-01",
    )
    c = await api.step(c, "/draft/submit")
    c = await api.review(c, orgs.firm_a)
    correlation_id = f"publish-{uuid.uuid4().hex[:8]}"
    trace_id = uuid.uuid4().hex
    r = await api.client.post(
        f"/curricula/{c['id']}/publish",
        headers={
            **api.college_admin(c["version"]),
            "X-Correlation-ID": correlation_id,
            "traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01",
        },
    )
    assert r.status_code == 200, r.text
    key = c["id"].encode()

    # Everything about this curriculum, in order: created, then published. Reading both proves the order
    # (one key, one partition) and leaves the reader time to see a duplicate if the relay sent one.
    records = await read_topic(kafka_bootstrap, curriculum_topic(settings), want=2, match=lambda rec: rec.key == key)
    types = [header(rec, "ce_type") for rec in records]
    assert types == [CurriculumCreated.event_type, PUBLISHED], types
    published = [rec for rec in records if header(rec, "ce_type") == PUBLISHED]
    assert len(published) == 1, f"expected exactly one {PUBLISHED}, got {len(published)}"
    record = published[0]

    # CloudEvents 1.0, Kafka binding, binary mode.
    assert record.key == key
    assert header(record, "ce_specversion") == "1.0"
    event_id = uuid.UUID(header(record, "ce_id") or "")
    assert header(record, "ce_type") == PUBLISHED
    assert header(record, "ce_source") == "/dovetail/curricula"
    assert header(record, "ce_subject") == c["id"]
    assert header(record, "content-type") == "application/json"
    ce_time = datetime.fromisoformat((header(record, "ce_time") or "").replace("Z", "+00:00"))
    assert ce_time.tzinfo is not None
    # The HTTP request's correlation id travels with the event.
    assert header(record, "ce_correlationid") == correlation_id
    # And so does the W3C trace: the consumer's span will join the caller's trace.
    assert (header(record, "traceparent") or "").split("-")[1] == trace_id

    payload = json.loads(record.value)
    errors = [e.message for e in committed_validator(PUBLISHED).iter_errors(payload)]
    assert not errors, errors
    assert payload["curriculum_id"] == c["id"]
    assert payload["version_number"] == 1
    assert payload["college_id"] == str(orgs.college)
    assert payload["co_author_ids"] == [str(orgs.firm_a)]
    assert payload["effective_date"] == "2026-09-01"
    assert payload["total_hours"] == 100
    assert {s["skill_id"]: (s["level"], s["hours"]) for s in payload["skills"]} == {
        tax.skills[0]: (4, 100),
        tax.skills[1]: (3, 60),
    }

    # The relay marked the row it sent, so a restart will not send it again.
    outbox = SPEC.messaging.outbox
    async with engine.connect() as conn:
        row = (await conn.execute(sa.select(outbox).where(outbox.c.event_id == event_id))).one()
    assert row.published_at is not None
    assert row.event_type == PUBLISHED
    assert row.key == c["id"]


async def test_republishing_emits_published_before_retired_for_the_old_version(
    api: Any, relay: OutboxRelay, settings: ServiceSettings, kafka_bootstrap: str
) -> None:
    c = await api.published()
    c = await api.step(c, "/draft", expect=201)
    c = await api.put_draft(c, [api.module("W1", 50)])
    c = await api.step(c, "/draft/submit")
    c = await api.step(c, "/publish")
    key = c["id"].encode()

    records = await read_topic(kafka_bootstrap, curriculum_topic(settings), want=4, match=lambda rec: rec.key == key)
    seen = [(header(rec, "ce_type"), json.loads(rec.value).get("version_number")) for rec in records]
    # A consumer projecting "the current version" never sees the curriculum without one.
    assert seen == [
        (CurriculumCreated.event_type, None),
        (PUBLISHED, 1),
        (PUBLISHED, 2),
        (CurriculumVersionRetired.event_type, 1),
    ], seen
    for rec in records:
        event_type = header(rec, "ce_type") or ""
        errors = [e.message for e in committed_validator(event_type).iter_errors(json.loads(rec.value))]
        assert not errors, (event_type, errors)
