"""The learners projection: joint programs' learner, enrolment, consent and program events, reduced to what
internships may know (ADR 0028), and ``learner.erased`` honoured by purging the learner's free text here."""

from __future__ import annotations

from datetime import datetime

from dovetail_shared.events.base import topic_for
from dovetail_shared.events.joint_programs import (
    ConsentGiven,
    ConsentWithdrawn,
    LearnerEnrolled,
    LearnerErased,
    LearnerGraduated,
    LearnerRegistered,
    LearnerWithdrew,
    ProgramApproved,
    ProgramProposed,
)
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.messaging.handlers import HandlerRegistry
from dovetail_shared.runtime import ConsumerSpec
from dovetail_shared.settings import ServiceSettings

from internships.uow import InternshipsUnitOfWork as UoW

handlers: HandlerRegistry[UoW] = HandlerRegistry(UoW)
on = handlers.on


def _at(uow: UoW, event: ReceivedEvent) -> datetime:
    return event.time or uow.clock.now()


@on(LearnerRegistered)
async def registered(uow: UoW, e: LearnerRegistered, event: ReceivedEvent) -> None:
    await uow.learners.registered(e.learner_ref, e.college_id, _at(uow, event))


@on(LearnerEnrolled)
async def enrolled(uow: UoW, e: LearnerEnrolled, event: ReceivedEvent) -> None:
    await uow.learners.set_enrolment(e.learner_ref, e.cohort_id, e.program_id, "enrolled")


@on(LearnerGraduated)
async def graduated(uow: UoW, e: LearnerGraduated, event: ReceivedEvent) -> None:
    await uow.learners.set_enrolment(e.learner_ref, e.cohort_id, e.program_id, "graduated")


@on(LearnerWithdrew)
async def withdrew(uow: UoW, e: LearnerWithdrew, event: ReceivedEvent) -> None:
    await uow.learners.set_enrolment(e.learner_ref, e.cohort_id, e.program_id, "withdrawn")


@on(ConsentGiven)
async def consent_given(uow: UoW, e: ConsentGiven, event: ReceivedEvent) -> None:
    await uow.learners.add_consent(
        e.consent_id, e.learner_ref, firm_id=e.firm_id, program_id=e.program_id, purpose=e.purpose, given_at=e.given_at
    )
    if e.account_digest is not None:
        await uow.learners.set_facts(
            e.learner_ref,
            _at(uow, event),
            account_digest=e.account_digest,
            turns_16_on=e.turns_16_on,
            turns_18_on=e.turns_18_on,
        )


@on(ConsentWithdrawn)
async def consent_withdrawn(uow: UoW, e: ConsentWithdrawn, event: ReceivedEvent) -> None:
    await uow.learners.remove_consent(e.consent_id)


@on(LearnerErased)
async def erased(uow: UoW, e: LearnerErased, event: ReceivedEvent) -> None:
    from internships import service  # service imports the unit of work this module's registry is typed by

    await service.erase_learner(uow, e.learner_ref, e.college_id, now=_at(uow, event))


@on(ProgramProposed)
async def program_proposed(uow: UoW, e: ProgramProposed, event: ReceivedEvent) -> None:
    await uow.learners.set_program(e.program_id, e.college_id, list(e.partner_ids))


@on(ProgramApproved)
async def program_approved(uow: UoW, e: ProgramApproved, event: ReceivedEvent) -> None:
    await uow.learners.set_program(e.program_id, e.college_id, list(e.partner_ids))


def topics(settings: ServiceSettings) -> list[str]:
    return [
        topic_for(settings.topic_prefix, LearnerRegistered.service(), LearnerRegistered.aggregate),
        topic_for(settings.topic_prefix, ProgramProposed.service(), ProgramProposed.aggregate),
    ]


consumer = ConsumerSpec(purpose="learners", topics=topics, handlers=handlers)
