"""Base of every aggregate: identity, optimistic-concurrency version, timestamps; pure, no I/O."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class Aggregate(BaseModel):
    """An aggregate root. Domain methods mutate it and *return* the events they caused.

    The repository bumps ``version`` on every save and refuses a save whose loaded version is stale,
    so two writers racing on one aggregate cannot both win (the loser gets 409).
    """

    model_config = ConfigDict(validate_assignment=False, from_attributes=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    version: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)

    def touch(self) -> None:
        self.updated_at = utcnow()
