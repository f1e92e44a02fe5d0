"""Consortia use cases: authorise, load, call the domain, save, emit. Never commits (the boundary does)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from dovetail_shared.clock import DEFAULT_TIME_ZONE, local_date
from dovetail_shared.errors import Forbidden, NotFound, ValidationFailed, VersionConflict
from dovetail_shared.principal import Principal

from consortia.domain import (
    BenefitRule,
    BenefitRuleKind,
    Consortium,
    ConsortiumKind,
    ConsortiumStatus,
    ConsortiumView,
    Contribution,
    ContributionKind,
    Distribution,
    EnterpriseSize,
    JoinRequest,
    LedgerTotal,
    MembershipRole,
    Organization,
    OrganizationKind,
    ValuedTotal,
    VerificationStatus,
    can_manage,
    can_record_for,
    can_remove,
    can_resubmit,
    can_see_request,
    can_view_ledger,
    can_view_organization,
    consortium_view,
    is_admin_of,
)
from consortia.uow import ConsortiaUnitOfWork

# ------------------------------------------------------------------------------------------ organisations


async def register_organization(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    *,
    name: str,
    kind: OrganizationKind,
    region: str,
    registration_number: str,
    size: EnterpriseSize | None = None,
    name_zh: str | None = None,
    time_zone: str | None = None,
    now: datetime,
) -> Organization:
    """Anyone signed in may apply (their token usually has no organisation yet); an operator vets it."""
    org, events = Organization.register(
        name=name,
        kind=kind,
        region=region,
        registration_number=registration_number,
        size=size,
        name_zh=name_zh,
        registered_by=p.sub,
        time_zone=time_zone,
        now=now,
    )
    await uow.organizations.add(org)
    uow.emit(*events)
    return org


async def get_organization(uow: ConsortiaUnitOfWork, p: Principal | None, org_id: uuid.UUID) -> Organization:
    org = await uow.organizations.get(org_id)
    if org is None or not can_view_organization(p, org):
        # An unvetted applicant is not shown to the public, not even as "exists".
        raise NotFound(f"organization {org_id} not found")
    return org


async def list_organizations(
    uow: ConsortiaUnitOfWork,
    p: Principal | None,
    *,
    kind: OrganizationKind | None,
    status: VerificationStatus | None,
    region: str | None,
    limit: int,
    offset: int,
    ids: list[uuid.UUID] | None = None,
) -> tuple[list[Organization], int]:
    """The organisations ``can_view_organization`` lets the caller see, filtered in SQL (the repository's
    filter is tested against that predicate)."""
    return await uow.organizations.visible_to(
        p, kind=kind, status=status, region=region, ids=ids, limit=limit, offset=offset
    )


async def decide_organization(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    org_id: uuid.UUID,
    action: str,
    expected_version: int | None,
    *,
    now: datetime,
    reason: str = "",
) -> Organization:
    """verify | reject (operators) | resubmit (the organisation, its registrant, or an operator)."""
    if action in ("verify", "reject") and not p.is_operator:
        raise Forbidden(f"only a platform operator may {action} an organisation")
    org = await get_organization(uow, p, org_id)
    if action == "verify":
        events = org.verify(now=now)
    elif action == "reject":
        events = org.reject(reason, now=now)
    elif action == "resubmit":
        if not can_resubmit(p, org):
            raise Forbidden("only the organisation's admins or its registrant may resubmit it")
        events = org.resubmit(now=now)
    else:  # pragma: no cover - the API only routes the actions above
        raise ValueError(action)
    await uow.organizations.save(org, expected_version=expected_version)
    uow.emit(*events)
    return org


async def _known_organization(uow: ConsortiaUnitOfWork, org_id: uuid.UUID, field: str) -> Organization:
    org = await uow.organizations.get(org_id)
    if org is None:
        raise ValidationFailed(field, "known_organization", f"organisation {org_id} is not registered")
    return org


async def _local_date(uow: ConsortiaUnitOfWork, org_id: uuid.UUID, now: datetime) -> date:
    """The organisation's own calendar date at ``now`` (UTC for one that is not registered here)."""
    org = await uow.organizations.get(org_id)
    return local_date(now, org.time_zone if org is not None else DEFAULT_TIME_ZONE)


