"""Scheduled jobs of the consumer role: demands past their needed-by date expire by themselves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dovetail_shared.runtime import JobSpec

from talent_pipelines import service
from talent_pipelines.uow import TalentPipelinesUnitOfWork


async def expire_demands(uow: Any, now: datetime) -> int:
    if not isinstance(uow, TalentPipelinesUnitOfWork):
        raise TypeError(f"expire_demands needs a TalentPipelinesUnitOfWork, got {type(uow).__name__}")
    return await service.expire_due(uow, now)


EXPIRY = JobSpec(name="demand-expiry", interval_s=300.0, run=expire_demands)
