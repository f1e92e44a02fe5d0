"""The supply projection's handlers (curricula, joint programs, internships) and the rematching they trigger.

Every handler runs in the consumer's transaction with its inbox row: a redelivered event has no second effect,
so evidence hours may be added up. A change of supply re-ranks the open demands in the same transaction.
"""

from __future__ import annotations

from datetime import datetime

from dovetail_shared.events.curricula import CurriculumCreated, CurriculumUpdated, CurriculumVersionPublished
from dovetail_shared.events.internships import (
    EvaluationSubmitted,
    PlacementCompleted,
    PlacementConfirmed,
    PlacementTerminated,
)
from dovetail_shared.events.joint_programs import (
    CohortGraduated,
    CohortOpened,
    CohortStarted,
    ConsentGiven,
    ConsentWithdrawn,
    LearnerEnrolled,
    LearnerErased,
    LearnerGraduated,
    LearnerRegistered,
    ProgramProposed,
)
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.messaging.handlers import HandlerRegistry
from dovetail_shared.runtime import ConsumerSpec

from talent_pipelines import service
from talent_pipelines.domain import DropReason, Stage
from talent_pipelines.domain.matching import EvidenceKind
from talent_pipelines.messaging import topics
from talent_pipelines.uow import TalentPipelinesUnitOfWork as UoW

handlers = HandlerRegistry(UoW)
on = handlers.on
MATCHING = "matching"  # the only consent purpose matching may use


def practised_level(hours: float) -> int:
    """Signed hours as a level: 20 h a beginner's practice (2), 80 h (3), 160 h a season's work (4)."""
    return 4 if hours >= 160 else 3 if hours >= 80 else 2 if hours >= 20 else 1


def _now(uow: UoW, event: ReceivedEvent) -> datetime:
    return event.time or uow.clock.now()


@on(CurriculumCreated)
async def curriculum_created(uow: UoW, e: CurriculumCreated, event: ReceivedEvent) -> None:
    await uow.supply.upsert_curriculum(
        e.curriculum_id, _now(uow, event), college_id=e.college_id, title=e.title, co_author_ids=e.co_author_ids
    )


@on(CurriculumUpdated)
async def curriculum_updated(uow: UoW, e: CurriculumUpdated, event: ReceivedEvent) -> None:
    await uow.supply.upsert_curriculum(e.curriculum_id, _now(uow, event), title=e.title, co_author_ids=e.co_author_ids)


@on(CurriculumVersionPublished)
async def version_published(uow: UoW, e: CurriculumVersionPublished, event: ReceivedEvent) -> None:
    now = _now(uow, event)
    await uow.supply.upsert_curriculum(
        e.curriculum_id,
        now,
        college_id=e.college_id,
        title=e.title,
        co_author_ids=e.co_author_ids,
        published_number=e.version_number,
        skills=e.skills,
    )
    if await uow.supply.refresh_pinned(e.curriculum_id, e.version_number, e.skills, now):
        await service.rematch(uow, "curriculum", now)  # rare: a version re-published to cohorts pinned to it


@on(ProgramProposed)
async def program_proposed(uow: UoW, e: ProgramProposed, event: ReceivedEvent) -> None:
    """Only the program's consortium (the gap report's filter); no score depends on it, so no rematch."""
    await uow.supply.upsert_program(e.program_id, e.consortium_id, _now(uow, event))


async def _cohort(
    uow: UoW, e: CohortOpened | CohortStarted | CohortGraduated, status: str, event: ReceivedEvent
) -> None:
    now = _now(uow, event)
    known = await uow.supply.cohort(e.cohort_id)
    skills = {s.skill_id for s in e.skills} | ({s.skill_id for s in known.skills} if known else set())
    await uow.supply.upsert_cohort(
        now,
        status,
        cohort_id=e.cohort_id,
        program_id=e.program_id,
        college_id=e.college_id,
        partner_ids=e.partner_ids,
        curriculum_id=e.curriculum_id,
        version_number=e.curriculum_version_number,
        seat_limit=e.seat_limit,
        graduation_date=e.graduation_date,
        skills=e.skills,
    )
    # Topics are not ordered with each other: learners enrolled before the cohort arrived get its skills now.
    taught = [(s.skill_id, s.level, 0.0) for s in e.skills]
    for ref in await uow.supply.learners_in(e.cohort_id):
        await uow.supply.add_evidence(ref, EvidenceKind.TAUGHT, taught, now)
    await service.rematch(uow, "cohort", now, skills=skills)


@on(CohortOpened)
async def cohort_opened(uow: UoW, e: CohortOpened, event: ReceivedEvent) -> None:
    await _cohort(uow, e, "open", event)


@on(CohortStarted)
async def cohort_started(uow: UoW, e: CohortStarted, event: ReceivedEvent) -> None:
    await _cohort(uow, e, "running", event)


@on(CohortGraduated)
async def cohort_graduated(uow: UoW, e: CohortGraduated, event: ReceivedEvent) -> None:
    await _cohort(uow, e, "graduated", event)


@on(LearnerRegistered)
async def learner_registered(uow: UoW, e: LearnerRegistered, event: ReceivedEvent) -> None:
    await uow.supply.upsert_learner(e.learner_ref, _now(uow, event), college_id=e.college_id)