async def _consortium_today(uow: ConsortiaUnitOfWork, consortium: Consortium, now: datetime) -> date:
    """A consortium keeps its dates on its lead's calendar, so they are comparable with one another."""
    return await _local_date(uow, consortium.lead_organization_id, now)


def _acting_org(p: Principal, given: uuid.UUID | None, field: str) -> uuid.UUID:
    org_id = given or p.org
    if org_id is None:
        raise ValidationFailed(field, "required", "give the organisation (your token has none)")
    return org_id


# ------------------------------------------------------------------------------------------------ consortia


async def form_consortium(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    *,
    name: str,
    kind: ConsortiumKind,
    charter: str,
    now: datetime,
    lead_organization_id: uuid.UUID | None = None,
    name_zh: str | None = None,
) -> Consortium:
    lead_id = _acting_org(p, lead_organization_id, "lead_organization_id")
    if not is_admin_of(p, lead_id):
        raise Forbidden("only an admin of the lead organisation forms a consortium it leads")
    lead = await _known_organization(uow, lead_id, "lead_organization_id")
    consortium, events = Consortium.form(
        name,
        kind,
        charter,
        lead.id,
        lead.kind,
        local_date(now, lead.time_zone),
        now=now,
        lead_org_verified=lead.is_verified,
        name_zh=name_zh,
    )
    await uow.consortia.add(consortium)
    uow.emit(*events)
    return consortium


async def get_consortium(uow: ConsortiaUnitOfWork, consortium_id: uuid.UUID, *, for_update: bool = False) -> Consortium:
    """Consortia are public facts; what a caller sees of one is decided when shaping the response."""
    return await uow.consortia.require(consortium_id, for_update=for_update)


def view(p: Principal | None, c: Consortium) -> ConsortiumView:
    """What the caller may see of a consortium (policy.consortium_view); every route answers with this."""
    return consortium_view(p, c)


async def list_consortia(
    uow: ConsortiaUnitOfWork,
    p: Principal | None,
    *,
    organization_id: uuid.UUID | None,
    status: ConsortiumStatus | None,
    kind: ConsortiumKind | None,
    limit: int,
    offset: int,
    ids: list[uuid.UUID] | None = None,
) -> tuple[list[ConsortiumView], int]:
    """Consortia are public; each is shown as the caller may see it."""
    items, total = await uow.consortia.search(
        organization_id=organization_id, status=status, kind=kind, ids=ids, limit=limit, offset=offset
    )
    return [consortium_view(p, c) for c in items], total


async def list_join_requests(
    uow: ConsortiaUnitOfWork, p: Principal, consortium_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[JoinRequest], int]:
    """Insiders see every request; an applicant sees its own."""
    c = await get_consortium(uow, consortium_id)
    visible = [r for r in c.join_requests if can_see_request(p, c, r)]
    return visible[offset : offset + limit], len(visible)


async def get_join_request(
    uow: ConsortiaUnitOfWork, p: Principal, consortium_id: uuid.UUID, request_id: uuid.UUID
) -> JoinRequest:
    c = await get_consortium(uow, consortium_id)
    request = next((r for r in c.join_requests if r.id == request_id), None)
    if request is None or not can_see_request(p, c, request):
        raise NotFound(f"join request {request_id} not found in consortium {consortium_id}")
    return request


async def _managed(uow: ConsortiaUnitOfWork, p: Principal, consortium_id: uuid.UUID, action: str) -> Consortium:
    consortium = await get_consortium(uow, consortium_id)
    if not can_manage(p, consortium):
        raise Forbidden(f"only the lead organisation's admins may {action}")
    return consortium


async def request_to_join(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    consortium_id: uuid.UUID,
    *,
    organization_id: uuid.UUID | None,
    requested_role: MembershipRole,
    now: datetime,
    expected_version: int | None,
) -> tuple[Consortium, JoinRequest]:
    org_id = _acting_org(p, organization_id, "organization_id")
    if not is_admin_of(p, org_id):
        raise Forbidden("only an admin of the organisation asks for it to join")
    org = await _known_organization(uow, org_id, "organization_id")
    consortium = await get_consortium(uow, consortium_id)
    today = await _consortium_today(uow, consortium, now)
    request, events = consortium.request_to_join(
        org.id, org.kind, requested_role, today, now=now, organization_verified=org.is_verified
    )
    await uow.consortia.save(consortium, expected_version=expected_version)
    uow.emit(*events)
    return consortium, request


