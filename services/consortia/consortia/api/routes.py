"""Consortia REST endpoints: thin — authenticate, call the use case, shape the response; the request commits."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from dovetail_shared.dates import IsoDate
from dovetail_shared.http.deps import (
    CurrentPrincipal,
    ExpectedVersion,
    Ids,
    MaybePrincipal,
    Now,
    Page,
    Paging,
    Transaction,
    set_etag,
)
from dovetail_shared.principal import Principal
from dovetail_shared.text import Text
from fastapi import APIRouter, Query, Response, status

from consortia import service
from consortia.domain import (
    Consortium,
    ConsortiumKind,
    ConsortiumStatus,
    ContributionKind,
    Organization,
    OrganizationKind,
    VerificationStatus,
)
from consortia.schemas import (
    BenefitRuleIn,
    ConsortiumCreate,
    ConsortiumPublic,
    ContributionCreate,
    ContributionPublic,
    DistributionCreate,
    DistributionPublic,
    JoinRequestCreate,
    JoinRequestPublic,
    LeadIn,
    LedgerPublic,
    OrganizationCreate,
    OrganizationPublic,
    RejectIn,
    RoleIn,
)
from consortia.uow import ConsortiaUnitOfWork

organizations = APIRouter(tags=["organizations"])
consortia = APIRouter(tags=["consortia"])
ledger = APIRouter(tags=["ledger"])
UoW = Annotated[ConsortiaUnitOfWork, Transaction]
DateFrom = Annotated[IsoDate | None, Query(alias="from", description="First day, inclusive")]
DateTo = Annotated[IsoDate | None, Query(alias="to", description="Last day, inclusive")]


def _org_out(response: Response, org: Organization) -> OrganizationPublic:
    set_etag(response, org.version)
    return OrganizationPublic.of(org)


def _out(response: Response, c: Consortium, p: Principal | None) -> ConsortiumPublic:
    set_etag(response, c.version)
    return ConsortiumPublic.of(service.view(p, c))


# ------------------------------------------------------------------------------------------ organisations


@organizations.post("/organizations", status_code=status.HTTP_201_CREATED, response_model=OrganizationPublic)
async def register_organization(
    body: OrganizationCreate, uow: UoW, p: CurrentPrincipal, now: Now, response: Response
) -> Any:
    """Apply to join the platform; the organisation is pending until a platform operator vets it."""
    org = await service.register_organization(uow, p, **body.model_dump(), now=now)
    response.headers["Location"] = f"/organizations/{org.id}"
    return _org_out(response, org)


@organizations.get("/organizations", response_model=Page[OrganizationPublic])
async def list_organizations(
    uow: UoW,
    p: MaybePrincipal,
    paging: Paging,
    kind: OrganizationKind | None = None,
    verification_status: VerificationStatus | None = None,
    region: Annotated[Text | None, Query(max_length=200)] = None,
    ids: Ids = None,
) -> Any:
    """Verified organisations for everyone; operators see all (filter ``verification_status=pending`` for
    the vetting queue); others also see their own organisation and those they registered."""
    items, total = await service.list_organizations(
        uow,
        p,
        kind=kind,
        status=verification_status,
        region=region,
        ids=ids,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page[OrganizationPublic](
        items=[OrganizationPublic.of(o) for o in items], total=total, limit=paging.limit, offset=paging.offset
    )


@organizations.get("/organizations/{organization_id}", response_model=OrganizationPublic)
async def get_organization(organization_id: uuid.UUID, uow: UoW, p: MaybePrincipal, response: Response) -> Any:
    return _org_out(response, await service.get_organization(uow, p, organization_id))


@organizations.post("/organizations/{organization_id}/verify", response_model=OrganizationPublic)
async def verify_organization(
    organization_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now, expected: ExpectedVersion, response: Response
) -> Any:
    """A platform operator verifies a pending organisation (final)."""
    org = await service.decide_organization(uow, p, organization_id, "verify", expected, now=now)
    return _org_out(response, org)


@organizations.post("/organizations/{organization_id}/reject", response_model=OrganizationPublic)
async def reject_organization(
    organization_id: uuid.UUID,
    body: RejectIn,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """A platform operator rejects a pending organisation, saying why."""
    org = await service.decide_organization(uow, p, organization_id, "reject", expected, reason=body.reason, now=now)
    return _org_out(response, org)


@organizations.post("/organizations/{organization_id}/resubmit", response_model=OrganizationPublic)
async def resubmit_organization(
    organization_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now, expected: ExpectedVersion, response: Response
) -> Any:
    """Put a rejected organisation back in the vetting queue (its admins or its registrant)."""
    org = await service.decide_organization(uow, p, organization_id, "resubmit", expected, now=now)
    return _org_out(response, org)


# ------------------------------------------------------------------------------------------------ consortia


@consortia.post("/consortia", status_code=status.HTTP_201_CREATED, response_model=ConsortiumPublic)
async def form_consortium(body: ConsortiumCreate, uow: UoW, p: CurrentPrincipal, now: Now, response: Response) -> Any:
    """An admin of a verified organisation forms a consortium that it leads."""
    c = await service.form_consortium(uow, p, now=now, **body.model_dump())
    response.headers["Location"] = f"/consortia/{c.id}"
    return _out(response, c, p)


@consortia.get("/consortia", response_model=Page[ConsortiumPublic])
async def list_consortia(
    uow: UoW,
    p: MaybePrincipal,
    paging: Paging,
    organization_id: Annotated[uuid.UUID | None, Query(description="Only those it is an active member of")] = None,
    consortium_status: Annotated[ConsortiumStatus | None, Query(alias="status")] = None,
    kind: ConsortiumKind | None = None,
    ids: Ids = None,
) -> Any:
    """Consortia are public; insiders see their own in full."""
    items, total = await service.list_consortia(
        uow,
        p,
        organization_id=organization_id,
        status=consortium_status,
        kind=kind,
        ids=ids,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page[ConsortiumPublic](
        items=[ConsortiumPublic.of(v) for v in items], total=total, limit=paging.limit, offset=paging.offset
    )


@consortia.get("/consortia/{consortium_id}", response_model=ConsortiumPublic)
async def get_consortium(consortium_id: uuid.UUID, uow: UoW, p: MaybePrincipal, response: Response) -> Any:
    return _out(response, await service.get_consortium(uow, consortium_id), p)


@consortia.post(
    "/consortia/{consortium_id}/join-requests", status_code=status.HTTP_201_CREATED, response_model=ConsortiumPublic
)
async def request_to_join(
    consortium_id: uuid.UUID,
    body: JoinRequestCreate,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """An admin of a verified organisation asks to join; the lead decides."""
    c, request = await service.request_to_join(
        uow,
        p,
        consortium_id,
        organization_id=body.organization_id,
        requested_role=body.requested_role,
        now=now,
        expected_version=expected,
    )
    response.headers["Location"] = f"/consortia/{c.id}/join-requests/{request.id}"
    return _out(response, c, p)


@consortia.get("/consortia/{consortium_id}/join-requests", response_model=Page[JoinRequestPublic])
async def list_join_requests(consortium_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, paging: Paging) -> Any:
    """Insiders see every request; an applicant sees its own."""
    items, total = await service.list_join_requests(uow, p, consortium_id, limit=paging.limit, offset=paging.offset)
    return Page[JoinRequestPublic](
        items=[JoinRequestPublic.of(r) for r in items], total=total, limit=paging.limit, offset=paging.offset
    )


@consortia.get("/consortia/{consortium_id}/join-requests/{request_id}", response_model=JoinRequestPublic)
async def get_join_request(consortium_id: uuid.UUID, request_id: uuid.UUID, uow: UoW, p: CurrentPrincipal) -> Any:
    return JoinRequestPublic.of(await service.get_join_request(uow, p, consortium_id, request_id))


@consortia.post("/consortia/{consortium_id}/join-requests/{request_id}/approve", response_model=ConsortiumPublic)
async def approve_join_request(
    consortium_id: uuid.UUID,
    request_id: uuid.UUID,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """The lead admits the organisation; the consortium becomes active once a college and an enterprise
    are members."""
    c = await service.decide_join_request(
        uow, p, consortium_id, request_id, approve=True, now=now, expected_version=expected
    )
    return _out(response, c, p)


@consortia.post("/consortia/{consortium_id}/join-requests/{request_id}/reject", response_model=ConsortiumPublic)
async def reject_join_request(
    consortium_id: uuid.UUID,
    request_id: uuid.UUID,
    body: RejectIn,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    c = await service.decide_join_request(
        uow,
        p,
        consortium_id,
        request_id,
        approve=False,
        reason=body.reason,
        now=now,
        expected_version=expected,
    )
    return _out(response, c, p)


@consortia.delete("/consortia/{consortium_id}/members/{organization_id}", response_model=ConsortiumPublic)
async def remove_member(
    consortium_id: uuid.UUID,
    organization_id: uuid.UUID,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """A member leaves (its own admins) or is removed by the lead; the lead hands over before leaving."""
    c = await service.remove_member(uow, p, consortium_id, organization_id, now=now, expected_version=expected)
    return _out(response, c, p)


@consortia.put("/consortia/{consortium_id}/members/{organization_id}/role", response_model=ConsortiumPublic)
async def change_role(
    consortium_id: uuid.UUID,
    organization_id: uuid.UUID,
    body: RoleIn,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """The lead moves a member among core, member and observer."""
    c = await service.change_role(uow, p, consortium_id, organization_id, body.role, expected, now=now)
    return _out(response, c, p)


@consortia.post("/consortia/{consortium_id}/lead", response_model=ConsortiumPublic)
async def transfer_lead(
    consortium_id: uuid.UUID,
    body: LeadIn,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """The lead hands the lead to another active member and stays on as a core member."""
    c = await service.transfer_lead(uow, p, consortium_id, body.organization_id, expected, now=now)
    return _out(response, c, p)


@consortia.post("/consortia/{consortium_id}/dissolve", response_model=ConsortiumPublic)
async def dissolve(
    consortium_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, now: Now, expected: ExpectedVersion, response: Response
) -> Any:
    """Final: closes every membership and refuses pending requests."""
    c = await service.dissolve(uow, p, consortium_id, now=now, expected_version=expected)
    return _out(response, c, p)


@consortia.put("/consortia/{consortium_id}/benefit-rule", response_model=ConsortiumPublic)
async def set_benefit_rule(
    consortium_id: uuid.UUID,
    body: BenefitRuleIn,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """The lead sets how benefits are shared: fixed shares (summing to 100) or weighted by contributions."""
    c = await service.set_benefit_rule(uow, p, consortium_id, body.to_domain(), expected, now=now)
    return _out(response, c, p)


# ---------------------------------------------------------------------------------- ledger and benefits


@ledger.post(
    "/consortia/{consortium_id}/contributions",
    status_code=status.HTTP_201_CREATED,
    response_model=ContributionPublic,
)
async def record_contribution(
    consortium_id: uuid.UUID,
    body: ContributionCreate,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """A member records what it brought (the lead may record for any member). If-Match, when given, is
    the consortium's version."""
    contribution = await service.record_contribution(
        uow, p, consortium_id, now=now, expected_version=expected, **body.model_dump()
    )
    response.headers["Location"] = f"/consortia/{consortium_id}/contributions/{contribution.id}"
    return ContributionPublic.of(contribution)


