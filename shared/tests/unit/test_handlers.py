"""Typed handler registration: decoded payload, the service's own unit of work, unknown types left out."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from dovetail_shared.events.consortia import OrganizationRejected, OrganizationVerified
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.messaging.handlers import HandlerRegistry
from dovetail_shared.uow import SqlUnitOfWork


class ServiceUnitOfWork(SqlUnitOfWork):
    def __init__(self) -> None:  # no session needed: the handler only records what it got
        super().__init__(None, None, "t")  # type: ignore[arg-type]
        self.seen: list[Any] = []


def received(payload: Any) -> ReceivedEvent:
    return ReceivedEvent(
        id=uuid.uuid4(),
        type=payload.event_type,
        source="test",
        subject=None,
        time=None,
        data=payload.model_dump(mode="json"),
        correlation_id=None,
        traceparent=None,
        topic="t",
        partition=0,
        offset=0,
    )


def registry() -> HandlerRegistry[ServiceUnitOfWork]:
    handlers = HandlerRegistry(ServiceUnitOfWork)

    @handlers.on(OrganizationVerified)
    async def verified(uow: ServiceUnitOfWork, e: OrganizationVerified, event: ReceivedEvent) -> None:
        uow.seen.append((e, event.id))

    return handlers


VERIFIED = OrganizationVerified(organization_id=uuid.uuid4(), name="Acme", kind="enterprise", region="CN")


async def test_the_handler_gets_the_decoded_payload_and_the_services_unit_of_work() -> None:
    handlers, uow, event = registry(), ServiceUnitOfWork(), received(VERIFIED)
    await handlers[OrganizationVerified.event_type](uow, event)
    assert uow.seen == [(VERIFIED, event.id)]


def test_types_nobody_registered_are_not_in_the_table() -> None:
    handlers = registry()
    assert list(handlers) == [OrganizationVerified.event_type]
    assert handlers.get(OrganizationRejected.event_type) is None  # the consumer ignores it


async def test_another_unit_of_work_type_is_refused_not_silently_used() -> None:
    with pytest.raises(TypeError):
        await registry()[OrganizationVerified.event_type](SqlUnitOfWork(None, None, "t"), received(VERIFIED))  # type: ignore[arg-type]


async def test_a_payload_that_does_not_validate_raises_so_the_consumer_dead_letters_it() -> None:
    event = received(VERIFIED)
    event.data.pop("name")
    with pytest.raises(ValueError):
        await registry()[OrganizationVerified.event_type](ServiceUnitOfWork(), event)


def test_one_type_has_one_handler() -> None:
    handlers = registry()
    with pytest.raises(ValueError):
        handlers.on(OrganizationVerified)(lambda *_: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError):
        registry().include(handlers)  # type: ignore[arg-type]
