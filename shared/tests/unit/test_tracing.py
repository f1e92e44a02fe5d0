"""W3C trace context: events carry the active span's traceparent; a consumer's span continues the trace."""

import uuid
from datetime import UTC, datetime

from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.curricula import CurriculumVersionRetired
from dovetail_shared.messaging.memory import FakeUnitOfWork
from dovetail_shared.tracing import consumer_span, current_traceparent
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

# A real SDK provider (no exporter): spans get real ids, as in a running service.
trace.set_tracer_provider(TracerProvider())
tracer = trace.get_tracer("test")


def _event() -> DomainEvent:
    payload = CurriculumVersionRetired(curriculum_id=uuid.uuid4(), version_id=uuid.uuid4(), version_number=1)
    return DomainEvent(payload=payload, subject=uuid.uuid4(), time=datetime.now(UTC))


def _parts(traceparent: str) -> tuple[str, str]:
    _, trace_id, span_id, _ = traceparent.split("-")
    return trace_id, span_id


def test_an_event_emitted_inside_a_span_carries_its_traceparent() -> None:
    uow = FakeUnitOfWork()
    with tracer.start_as_current_span("request") as span:
        uow.emit(_event())
        expected = current_traceparent()
    assert expected is not None
    assert uow.trace_headers[0]["traceparent"] == expected
    assert _parts(expected)[0] == format(span.get_span_context().trace_id, "032x")


def test_a_consumer_span_is_a_child_in_the_producers_trace() -> None:
    parent = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
    uow = FakeUnitOfWork()
    with consumer_span("handle", parent, **{"messaging.system": "kafka"}):
        uow.emit(_event())
    trace_id, span_id = _parts(uow.trace_headers[0]["traceparent"])
    assert trace_id == _parts(parent)[0]
    assert span_id != _parts(parent)[1]


def test_without_a_span_there_is_no_traceparent() -> None:
    uow = FakeUnitOfWork()
    uow.emit(_event())
    assert "traceparent" not in uow.trace_headers[0]