@ledger.get("/consortia/{consortium_id}/contributions", response_model=Page[ContributionPublic])
async def list_contributions(
    consortium_id: uuid.UUID,
    uow: UoW,
    p: CurrentPrincipal,
    paging: Paging,
    date_from: DateFrom = None,
    date_to: DateTo = None,
    organization_id: uuid.UUID | None = None,
    kind: ContributionKind | None = None,
) -> Any:
    """The ledger, oldest first: members and operators only."""
    items, total = await service.list_contributions(
        uow,
        p,
        consortium_id,
        organization_id=organization_id,
        kind=kind,
        date_from=date_from,
        date_to=date_to,
        limit=paging.limit,
        offset=paging.offset,
    )
    return Page[ContributionPublic](
        items=[ContributionPublic.of(c) for c in items], total=total, limit=paging.limit, offset=paging.offset
    )


@ledger.get("/consortia/{consortium_id}/contributions/{contribution_id}", response_model=ContributionPublic)
async def get_contribution(consortium_id: uuid.UUID, contribution_id: uuid.UUID, uow: UoW, p: CurrentPrincipal) -> Any:
    return ContributionPublic.of(await service.get_contribution(uow, p, consortium_id, contribution_id))


@ledger.get("/consortia/{consortium_id}/ledger", response_model=LedgerPublic)
async def ledger_totals(
    consortium_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, date_from: DateFrom = None, date_to: DateTo = None
) -> Any:
    """Totals per member and kind: lines, quantity per unit, valuation per currency."""
    totals = await service.ledger_totals(uow, p, consortium_id, date_from=date_from, date_to=date_to)
    return LedgerPublic.of(consortium_id, totals, date_from, date_to)


