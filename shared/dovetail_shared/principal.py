"""The authenticated caller as every service sees it: subject, organisation and roles."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"
    COLLEGE_ADMIN = "college_admin"
    TEACHER = "teacher"
    FIRM_ADMIN = "firm_admin"
    RECRUITER = "recruiter"
    MENTOR = "mentor"
    LEARNER = "learner"


@dataclass(frozen=True)
class Principal:
    sub: str
    org: uuid.UUID | None
    roles: frozenset[Role] = field(default_factory=frozenset)

    def has(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_operator(self) -> bool:
        return Role.OPERATOR in self.roles

    def acts_for(self, org_id: uuid.UUID | None, *roles: Role) -> bool:
        """True when the caller belongs to ``org_id`` and holds one of ``roles`` (any role if none given)."""
        if org_id is None or self.org != org_id:
            return False
        return not roles or self.has(*roles)


def account_digest(sub: str) -> str:
    """The pseudonymous link between a learner's account and their ``learner_ref`` outside joint programs (ADR 0028).

    SHA-256 of the identity provider's subject under a fixed label: services that hold it can recognise the
    learner's own token without ever holding the subject itself; it is purged with everything else on erasure.
    """
    return hashlib.sha256(f"dovetail-learner-account:{sub}".encode()).hexdigest()
