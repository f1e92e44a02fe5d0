"""A firm that consortia rejects (after a re-vetting) has its draft and open postings closed."""

from __future__ import annotations

from dovetail_shared.events.base import topic_for
from dovetail_shared.events.consortia import OrganizationRegistered, OrganizationRejected
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.messaging.handlers import HandlerRegistry
from dovetail_shared.runtime import ConsumerSpec
from dovetail_shared.settings import ServiceSettings

from internships.uow import InternshipsUnitOfWork as UoW

handlers: HandlerRegistry[UoW] = HandlerRegistry(UoW)


@handlers.on(OrganizationRejected)
async def rejected(uow: UoW, e: OrganizationRejected, event: ReceivedEvent) -> None:
    from internships import service

    await service.close_postings_of_rejected_firm(uow, e.organization_id, now=event.time or uow.clock.now())


def topics(settings: ServiceSettings) -> list[str]:
    return [topic_for(settings.topic_prefix, OrganizationRegistered.service(), OrganizationRegistered.aggregate)]


consumer = ConsumerSpec(purpose="firm-vetting", topics=topics, handlers=handlers)
