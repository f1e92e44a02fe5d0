"""Domain and application errors that map one-to-one onto RFC 9457 problem types."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypeVar


@dataclass(frozen=True)
class Violation:
    """One broken rule: which field, which rule, and a sentence for a person."""

    field: str
    rule: str
    message: str


class DomainError(Exception):
    """Base of every error a client can cause; carries its HTTP status and problem type slug."""

    status: int = 400
    slug: str = "bad-request"
    title: str = "Bad request"
    # Seconds after which the same request may succeed (sent as Retry-After); None for a definite answer.
    retry_after: int | None = None

    def __init__(self, detail: str, *, violations: list[Violation] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.violations = violations or []


class ValidationFailed(DomainError):
    """A business rule refused the input; names the field and the rule."""

    status = 422
    slug = "validation-failed"
    title = "Validation failed"

    def __init__(self, field: str, rule: str, message: str) -> None:
        super().__init__(f"{field}: {message}", violations=[Violation(field, rule, message)])


class NotKnownYet(DomainError):
    """A fact this service learns from another's events has not arrived here yet: retry, do not give up.

    Told apart from "known and refused" (a 422): while a projection lags (a broker outage, a slow relay)
    the honest answer is "later": 409 with ``Retry-After`` (ADR 0007).
    """

    status = 409
    slug = "not-known-yet"
    title = "Not known here yet"
    retry_after = 5

    def __init__(self, violations: list[Violation]) -> None:
        super().__init__("; ".join(f"{v.field}: {v.message}" for v in violations), violations=violations)


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class Unauthorized(DomainError):
    status = 401
    slug = "unauthorized"
    title = "Unauthorized"


class Conflict(DomainError):
    """The state changed underneath the caller, or the request clashes with existing state."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class InvalidTransition(Conflict):
    """A lifecycle step that the aggregate's current status does not allow."""

    slug = "invalid-transition"
    title = "Invalid state transition"

    def __init__(self, entity: str, current: str, action: str) -> None:
        super().__init__(f"cannot {action} a {entity} that is {current}")
        self.entity, self.current, self.action = entity, current, action


class VersionConflict(Conflict):
    """Optimistic concurrency: the caller's expected version is stale."""

    slug = "version-conflict"
    title = "Version conflict"

    def __init__(self, entity: str, expected: int, actual: int) -> None:
        super().__init__(f"{entity} is at version {actual}, not {expected}: reload and retry")
        self.expected, self.actual = expected, actual


@dataclass
class ViolationCollector:
    """Collects several violations so one response names them all."""

    violations: list[Violation] = field(default_factory=list)

    def add(self, field: str, rule: str, message: str) -> None:
        self.violations.append(Violation(field, rule, message))

    def raise_not_known_yet_if_any(self) -> None:
        if self.violations:
            raise NotKnownYet(list(self.violations))

    def raise_if_any(self) -> None:
        if self.violations:
            first = self.violations[0]
            err = ValidationFailed(first.field, first.rule, first.message)
            err.violations = list(self.violations)
            err.detail = "; ".join(f"{v.field}: {v.message}" for v in self.violations)
            raise err


E = TypeVar("E", bound=StrEnum)


def parse_enum(enum: type[E], value: E | str, field: str) -> E:
    """Accept a member or its string value; anything else is a named ``one_of`` violation, never a ValueError.

    Domain methods are called by HTTP routes (already validated) but also by consumers, scripts and tests,
    so every one parses its enum arguments with this rather than ``Enum(value)``."""
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(m.value for m in enum)
        raise ValidationFailed(field, "one_of", f"must be one of: {allowed}") from None
