"""Base of every aggregate: identity, optimistic-concurrency version, timestamps; pure, no I/O, no clock."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class Aggregate(BaseModel):
    """An aggregate root. Domain methods mutate it and *return* the events they caused.

    The repository bumps ``version`` on every save and refuses a save whose loaded version is stale,
    so two writers racing on one aggregate cannot both win (the loser gets 409).

    ``created_at`` and ``updated_at`` have no default: the domain never reads a clock, so whoever creates
    an aggregate says when (its factory takes ``now`` from the use case, which has it from the boundary),
    and every change says when through ``touch(now)``.
    """

    model_config = ConfigDict(validate_assignment=False, from_attributes=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    version: int = 0
    created_at: datetime
    updated_at: datetime

    def touch(self, now: datetime) -> None:
        self.updated_at = now
