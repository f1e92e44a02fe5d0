"""Organization aggregate: who a college or firm is, and whether a platform operator has vetted it."""

from __future__ import annotations

from datetime import datetime

from dovetail_shared.clock import DEFAULT_TIME_ZONE, is_time_zone
from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import InvalidTransition, ValidationFailed, ViolationCollector, parse_enum
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.consortia import (
    OrganizationRegistered,
    OrganizationRejected,
    OrganizationVerified,
)
from dovetail_shared.vocabulary import EnterpriseSize, OrganizationKind, VerificationStatus

from consortia.domain._checks import optional_text


class Organization(Aggregate):
    """A college, firm or other body; only verified organisations may act on the platform.

    Verification lifecycle (decided by a platform operator)::

        pending --verify--> verified            (final: there is no un-verify)
        pending --reject--> rejected
        rejected --resubmit--> pending          (the organisation fixed its papers; review again)

    ``verify`` and ``reject`` act only on ``pending``: a rejected organisation is not verified directly,
    it must first be ``resubmit``-ted, so every verification follows a fresh review and the queue of
    pending organisations is the operator's single to-do list. Re-verifying, or rejecting twice, is an
    ``InvalidTransition``. Because ``verified`` is final, a check of "is verified" made once (e.g. when an
    organisation asks to join a consortium) stays true.
    """

    name: str
    name_zh: str | None = None
    kind: OrganizationKind
    size: EnterpriseSize | None = None
    region: str
    registration_number: str
    verification_status: VerificationStatus = VerificationStatus.PENDING
    rejection_reason: str | None = None
    verified_at: datetime | None = None
    # The subject of the user who registered it: until their identity provider puts the new organisation
    # in their token, this is how they follow (and resubmit) their own application.
    registered_by: str | None = None
    # IANA name of the organisation's local calendar: "today" in its rules about days is its date, not UTC's.
    time_zone: str = DEFAULT_TIME_ZONE

    @classmethod
    def register(
        cls,
        *,
        name: str,
        kind: OrganizationKind,
        region: str,
        registration_number: str,
        size: EnterpriseSize | None = None,
        name_zh: str | None = None,
        registered_by: str | None = None,
        time_zone: str | None = None,
        now: datetime,
    ) -> tuple[Organization, list[DomainEvent]]:
        """A new, pending organisation. Reports every broken rule at once so a form can show them all.

        ``time_zone`` (an IANA name such as ``Asia/Shanghai``) defaults to UTC; anything else (an offset like
        ``+08:00``, an abbreviation like ``CST``, a wrongly cased name) is refused as ``iana_time_zone``.
        """
        kind = parse_enum(OrganizationKind, kind, "kind")
        size = parse_enum(EnterpriseSize, size, "size") if size is not None else None
        errors = ViolationCollector()
        for field, value in (("name", name), ("region", region), ("registration_number", registration_number)):
            if not value.strip():
                errors.add(field, "required", "must not be empty")
        # Size is what distinguishes a large employer from a micro firm in analytics and policy; it is
        # meaningless for a college, so it is refused there rather than silently dropped.
        if kind == OrganizationKind.ENTERPRISE and size is None:
            errors.add("size", "size_required_for_enterprise", "an enterprise must state its size")
        if kind != OrganizationKind.ENTERPRISE and size is not None:
            errors.add("size", "size_only_for_enterprise", f"a {kind.value} has no enterprise size")
        zone = DEFAULT_TIME_ZONE if time_zone is None else time_zone.strip()
        if not is_time_zone(zone):
            errors.add("time_zone", "iana_time_zone", "must be an IANA time zone name such as Asia/Shanghai or UTC")
        errors.raise_if_any()

        org = cls(
            name=name.strip(),
            name_zh=optional_text(name_zh),
            kind=kind,
            size=size,
            region=region.strip(),
            registration_number=registration_number.strip(),
            registered_by=registered_by,
            time_zone=zone,
            created_at=now,
            updated_at=now,
        )
        event = OrganizationRegistered(
            organization_id=org.id,
            name=org.name,
            name_zh=org.name_zh,
            kind=org.kind.value,
            size=org.size.value if org.size else None,
            region=org.region,
            registration_number=org.registration_number,
            time_zone=org.time_zone,
        )
        return org, [DomainEvent(payload=event, subject=org.id, time=now)]

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED

    def verify(self, *, now: datetime) -> list[DomainEvent]:
        self._require_pending("verify")
        self.verification_status = VerificationStatus.VERIFIED
        self.rejection_reason = None
        self.verified_at = now
        self.touch(now)
        event = OrganizationVerified(
            organization_id=self.id,
            name=self.name,
            kind=self.kind.value,
            size=self.size.value if self.size else None,
            region=self.region,
            time_zone=self.time_zone,
        )
        return [DomainEvent(payload=event, subject=self.id, time=now)]

    def reject(self, reason: str, *, now: datetime) -> list[DomainEvent]:
        self._require_pending("reject")
        stripped = reason.strip()
        if not stripped:
            raise ValidationFailed("reason", "reason_required", "say why the organisation is rejected")
        self.verification_status = VerificationStatus.REJECTED
        self.rejection_reason = stripped
        self.touch(now)
        event = OrganizationRejected(organization_id=self.id, kind=self.kind.value, reason=stripped)
        return [DomainEvent(payload=event, subject=self.id, time=now)]

    def resubmit(self, *, now: datetime) -> list[DomainEvent]:
        """Puts a rejected organisation back in the review queue.

        No event: for every other service pending and rejected mean the same thing (not verified), so
        there is nothing for them to learn until the operator decides again.
        """
        if self.verification_status != VerificationStatus.REJECTED:
            raise InvalidTransition("organization", self.verification_status.value, "resubmit")
        self.verification_status = VerificationStatus.PENDING
        self.rejection_reason = None
        self.touch(now)
        return []

    def _require_pending(self, action: str) -> None:
        if self.verification_status != VerificationStatus.PENDING:
            raise InvalidTransition("organization", self.verification_status.value, action)