async def decide_join_request(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    consortium_id: uuid.UUID,
    request_id: uuid.UUID,
    *,
    approve: bool,
    reason: str = "",
    now: datetime,
    expected_version: int | None,
) -> Consortium:
    consortium = await _managed(uow, p, consortium_id, "decide join requests")
    today = await _consortium_today(uow, consortium, now)
    if approve:
        events = consortium.approve_request(request_id, today, now=now)
    else:
        events = consortium.reject_request(request_id, reason, today, now=now)
    await uow.consortia.save(consortium, expected_version=expected_version)
    uow.emit(*events)
    return consortium


async def remove_member(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    consortium_id: uuid.UUID,
    org_id: uuid.UUID,
    *,
    now: datetime,
    expected_version: int | None,
) -> Consortium:
    """A member leaves (its own admins) or is removed (the lead's admins)."""
    consortium = await get_consortium(uow, consortium_id)
    if not can_remove(p, consortium, org_id):
        raise Forbidden("only the member's own admins or the lead's admins may end a membership")
    events = consortium.leave(org_id, await _consortium_today(uow, consortium, now), now=now)
    await uow.consortia.save(consortium, expected_version=expected_version)
    uow.emit(*events)
    return consortium


async def change_role(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    consortium_id: uuid.UUID,
    org_id: uuid.UUID,
    role: MembershipRole,
    expected_version: int | None,
    *,
    now: datetime,
) -> Consortium:
    consortium = await _managed(uow, p, consortium_id, "change members' roles")
    events = consortium.change_role(org_id, role, now=now)
    await uow.consortia.save(consortium, expected_version=expected_version)
    uow.emit(*events)
    return consortium


async def transfer_lead(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    consortium_id: uuid.UUID,
    new_lead_org_id: uuid.UUID,
    expected_version: int | None,
    *,
    now: datetime,
) -> Consortium:
    consortium = await _managed(uow, p, consortium_id, "hand over the lead")
    events = consortium.transfer_lead(new_lead_org_id, now=now)
    await uow.consortia.save(consortium, expected_version=expected_version)
    uow.emit(*events)
    return consortium


async def dissolve(
    uow: ConsortiaUnitOfWork, p: Principal, consortium_id: uuid.UUID, *, now: datetime, expected_version: int | None
) -> Consortium:
    consortium = await _managed(uow, p, consortium_id, "dissolve the consortium")
    events = consortium.dissolve(await _consortium_today(uow, consortium, now), now=now)
    await uow.consortia.save(consortium, expected_version=expected_version)
    uow.emit(*events)
    return consortium


async def set_benefit_rule(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    consortium_id: uuid.UUID,
    rule: BenefitRule,
    expected_version: int | None,
    *,
    now: datetime,
) -> Consortium:
    consortium = await _managed(uow, p, consortium_id, "set the benefit rule")
    events = consortium.set_benefit_rule(rule, now=now)
    await uow.consortia.save(consortium, expected_version=expected_version)
    uow.emit(*events)
    return consortium


# ---------------------------------------------------------------------------------- ledger and benefits


async def record_contribution(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    consortium_id: uuid.UUID,
    *,
    organization_id: uuid.UUID | None,
    kind: ContributionKind,
    quantity: Decimal,
    unit: str,
    valuation: Decimal,
    currency: str,
    contributed_on: date,
    now: datetime,
    expected_version: int | None,
) -> Contribution:
    org_id = _acting_org(p, organization_id, "organization_id")
    # A ledger line is a row of its own: the consortium is read under a SHARE lock, never rewritten, so members
    # recording at the same moment do not queue on (or conflict over) the consortium row, and its version and
    # updated_at do not move. A membership change or a distribution (which write the row) waits for the lock.
    consortium = await uow.consortia.require(consortium_id, for_share=True)
    if expected_version is not None and expected_version != consortium.version:
        raise VersionConflict("consortium", expected_version, consortium.version)
    if not can_record_for(p, consortium, org_id):
        raise Forbidden("a member's admins record its own contributions; the lead's admins may record any member's")
    contribution, events = consortium.record_contribution(
        org_id,
        kind,
        quantity,
        unit,
        valuation,
        contributed_on,
        # The line is the member's: "not after today" is on the member's calendar, whoever records it.
        await _local_date(uow, org_id, now),
        now=now,
        currency=currency,
        recorded_by_organization_id=p.org,
    )
    await uow.contributions.add(contribution)
    uow.emit(*events)
    return contribution


