"""CloudEvents 1.0 over Kafka in binary mode, via the ``cloudevents`` package's Kafka binding."""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cloudevents.core.bindings.kafka import KafkaMessage, from_binary, to_binary
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent

_FORMAT = JSONFormat()
CONTENT_TYPE = "application/json"
CORRELATION_ATTR = "correlationid"
TRACEPARENT_HEADER = "traceparent"


_TRACEPARENT = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")


class EnvelopeError(ValueError):
    """The message is not a CloudEvent we can read: a poison message, never retried."""


@dataclass(frozen=True)
class ReceivedEvent:
    """A CloudEvent read from Kafka, with the coordinates it was read at (for logs, inbox and replay)."""

    id: uuid.UUID
    type: str
    source: str
    subject: str | None
    time: datetime | None
    data: dict[str, Any]
    correlation_id: str | None
    traceparent: str | None
    topic: str
    partition: int
    offset: int


def encode(
    *,
    event_id: uuid.UUID,
    event_type: str,
    source: str,
    subject: str,
    time: datetime,
    payload: dict[str, Any] | bytes,
    key: str,
    correlation_id: str | None = None,
    traceparent: str | None = None,
) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers of the Kafka record for one event: what ``to_binary`` makes, written directly.

    ``payload`` is a JSON object, or its JSON text already encoded (the relay reads ``jsonb`` as text
    rather than parse it only to serialise it again).

    The relay encodes every event it publishes, and building a validated ``CloudEvent`` to hand to the
    binding was most of its CPU. Our attributes are fixed and known valid, so the binary-mode mapping
    (``ce_`` headers, ``content-type``, RFC 3339 time with ``Z``) is written out here; ``encode_reference``
    keeps the package's path, and a unit test holds the two byte-for-byte equal. Decoding stays with the
    package, which validates what others send.
    """
    headers = [
        ("ce_id", str(event_id).encode()),
        ("ce_source", source.encode()),
        ("ce_type", event_type.encode()),
        ("ce_specversion", b"1.0"),
        ("ce_subject", subject.encode()),
        ("ce_time", _rfc3339(time).encode()),
        ("content-type", _CONTENT_TYPE_BYTES),
    ]
    if correlation_id:
        headers.append((f"ce_{CORRELATION_ATTR}", correlation_id.encode()))
    if traceparent:
        headers.append((TRACEPARENT_HEADER, traceparent.encode()))
    value = payload if isinstance(payload, bytes) else json.dumps(payload, default=_json_default).encode()
    return key.encode(), value, headers


def encode_reference(
    *,
    event_id: uuid.UUID,
    event_type: str,
    source: str,
    subject: str,
    time: datetime,
    payload: dict[str, Any] | bytes,
    key: str,
    correlation_id: str | None = None,
    traceparent: str | None = None,
) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """``encode`` through the ``cloudevents`` Kafka binding: the reference the fast path is tested against."""
    attributes: dict[str, Any] = {
        "id": str(event_id),
        "source": source,
        "type": event_type,
        "specversion": "1.0",
        "subject": subject,
        "time": time,
        "datacontenttype": CONTENT_TYPE,
    }
    if correlation_id:
        attributes[CORRELATION_ATTR] = correlation_id
    message = to_binary(CloudEvent(attributes, payload), _FORMAT, key_mapper=lambda _e: key)
    headers = [(name, value) for name, value in message.headers.items()]
    if traceparent:
        headers.append((TRACEPARENT_HEADER, traceparent.encode()))
    return key.encode(), message.value, headers


_CONTENT_TYPE_BYTES = CONTENT_TYPE.encode()


def _rfc3339(moment: datetime) -> str:
    # As the binding writes it: isoformat, with UTC as "Z".
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return _rfc3339(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _valid_traceparent(raw: bytes | None) -> str | None:
    """A W3C traceparent, or None: trace context is advisory, so a broken one is dropped, never fatal."""
    if not raw:
        return None
    text = raw.decode("ascii", "replace")
    return text if _TRACEPARENT.fullmatch(text) else None


def decode(
    *, key: bytes | None, value: bytes | None, headers: Any, topic: str, partition: int, offset: int
) -> ReceivedEvent:
    """Parse one Kafka record; raises ``EnvelopeError`` for anything that is not a valid CloudEvent."""
    if value is None:
        raise EnvelopeError("record has no value")
    try:
        header_map = {str(name): bytes(val or b"") for name, val in (headers or [])}
        traceparent = _valid_traceparent(header_map.pop(TRACEPARENT_HEADER, None))
        event = from_binary(KafkaMessage(headers=header_map, key=key, value=value), _FORMAT)
        data = event.get_data()
        if not isinstance(data, dict):
            raise EnvelopeError("event data is not a JSON object")
        event_id = uuid.UUID(event.get_id())
        correlation = event.get_attributes().get(CORRELATION_ATTR)
    except EnvelopeError:
        raise
    except Exception as exc:  # the binding raises several unrelated types for malformed input
        raise EnvelopeError(f"not a CloudEvent: {exc}") from exc
    return ReceivedEvent(
        id=event_id,
        type=event.get_type(),
        source=event.get_source(),
        subject=event.get_subject(),
        time=event.get_time(),
        data=data,
        correlation_id=str(correlation) if correlation else None,
        traceparent=traceparent,
        topic=topic,
        partition=partition,
        offset=offset,
    )
