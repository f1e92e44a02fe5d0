"""OpenTelemetry: one tracer provider per process, W3C trace context across HTTP and Kafka."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()
tracer = trace.get_tracer("dovetail")


def configure_tracing(service: str, exporter: str, endpoint: str | None = None) -> None:
    """``none`` still creates real span ids (so traces join up across services); ``console`` prints spans;
    ``otlp`` sends them over OTLP/HTTP to ``endpoint`` (a collector)."""
    provider = TracerProvider(resource=Resource.create({"service.name": f"dovetail-{service}"}))
    if exporter == "console":
        provider.add_span_processor(BatchSpanProcessor(ConsoleSpanExporter()))
    elif exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    trace.set_tracer_provider(provider)


def current_traceparent() -> str | None:
    """The W3C ``traceparent`` of the active span, if there is one."""
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def context_from(traceparent: str | None) -> Context | None:
    return _PROPAGATOR.extract({"traceparent": traceparent}) if traceparent else None


@contextmanager
def consumer_span(name: str, traceparent: str | None, **attributes: str | int) -> Iterator[trace.Span]:
    """A span for handling one event, child of the span that emitted it; events the handler emits carry it."""
    with tracer.start_as_current_span(
        name, context=context_from(traceparent), kind=trace.SpanKind.CONSUMER, attributes=attributes
    ) as span:
        yield span