async def distribute(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    consortium_id: uuid.UUID,
    *,
    amount: Decimal,
    currency: str,
    now: datetime,
    expected_version: int | None,
) -> Distribution:
    # Locked first: a ledger line being recorded (SHARE lock) finishes before the period is summed, and one
    # that starts now waits for this distribution, so no line is half in and half out of it.
    consortium = await get_consortium(uow, consortium_id, for_update=True)
    if not can_manage(p, consortium):
        raise Forbidden("only the lead organisation's admins may distribute benefits")
    rule = consortium.benefit_rule
    totals: list[ValuedTotal] = []
    if rule is not None and rule.kind == BenefitRuleKind.CONTRIBUTION_WEIGHTED and rule.period_from and rule.period_to:
        # Summed by Postgres: a long ledger costs one row per member and currency here, not one per line.
        totals = await uow.contributions.valued_totals(
            consortium.id, period_from=rule.period_from, period_to=rule.period_to, kinds=rule.kinds
        )
    today = await _consortium_today(uow, consortium, now)
    distribution, events = consortium.distribute(amount, currency, totals, uuid.uuid4(), today, now=now)
    await uow.consortia.save(consortium, expected_version=expected_version)
    await uow.distributions.add(distribution)
    uow.emit(*events)
    return distribution


async def _ledger_viewer(uow: ConsortiaUnitOfWork, p: Principal, consortium_id: uuid.UUID) -> Consortium:
    consortium = await get_consortium(uow, consortium_id)
    if not can_view_ledger(p, consortium):
        raise Forbidden("only the consortium's members see its ledger and distributions")
    return consortium


async def list_contributions(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    consortium_id: uuid.UUID,
    *,
    organization_id: uuid.UUID | None,
    kind: ContributionKind | None,
    date_from: date | None,
    date_to: date | None,
    limit: int,
    offset: int,
) -> tuple[list[Contribution], int]:
    await _ledger_viewer(uow, p, consortium_id)
    return await uow.contributions.ledger(
        consortium_id,
        organization_id=organization_id,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )


async def get_contribution(
    uow: ConsortiaUnitOfWork, p: Principal, consortium_id: uuid.UUID, contribution_id: uuid.UUID
) -> Contribution:
    await _ledger_viewer(uow, p, consortium_id)
    contribution = await uow.contributions.get(contribution_id)
    if contribution is None or contribution.consortium_id != consortium_id:
        raise NotFound(f"contribution {contribution_id} not found in consortium {consortium_id}")
    return contribution


async def ledger_totals(
    uow: ConsortiaUnitOfWork,
    p: Principal,
    consortium_id: uuid.UUID,
    *,
    date_from: date | None,
    date_to: date | None,
) -> dict[uuid.UUID, dict[ContributionKind, LedgerTotal]]:
    await _ledger_viewer(uow, p, consortium_id)
    return await uow.contributions.totals(consortium_id, date_from=date_from, date_to=date_to)


async def list_distributions(
    uow: ConsortiaUnitOfWork, p: Principal, consortium_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[Distribution], int]:
    await _ledger_viewer(uow, p, consortium_id)
    return await uow.distributions.for_consortium(consortium_id, limit=limit, offset=offset)


async def get_distribution(
    uow: ConsortiaUnitOfWork, p: Principal, consortium_id: uuid.UUID, distribution_id: uuid.UUID
) -> Distribution:
    await _ledger_viewer(uow, p, consortium_id)
    distribution = await uow.distributions.get(distribution_id)
    if distribution is None or distribution.consortium_id != consortium_id:
        raise NotFound(f"distribution {distribution_id} not found in consortium {consortium_id}")
    return distribution
