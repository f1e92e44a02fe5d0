"""When curricula retires a version, the programs pinned to it are flagged, in the projection's own transaction."""

from __future__ import annotations

from dovetail_shared.events.curricula import CurriculumVersionRetired
from dovetail_shared.messaging.envelope import ReceivedEvent
from dovetail_shared.uow import SqlUnitOfWork


async def flag_programs(uow: SqlUnitOfWork, e: CurriculumVersionRetired, event: ReceivedEvent) -> None:
    """``superseded`` when curricula already published a newer version (publication is emitted first), else
    ``retired``. Idempotent: a redelivered retirement finds the programs flagged and emits nothing."""
    from joint_programs import service  # the tables module imports this one: resolved at call time
    from joint_programs.uow import JointProgramsUnitOfWork

    if not isinstance(uow, JointProgramsUnitOfWork):
        raise TypeError(f"flag_programs needs a JointProgramsUnitOfWork, got {type(uow).__name__}")
    await service.flag_pinned_programs(uow, e.curriculum_id, e.version_number, now=event.time or uow.clock.now())
