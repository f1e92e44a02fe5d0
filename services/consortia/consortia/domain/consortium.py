"""Consortium aggregate: lifecycle, memberships and join requests, contributions and benefit distribution."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    ValidationFailed,
    Violation,
    ViolationCollector,
    parse_enum,
)
from dovetail_shared.events.base import DomainEvent, EventPayload
from dovetail_shared.events.consortia import Allocation as AllocationPayload
from dovetail_shared.events.consortia import (
    BenefitDistributed,
    BenefitRuleSet,
    ConsortiumActivated,
    ConsortiumDissolved,
    ConsortiumFormed,
    ContributionRecorded,
    JoinRequested,
    JoinRequestRejected,
    LeadTransferred,
    MemberJoined,
    MemberLeft,
    MemberRoleChanged,
)
from dovetail_shared.events.consortia import Share as SharePayload
from dovetail_shared.vocabulary import ConsortiumStatus
from pydantic import BaseModel, Field

from consortia.domain import money
from consortia.domain._checks import optional_text
from consortia.domain.benefits import Allocation, BenefitRule, BenefitRuleKind, Distribution, allocate
from consortia.domain.contributions import Contribution, ContributionKind, ValuedTotal
from consortia.domain.organization import OrganizationKind


class ConsortiumKind(StrEnum):
    CITY_CONSORTIUM = "city_consortium"
    INDUSTRY_COMMUNITY = "industry_community"
    PROJECT = "project"


class MembershipRole(StrEnum):
    LEAD = "lead"
    CORE = "core"
    MEMBER = "member"
    OBSERVER = "observer"


class JoinRequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class Membership(BaseModel):
    """One stint of an organisation in the consortium; leaving closes it, rejoining opens a new one."""

    # The stint's own identity, so the repository can write one stint without rewriting the others.
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    organization_id: uuid.UUID
    organization_kind: OrganizationKind
    role: MembershipRole
    joined_on: date
    left_on: date | None = None
    # Set only by ``dissolve``: this stint was open when the consortium ended. Dates cannot tell it apart from
    # a member removed earlier the same day (``left_on == dissolved_on`` for both), and only these keep the books.
    ended_by_dissolution: bool = False

    @property
    def is_active(self) -> bool:
        return self.left_on is None


class JoinRequest(BaseModel):
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    organization_id: uuid.UUID
    organization_kind: OrganizationKind
    requested_role: MembershipRole
    status: JoinRequestStatus = JoinRequestStatus.PENDING
    reason: str | None = None
    requested_on: date
    decided_on: date | None = None


DISSOLUTION_REASON = "consortium dissolved"


class Consortium(Aggregate):
    """A consortium and everything that must change consistently with it, under one version.

    Lifecycle: ``forming`` → ``active`` (automatically, once at least one college and one enterprise are
    active members) → ``dissolved`` (final; every later change is an ``InvalidTransition``). A consortium
    stays ``active`` if members later leave: activation records that it started working, and flipping
    back would invalidate programs and distributions already made under it.

    Verification of organisations: the service looks the organisation up and passes
    ``organization_verified``; the rule that only verified organisations may take part lives here, so no
    entrypoint can forget it. Checking once at request time is enough because verification is final.

    Every method that changes something calls ``touch`` so the repository bumps ``version``; ``distribute``
    touches the consortium too: it reads the rule and the membership, and the version bump makes it conflict
    with a concurrent change instead of using a stale one. A ledger line does not (ADR 0014).

    Memberships and join requests are rows of their own in storage (ADR 0018); here they are plain lists, and
    the repository writes only the elements a method changed or added.

    Time comes in as parameters (ADR 0015): ``now`` is the instant of the change (``updated_at``, event
    times); ``today`` is a local calendar date chosen by the service: the lead's for the consortium's own
    dates (joined, left, decided, activated, dissolved, distributed), the contributing member's for a
    ledger line.
    """

    name: str
    name_zh: str | None = None
    kind: ConsortiumKind
    charter: str
    lead_organization_id: uuid.UUID
    status: ConsortiumStatus = ConsortiumStatus.FORMING
    benefit_rule: BenefitRule | None = None
    memberships: list[Membership] = Field(default_factory=list)
    join_requests: list[JoinRequest] = Field(default_factory=list)
    activated_on: date | None = None
    dissolved_on: date | None = None

    # ----------------------------------------------------------------------------------------- formation

    @classmethod
    def form(
        cls,
        name: str,
        kind: ConsortiumKind,
        charter: str,
        lead_org_id: uuid.UUID,
        lead_org_kind: OrganizationKind,
        today: date,
        *,
        now: datetime,
        lead_org_verified: bool,
        name_zh: str | None = None,
        consortium_id: uuid.UUID | None = None,
    ) -> tuple[Consortium, list[DomainEvent]]:
        """``today`` is the lead's local date (the lead's joining day); ``now`` the instant of the request."""
        errors = ViolationCollector()
        if not name.strip():
            errors.add("name", "required", "must not be empty")
        if not charter.strip():
            errors.add("charter", "required", "a consortium needs a charter its members sign up to")
        if not lead_org_verified:
            errors.add("lead_organization_id", "organization_not_verified", "the lead must be verified")
        errors.raise_if_any()

        consortium = cls(
            id=consortium_id or uuid.uuid4(),
            name=name.strip(),
            name_zh=optional_text(name_zh),
            kind=parse_enum(ConsortiumKind, kind, "kind"),
            charter=charter.strip(),
            lead_organization_id=lead_org_id,
            created_at=now,
            updated_at=now,
        )
        lead = Membership(
            organization_id=lead_org_id,
            organization_kind=parse_enum(OrganizationKind, lead_org_kind, "organization_kind"),
            role=MembershipRole.LEAD,
            joined_on=today,
        )
        consortium.memberships.append(lead)
        formed = ConsortiumFormed(
            consortium_id=consortium.id,
            name=consortium.name,
            kind=consortium.kind.value,
            lead_organization_id=lead_org_id,
        )
        return consortium, [consortium._event(formed, now), consortium._joined(lead, now)]

    # ------------------------------------------------------------------------------------------- queries

    @property
    def active_memberships(self) -> list[Membership]:
        return [m for m in self.memberships if m.is_active]

    def membership_of(self, organization_id: uuid.UUID) -> Membership | None:
        """The organisation's current membership, or None if it is not (or no longer) a member."""
        return next((m for m in self.active_memberships if m.organization_id == organization_id), None)

    def is_active_member(self, organization_id: uuid.UUID) -> bool:
        return self.membership_of(organization_id) is not None

    def was_member_at_end(self, organization_id: uuid.UUID) -> bool:
        """Whether the organisation was a member when the consortium was dissolved (not merely left that day)."""
        return any(m.organization_id == organization_id and m.ended_by_dissolution for m in self.memberships)

    def join_request(self, request_id: uuid.UUID) -> JoinRequest:
        for request in self.join_requests:
            if request.id == request_id:
                return request
        raise NotFound(f"join request {request_id} not found in consortium {self.id}")

    # ------------------------------------------------------------------------------------- join requests

    def request_to_join(
        self,
        org_id: uuid.UUID,
        org_kind: OrganizationKind,
        role: MembershipRole,
        today: date,
        *,
        now: datetime,
        organization_verified: bool,
        request_id: uuid.UUID | None = None,
    ) -> tuple[JoinRequest, list[DomainEvent]]:
        """Files a pending request for the lead to decide."""
        self._require_not_dissolved("request to join")
        role = parse_enum(MembershipRole, role, "requested_role")
        if role == MembershipRole.LEAD:
            raise ValidationFailed(
                "requested_role", "lead_not_requestable", "the lead role is handed over, not requested"
            )
        if not organization_verified:
            raise ValidationFailed(
                "organization_id", "organization_not_verified", "only verified organisations may join"
            )
        if self.is_active_member(org_id):
            raise _conflict("organization_id", "already_member", "the organisation is already a member")
        if any(r.organization_id == org_id and r.status == JoinRequestStatus.PENDING for r in self.join_requests):
            raise _conflict("organization_id", "request_pending", "the organisation already has a pending request")

        request = JoinRequest(
            id=request_id or uuid.uuid4(),
            organization_id=org_id,
            organization_kind=parse_enum(OrganizationKind, org_kind, "organization_kind"),
            requested_role=role,
            requested_on=today,
        )
        self.join_requests.append(request)
        self.touch(now)
        submitted = JoinRequested(
            consortium_id=self.id,
            request_id=request.id,
            organization_id=org_id,
            requested_role=role.value,
            requested_on=today,
        )
        return request, [self._event(submitted, now)]

    def approve_request(self, request_id: uuid.UUID, today: date, *, now: datetime) -> list[DomainEvent]:
        """Admits the organisation in its requested role; may activate a forming consortium."""
        self._require_not_dissolved("approve a join request of")
        request = self._pending_request(request_id, "approve")
        # Unreachable through this aggregate's own methods (requesting refuses members), kept so a
        # hand-edited row cannot produce a second active membership.
        if self.is_active_member(request.organization_id):
            raise _conflict("organization_id", "already_member", "the organisation is already a member")

        request.status = JoinRequestStatus.APPROVED
        request.decided_on = today
        membership = Membership(
            organization_id=request.organization_id,
            organization_kind=request.organization_kind,
            role=request.requested_role,
            joined_on=today,
        )
        self.memberships.append(membership)
        self.touch(now)
        events = [self._joined(membership, now)]
        if self.status == ConsortiumStatus.FORMING and self._has_college_and_enterprise():
            self.status = ConsortiumStatus.ACTIVE
            self.activated_on = today
            events.append(self._event(ConsortiumActivated(consortium_id=self.id), now))
        return events

    def reject_request(self, request_id: uuid.UUID, reason: str, today: date, *, now: datetime) -> list[DomainEvent]:
        """Refuses a pending request with a reason the applicant will see."""
        self._require_not_dissolved("reject a join request of")
        request = self._pending_request(request_id, "reject")
        stripped = reason.strip()
        if not stripped:
            raise ValidationFailed("reason", "reason_required", "say why the request is rejected")
        request.status = JoinRequestStatus.REJECTED
        request.reason = stripped
        request.decided_on = today
        self.touch(now)
        return [self._request_rejected(request, now)]

    # --------------------------------------------------------------------------------------- membership

    def leave(self, org_id: uuid.UUID, today: date, *, now: datetime) -> list[DomainEvent]:
        self._require_not_dissolved("leave")
        membership = self._require_membership(org_id)
        if membership.role == MembershipRole.LEAD:
            raise ValidationFailed(
                "organization_id", "lead_cannot_leave", "hand the lead to another member before leaving"
            )
        membership.left_on = today
        self.touch(now)
        return [self._left(membership, now)]

    def change_role(self, org_id: uuid.UUID, role: MembershipRole, *, now: datetime) -> list[DomainEvent]:
        """Changes a non-lead member's role among core, member and observer."""
        self._require_not_dissolved("change a role in")
        role = parse_enum(MembershipRole, role, "role")
        if role == MembershipRole.LEAD:
            raise ValidationFailed("role", "use_transfer_lead", "the lead role moves only by transfer_lead")
        membership = self._require_membership(org_id)
        if membership.role == MembershipRole.LEAD:
            raise ValidationFailed(
                "organization_id", "lead_role_fixed", "transfer the lead first, then change this role"
            )
        if membership.role == role:
            return []
        previous = membership.role
        membership.role = role
        self.touch(now)
        return [self._role_changed(membership, previous, now)]

    def transfer_lead(self, new_lead_org_id: uuid.UUID, *, now: datetime) -> list[DomainEvent]:
        """Makes another active member the lead; the previous lead stays on as a core member.

        Emits a ``MemberRoleChanged`` per member whose role moved, then ``LeadTransferred``, so a
        membership projection stays right from member events alone.
        """
        self._require_not_dissolved("transfer the lead of")
        if new_lead_org_id == self.lead_organization_id:
            raise ValidationFailed("organization_id", "already_lead", "this organisation is already the lead")
        new_lead = self.membership_of(new_lead_org_id)
        if new_lead is None:
            raise ValidationFailed("organization_id", "not_active_member", "the new lead must be a member")
        events: list[DomainEvent] = []
        old_lead = self.membership_of(self.lead_organization_id)
        if old_lead is not None:
            old_lead.role = MembershipRole.CORE
            events.append(self._role_changed(old_lead, MembershipRole.LEAD, now))
        previous_role = new_lead.role
        new_lead.role = MembershipRole.LEAD
        events.append(self._role_changed(new_lead, previous_role, now))
        previous_lead = self.lead_organization_id
        self.lead_organization_id = new_lead_org_id
        self.touch(now)
        transferred = LeadTransferred(
            consortium_id=self.id, previous_lead_organization_id=previous_lead, lead_organization_id=new_lead_org_id
        )
        events.append(self._event(transferred, now))
        return events

    def dissolve(self, today: date, *, now: datetime) -> list[DomainEvent]:
        """Ends the consortium: closes every membership and refuses pending requests.

        Emits one ``JoinRequestRejected`` per pending request and one ``MemberLeft`` per closed
        membership, then ``ConsortiumDissolved``, so a consumer's projections stay right from the
        request and member events alone.
        """
        self._require_not_dissolved("dissolve")
        events: list[DomainEvent] = []
        for request in self.join_requests:
            if request.status == JoinRequestStatus.PENDING:
                request.status = JoinRequestStatus.REJECTED
                request.reason = DISSOLUTION_REASON
                request.decided_on = today
                events.append(self._request_rejected(request, now))
        for membership in self.active_memberships:
            membership.left_on = today
            membership.ended_by_dissolution = True
            events.append(self._left(membership, now))
        self.status = ConsortiumStatus.DISSOLVED
        self.dissolved_on = today
        self.touch(now)
        events.append(self._event(ConsortiumDissolved(consortium_id=self.id), now))
        return events

    # ------------------------------------------------------------------------------------- contributions

    def record_contribution(
        self,
        organization_id: uuid.UUID,
        kind: ContributionKind,
        quantity: Decimal,
        unit: str,
        valuation: Decimal,
        contributed_on: date,
        today: date,
        *,
        now: datetime,
        currency: str = money.DEFAULT_CURRENCY,
        contribution_id: uuid.UUID | None = None,
        recorded_by_organization_id: uuid.UUID | None = None,
    ) -> tuple[Contribution, list[DomainEvent]]:
        """``today`` is the contributing member's local date: a line may not be dated after it."""
        self._require_not_dissolved("record a contribution to")
        if not self.is_active_member(organization_id):
            raise ValidationFailed("organization_id", "not_active_member", "only active members record contributions")
        contribution = Contribution.create(
            consortium_id=self.id,
            organization_id=organization_id,
            kind=kind,
            quantity=quantity,
            unit=unit,
            valuation=valuation,
            contributed_on=contributed_on,
            today=today,
            now=now,
            currency=currency,
            contribution_id=contribution_id,
            recorded_by_organization_id=recorded_by_organization_id,
        )
        # The consortium itself does not change: the line is a row of its own (its version must not move).
        recorded = ContributionRecorded(
            consortium_id=self.id,
            contribution_id=contribution.id,
            organization_id=contribution.organization_id,
            kind=contribution.kind.value,
            quantity=contribution.quantity,
            unit=contribution.unit,
            valuation=contribution.valuation,
            currency=contribution.currency,
            contributed_on=contribution.contributed_on,
        )
        return contribution, [self._event(recorded, now)]

    # ---------------------------------------------------------------------------------- benefit sharing

    def set_benefit_rule(self, rule: BenefitRule, *, now: datetime) -> list[DomainEvent]:
        """Replaces the rule after checking it; every share holder must be an active member."""
        self._require_not_dissolved("set the benefit rule of")
        rule.check()
        errors = ViolationCollector()
        for i, share in enumerate(rule.shares):
            if not self.is_active_member(share.organization_id):
                errors.add(f"shares[{i}].organization_id", "not_active_member", "must be an active member")
        errors.raise_if_any()
        self.benefit_rule = rule
        self.touch(now)
        rule_set = BenefitRuleSet(
            consortium_id=self.id,
            kind=rule.kind.value,
            shares=[SharePayload(organization_id=s.organization_id, percent=s.percent) for s in rule.shares],
            period_from=rule.period_from,
            period_to=rule.period_to,
            kinds=[k.value for k in rule.kinds] if rule.kinds is not None else None,
        )
        return [self._event(rule_set, now)]

    def distribute(
        self,
        amount: Decimal,
        currency: str,
        totals: Iterable[ValuedTotal],
        distribution_id: uuid.UUID,
        today: date,
        *,
        now: datetime,
    ) -> tuple[Distribution, list[DomainEvent]]:
        """Splits ``amount`` among active members under the benefit rule (largest remainder, exact).

        ``totals`` are the valuations of the rule's period and kinds per organisation and currency (the
        repository sums them in SQL; ``valued_totals`` is the Python reading); a fixed-shares rule ignores them.
        Organisations no longer members are not weighed. Weighted rules refuse (``currency_mismatch``) when a
        member's lines in scope are valued in another currency, because adding valuations across currencies
        would weigh members wrongly.
        """
        if self.status != ConsortiumStatus.ACTIVE:
            raise InvalidTransition("consortium", self.status.value, "distribute benefits of")
        rule = self.benefit_rule
        if rule is None:
            raise ValidationFailed("benefit_rule", "benefit_rule_required", "set a benefit rule first")
        code = money.normalize_currency(currency)

        if rule.kind == BenefitRuleKind.FIXED_SHARES:
            weights = self._fixed_weights(rule)
        else:
            weights = self._contribution_weights(rule, code, totals)
        shares = allocate(amount, weights, money.minor_unit_exponent(code))

        distribution = Distribution(
            id=distribution_id,
            consortium_id=self.id,
            amount=amount,
            currency=code,
            rule_kind=rule.kind,
            allocations=[Allocation(organization_id=org, amount=value) for org, value in shares.items()],
            distributed_on=today,
            created_at=now,
            updated_at=now,
        )
        self.touch(now)
        distributed = BenefitDistributed(
            consortium_id=self.id,
            distribution_id=distribution.id,
            amount=distribution.amount,
            currency=distribution.currency,
            rule=rule.kind.value,
            allocations=[
                AllocationPayload(organization_id=a.organization_id, amount=a.amount) for a in distribution.allocations
            ],
        )
        return distribution, [self._event(distributed, now)]

    def _fixed_weights(self, rule: BenefitRule) -> dict[uuid.UUID, Decimal]:
        # Shares were checked against membership when the rule was set; a holder may have left since,
        # and giving a former member money (or silently re-scaling the others) would both be wrong.
        for i, share in enumerate(rule.shares):
            if not self.is_active_member(share.organization_id):
                raise ValidationFailed(
                    f"benefit_rule.shares[{i}].organization_id",
                    "share_holder_not_member",
                    "this share holder has left; update the benefit rule before distributing",
                )
        return {share.organization_id: share.percent for share in rule.shares}

    def _contribution_weights(
        self, rule: BenefitRule, currency: str, totals: Iterable[ValuedTotal]
    ) -> dict[uuid.UUID, Decimal]:
        if rule.period_from is None or rule.period_to is None:  # check() guarantees both; this narrows types
            raise ValidationFailed("benefit_rule", "period_required", "the rule has no period")
        members = {m.organization_id for m in self.active_memberships}
        weights: dict[uuid.UUID, Decimal] = {}
        for total in totals:
            if total.organization_id not in members:
                continue
            if total.currency != currency:
                raise ValidationFailed(
                    "currency",
                    "currency_mismatch",
                    f"organisation {total.organization_id} has contributions valued in {total.currency} in the "
                    f"rule's period, the distribution is in {currency}",
                )
            weights[total.organization_id] = weights.get(total.organization_id, Decimal(0)) + total.valuation
        positive = {org: weights[org] for org in sorted(weights, key=str) if weights[org] > 0}
        if not positive:
            raise ValidationFailed(
                "benefit_rule",
                "no_weight",
                f"no member contribution valued in {currency} between {rule.period_from} and {rule.period_to}",
            )
        return positive

    # ---------------------------------------------------------------------------------------- internals

    def _has_college_and_enterprise(self) -> bool:
        kinds = {m.organization_kind for m in self.active_memberships}
        return OrganizationKind.COLLEGE in kinds and OrganizationKind.ENTERPRISE in kinds

    def _require_not_dissolved(self, action: str) -> None:
        if self.status == ConsortiumStatus.DISSOLVED:
            raise InvalidTransition("consortium", self.status.value, action)

    def _require_membership(self, org_id: uuid.UUID) -> Membership:
        membership = self.membership_of(org_id)
        if membership is None:
            raise NotFound(f"organisation {org_id} is not an active member of consortium {self.id}")
        return membership

    def _pending_request(self, request_id: uuid.UUID, action: str) -> JoinRequest:
        request = self.join_request(request_id)
        if request.status != JoinRequestStatus.PENDING:
            raise InvalidTransition("join request", request.status.value, action)
        return request

    def _event(self, payload: EventPayload, now: datetime) -> DomainEvent:
        return DomainEvent(payload=payload, subject=self.id, time=now)

    def _joined(self, membership: Membership, now: datetime) -> DomainEvent:
        return self._event(
            MemberJoined(
                consortium_id=self.id,
                organization_id=membership.organization_id,
                role=membership.role.value,
                joined_on=membership.joined_on,
            ),
            now,
        )

    def _role_changed(self, membership: Membership, previous: MembershipRole, now: datetime) -> DomainEvent:
        return self._event(
            MemberRoleChanged(
                consortium_id=self.id,
                organization_id=membership.organization_id,
                previous_role=previous.value,
                role=membership.role.value,
            ),
            now,
        )

    def _request_rejected(self, request: JoinRequest, now: datetime) -> DomainEvent:
        if request.reason is None or request.decided_on is None:
            raise ValueError("join request is not decided")
        return self._event(
            JoinRequestRejected(
                consortium_id=self.id,
                request_id=request.id,
                organization_id=request.organization_id,
                reason=request.reason,
                decided_on=request.decided_on,
            ),
            now,
        )

    def _left(self, membership: Membership, now: datetime) -> DomainEvent:
        if membership.left_on is None:
            raise ValueError("membership is still open")
        return self._event(
            MemberLeft(
                consortium_id=self.id,
                organization_id=membership.organization_id,
                role=membership.role.value,
                left_on=membership.left_on,
            ),
            now,
        )


def _conflict(field: str, rule: str, message: str) -> Conflict:
    """A Conflict that still names field and rule, so clients can react to it like a validation error."""
    return Conflict(f"{field}: {message}", violations=[Violation(field, rule, message)])