@ledger.post(
    "/consortia/{consortium_id}/distributions",
    status_code=status.HTTP_201_CREATED,
    response_model=DistributionPublic,
)
async def distribute(
    consortium_id: uuid.UUID,
    body: DistributionCreate,
    uow: UoW,
    p: CurrentPrincipal,
    now: Now,
    expected: ExpectedVersion,
    response: Response,
) -> Any:
    """The lead distributes an amount under the benefit rule; allocations sum exactly to it. If-Match,
    when given, is the consortium's version (so the rule you saw is the rule applied)."""
    distribution = await service.distribute(
        uow, p, consortium_id, amount=body.amount, currency=body.currency, now=now, expected_version=expected
    )
    response.headers["Location"] = f"/consortia/{consortium_id}/distributions/{distribution.id}"
    return DistributionPublic.of(distribution)


@ledger.get("/consortia/{consortium_id}/distributions", response_model=Page[DistributionPublic])
async def list_distributions(consortium_id: uuid.UUID, uow: UoW, p: CurrentPrincipal, paging: Paging) -> Any:
    items, total = await service.list_distributions(uow, p, consortium_id, limit=paging.limit, offset=paging.offset)
    return Page[DistributionPublic](
        items=[DistributionPublic.of(d) for d in items], total=total, limit=paging.limit, offset=paging.offset
    )


@ledger.get("/consortia/{consortium_id}/distributions/{distribution_id}", response_model=DistributionPublic)
async def get_distribution(consortium_id: uuid.UUID, distribution_id: uuid.UUID, uow: UoW, p: CurrentPrincipal) -> Any:
    return DistributionPublic.of(await service.get_distribution(uow, p, consortium_id, distribution_id))


routers = [organizations, consortia, ledger]