@on(LearnerEnrolled)
async def learner_enrolled(uow: UoW, e: LearnerEnrolled, event: ReceivedEvent) -> None:
    """Enrolment makes the cohort's pinned skills the learner's ``taught`` evidence."""
    now = _now(uow, event)
    cohort = await uow.supply.cohort(e.cohort_id)
    values = {"cohort_id": e.cohort_id, "program_id": e.program_id}
    if cohort is not None:
        values["college_id"] = cohort.college_id
        taught = [(s.skill_id, s.level, 0.0) for s in cohort.skills]
        await uow.supply.add_evidence(e.learner_ref, EvidenceKind.TAUGHT, taught, now)
    await uow.supply.upsert_learner(e.learner_ref, now, **values)
    await service.rematch(uow, "evidence", now, await uow.supply.firms_seeing(e.learner_ref))


@on(LearnerGraduated)
async def learner_graduated(uow: UoW, e: LearnerGraduated, event: ReceivedEvent) -> None:
    now = _now(uow, event)
    taught = [(s.skill_id, s.level, float(s.hours)) for s in e.skills]
    await uow.supply.add_evidence(e.learner_ref, EvidenceKind.TAUGHT, taught, now)
    await service.rematch(uow, "evidence", now, await uow.supply.firms_seeing(e.learner_ref))


@on(ConsentGiven)
async def consent_given(uow: UoW, e: ConsentGiven, event: ReceivedEvent) -> None:
    if e.purpose != MATCHING:
        return
    now = _now(uow, event)
    await uow.supply.add_consent(e.consent_id, e.learner_ref, e.firm_id, e.program_id, e.given_at)
    await service.rematch(uow, "consent", now, await uow.supply.firms_seeing(e.learner_ref))


@on(ConsentWithdrawn)
async def consent_withdrawn(uow: UoW, e: ConsentWithdrawn, event: ReceivedEvent) -> None:
    """At once: the learner leaves the firm's rankings and pipelines (dropped, reason ``consent_withdrawn``)."""
    if e.purpose != MATCHING:
        return
    now = _now(uow, event)
    firms = await uow.supply.firms_seeing(e.learner_ref)
    await uow.supply.remove_consent(e.consent_id)
    await service.forget_learner(uow, e.learner_ref, DropReason.CONSENT_WITHDRAWN, event.type, now, erase=False)
    await service.rematch(uow, "consent", now, firms)


@on(LearnerErased)
async def learner_erased(uow: UoW, e: LearnerErased, event: ReceivedEvent) -> None:
    """Purge: evidence, consents and the learner row go; candidacies are dropped and unlinked (counts stay)."""
    now = _now(uow, event)
    firms = await uow.supply.firms_seeing(e.learner_ref)
    await service.forget_learner(uow, e.learner_ref, DropReason.ERASED, event.type, now, erase=True)
    await service.rematch(uow, "erasure", now, firms)


@on(PlacementConfirmed)
async def placement_confirmed(uow: UoW, e: PlacementConfirmed, event: ReceivedEvent) -> None:
    """Placement confirmed ⇒ interning, for the learner's candidacies with that firm."""
    await service.placement_moved(uow, e.firm_id, e.learner_ref, Stage.INTERNING, event.type, _now(uow, event))


@on(PlacementTerminated)
async def placement_terminated(uow: UoW, e: PlacementTerminated, event: ReceivedEvent) -> None:
    await service.placement_terminated(uow, e.firm_id, e.learner_ref, event.type, _now(uow, event))


@on(PlacementCompleted)
async def placement_completed(uow: UoW, e: PlacementCompleted, event: ReceivedEvent) -> None:
    """The evidence: practised skills by signed hours, assessed skills by the evaluations' mean score. The
    candidates stay where they are (interning)."""
    now = _now(uow, event)
    practised = [(s.skill_id, practised_level(s.signed_hours), s.signed_hours) for s in e.practised]
    await uow.supply.add_evidence(e.learner_ref, EvidenceKind.PRACTISED, practised, now)
    scores: dict[str, list[int]] = {}
    for evaluation in e.evaluations:
        for s in evaluation.scores:
            scores.setdefault(s.skill_id, []).append(s.score)
    assessed = [(skill, sum(v) // len(v), 0.0) for skill, v in sorted(scores.items())]
    await uow.supply.add_evidence(e.learner_ref, EvidenceKind.ASSESSED, assessed, now)
    await service.rematch(uow, "evidence", now, await uow.supply.firms_seeing(e.learner_ref))


@on(EvaluationSubmitted)
async def evaluation_submitted(uow: UoW, e: EvaluationSubmitted, event: ReceivedEvent) -> None:
    now = _now(uow, event)
    assessed = [(s.skill_id, s.score, 0.0) for s in e.scores]
    await uow.supply.add_evidence(e.learner_ref, EvidenceKind.ASSESSED, assessed, now)
    await service.rematch(uow, "evidence", now, await uow.supply.firms_seeing(e.learner_ref))


def consumer() -> ConsumerSpec:
    """The consumer group ``talent-pipelines-supply``."""
    return ConsumerSpec(purpose="supply", topics=topics.supply, handlers=handlers)
