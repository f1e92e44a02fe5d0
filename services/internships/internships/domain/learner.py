"""What internships knows of a learner, from joint programs' events: a pseudonym, a college, age facts, consents."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class KnownConsent:
    consent_id: uuid.UUID
    purpose: str
    firm_id: uuid.UUID | None
    program_id: uuid.UUID | None


@dataclass(frozen=True)
class KnownLearner:
    """``turns_16_on``/``turns_18_on`` are set only for minors (ADR 0028): absent means an adult."""

    ref: uuid.UUID
    college_id: uuid.UUID
    turns_16_on: date | None = None
    turns_18_on: date | None = None
    erased: bool = False
    consents: tuple[KnownConsent, ...] = ()
    programs: frozenset[uuid.UUID] = field(default_factory=frozenset)  # enrolled (not withdrawn)
    cohorts: frozenset[uuid.UUID] = field(default_factory=frozenset)

    def at_least_16_on(self, day: date) -> bool:
        return self.turns_16_on is None or self.turns_16_on <= day

    def adult_on(self, day: date) -> bool:
        return self.turns_18_on is None or self.turns_18_on <= day


PLACEMENT = "placement"


def placement_consent(
    learner: KnownLearner, firm_id: uuid.UUID, partners_of: Mapping[uuid.UUID, Iterable[uuid.UUID]]
) -> bool:
    """An active ``placement`` consent naming the firm, or naming a program the firm is a partner of."""
    for c in learner.consents:
        if c.purpose != PLACEMENT:
            continue
        if c.firm_id is not None and c.firm_id == firm_id:
            return True
        if c.program_id is not None and firm_id in set(partners_of.get(c.program_id, ())):
            return True
    return False
