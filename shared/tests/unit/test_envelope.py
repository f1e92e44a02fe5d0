"""CloudEvents binary-mode encoding and decoding."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from dovetail_shared.messaging.envelope import EnvelopeError, decode, encode, encode_reference


def test_round_trip_keeps_attributes_payload_and_trace_context() -> None:
    event_id, subject = uuid.uuid4(), str(uuid.uuid4())
    key, value, headers = encode(
        event_id=event_id,
        event_type="dovetail.curricula.curriculum.created.v1",
        source="/dovetail/curricula",
        subject=subject,
        time=datetime(2026, 11, 28, 12, 0, tzinfo=UTC),
        payload={"title": "CNC", "n": 1},
        key=subject,
        correlation_id="abc123",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    names = dict(headers)
    assert names["ce_specversion"] == b"1.0"
    assert names["ce_type"] == b"dovetail.curricula.curriculum.created.v1"
    assert names["ce_subject"] == subject.encode()
    assert names["content-type"] == b"application/json"
    assert names["ce_time"] == b"2026-11-28T12:00:00Z"
    event = decode(key=key, value=value, headers=headers, topic="t", partition=0, offset=7)
    assert event.id == event_id and event.subject == subject and event.data == {"title": "CNC", "n": 1}
    assert event.correlation_id == "abc123"
    assert event.traceparent == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    assert (event.topic, event.offset) == ("t", 7)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"correlation_id": "abc123"},
        {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "correlation_id": "c"},
    ],
)
@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 11, 28, 12, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 11, 28, 12, 0, tzinfo=timezone(timedelta(hours=2))),
    ],
)
@pytest.mark.parametrize("as_text", [False, True])
def test_the_fast_encoding_is_byte_for_byte_what_the_cloudevents_binding_makes(
    extra: dict[str, str], moment: datetime, as_text: bool
) -> None:
    fields = {
        "event_id": uuid.uuid4(),
        "event_type": "dovetail.curricula.curriculum.created.v1",
        "source": "/dovetail/curricula",
        "subject": "subj ☃",
        "time": moment,
        "payload": {"title": "Fräsen ☃", "n": 1, "nested": {"list": [1, None, True]}, "at": moment},
        "key": "k",
        **extra,
    }
    if as_text:  # the relay passes the payload as the JSON text Postgres stored
        fields["payload"] = b'{"n": 1, "title": "Fr\xc3\xa4sen"}'
    assert encode(**fields) == encode_reference(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "headers"),
    [
        (b"not json", [("ce_specversion", b"1.0"), ("ce_id", b"x"), ("ce_type", b"t"), ("ce_source", b"/s")]),
        (b"{}", []),
        (b"{}", [("ce_specversion", b"1.0"), ("ce_id", b"not-a-uuid"), ("ce_type", b"t"), ("ce_source", b"/s")]),
        (
            b"[1, 2]",
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", str(uuid.uuid4()).encode()),
                ("ce_type", b"t"),
                ("ce_source", b"/s"),
                ("content-type", b"application/json"),
            ],
        ),
        (None, []),
    ],
)
def test_anything_that_is_not_our_cloudevent_is_a_poison_envelope(value: bytes | None, headers: list) -> None:
    with pytest.raises(EnvelopeError):
        decode(key=None, value=value, headers=headers, topic="t", partition=0, offset=0)
