"""Queries of the consortia schema; nothing outside this module writes SQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from dovetail_shared.errors import Conflict, Violation
from dovetail_shared.principal import Principal
from dovetail_shared.repository import AggregateRepository
from sqlalchemy.exc import IntegrityError

from consortia.domain import (
    Consortium,
    ConsortiumKind,
    ConsortiumStatus,
    Contribution,
    ContributionKind,
    Distribution,
    LedgerTotal,
    Organization,
    OrganizationKind,
    VerificationStatus,
)
from consortia.tables import (
    REGISTRATION_NUMBER_INDEX,
    consortia_table,
    contributions_table,
    distributions_table,
    organizations_table,
)


def registration_number_taken() -> Conflict:
    # Non-committal on purpose: the holder may be a pending applicant, which nobody but operators may learn of.
    message = "this registration number cannot be registered; contact a platform operator"
    return Conflict(f"registration_number: {message}", violations=[Violation("registration_number", "unique", message)])


def _violated_constraint(exc: IntegrityError) -> str | None:
    # SQLAlchemy wraps asyncpg's UniqueViolationError, which names the index it hit.
    cause = getattr(exc.orig, "__cause__", None)
    return getattr(cause, "constraint_name", None) or getattr(exc.orig, "constraint_name", None)


class OrganizationRepository(AggregateRepository[Organization]):
    """Organisations; a registration number is held by at most one organisation that is not rejected."""

    aggregate = Organization
    table = organizations_table
    entity_name = "organization"

    async def add(self, agg: Organization) -> None:
        """Insert; a registration number already held (even by a racing request) is a named 409."""
        await self._ensure_number_free(agg)
        async with self._number_unique():
            await super().add(agg)

    async def save(self, agg: Organization, *, expected_version: int | None = None) -> None:
        """Update; resubmitting a rejected organisation whose number another one now holds is a named 409."""
        await self._ensure_number_free(agg)
        async with self._number_unique():
            await super().save(agg, expected_version=expected_version)

    async def by_registration_number(self, number: str) -> Organization | None:
        """The organisation holding ``number`` (any case): rejected ones have released it."""
        t = self.table
        stmt = sa.select(t).where(
            sa.func.upper(t.c.registration_number) == number.upper(),
            t.c.verification_status != VerificationStatus.REJECTED.value,
        )
        row = (await self.session.execute(stmt)).first()
        return None if row is None else self._from_row(row)

    async def _ensure_number_free(self, agg: Organization) -> None:
        if agg.verification_status == VerificationStatus.REJECTED:
            return
        holder = await self.by_registration_number(agg.registration_number)
        if holder is not None and holder.id != agg.id:
            raise registration_number_taken()

    @asynccontextmanager
    async def _number_unique(self) -> AsyncIterator[None]:
        """The unique index catches what the pre-check cannot see (a racing request), as the same 409.

        A savepoint keeps the transaction usable when the index refuses the row.
        """
        try:
            async with self.session.begin_nested():
                yield
        except IntegrityError as exc:
            if _violated_constraint(exc) == REGISTRATION_NUMBER_INDEX:
                raise registration_number_taken() from exc
            raise

    async def visible_to(
        self,
        principal: Principal | None,
        *,
        kind: OrganizationKind | None,
        status: VerificationStatus | None,
        region: str | None,
        limit: int,
        offset: int,
        ids: list[uuid.UUID] | None = None,
    ) -> tuple[list[Organization], int]:
        """Verified organisations for everyone; the others only for operators, themselves and their registrant."""
        t = self.table
        where: list[sa.ColumnElement[bool]] = []
        if principal is None or not principal.is_operator:
            visible = t.c.verification_status == VerificationStatus.VERIFIED.value
            if principal is not None:
                visible = sa.or_(visible, t.c.registered_by == principal.sub)
                if principal.org is not None:
                    visible = sa.or_(visible, t.c.id == principal.org)
            where.append(visible)
        if kind is not None:
            where.append(t.c.kind == kind.value)
        if status is not None:
            where.append(t.c.verification_status == status.value)
        if region is not None:
            where.append(t.c.region == region)
        if ids is not None:
            where.append(t.c.id.in_(ids))
        return await self.list(*where, limit=limit, offset=offset)


class ConsortiumRepository(AggregateRepository[Consortium]):
    aggregate = Consortium
    table = consortia_table
    entity_name = "consortium"

    def _to_row(self, agg: Consortium) -> dict[str, Any]:
        row = super()._to_row(agg)
        row["member_organization_ids"] = [m.organization_id for m in agg.active_memberships]
        return row

    async def search(
        self,
        *,
        organization_id: uuid.UUID | None,
        status: ConsortiumStatus | None,
        kind: ConsortiumKind | None,
        limit: int,
        offset: int,
        ids: list[uuid.UUID] | None = None,
    ) -> tuple[list[Consortium], int]:
        """Consortia are public; ``organization_id`` finds those it is an active member of."""
        t = self.table
        where: list[sa.ColumnElement[bool]] = []
        if organization_id is not None:
            where.append(t.c.member_organization_ids.contains([organization_id]))  # @> uses the GIN index
        if status is not None:
            where.append(t.c.status == status.value)
        if kind is not None:
            where.append(t.c.kind == kind.value)
        if ids is not None:
            where.append(t.c.id.in_(ids))
        return await self.list(*where, limit=limit, offset=offset)


class ContributionRepository(AggregateRepository[Contribution]):
    aggregate = Contribution
    table = contributions_table
    entity_name = "contribution"

    def _ledger_filter(
        self,
        consortium_id: uuid.UUID,
        *,
        organization_id: uuid.UUID | None = None,
        kind: ContributionKind | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
    ) -> list[sa.ColumnElement[bool]]:
        t = self.table
        where: list[sa.ColumnElement[bool]] = [t.c.consortium_id == consortium_id]
        if organization_id is not None:
            where.append(t.c.organization_id == organization_id)
        if kind is not None:
            where.append(t.c.kind == kind.value)
        if date_from is not None:
            where.append(t.c.contributed_on >= date_from)
        if date_to is not None:
            where.append(t.c.contributed_on <= date_to)
        return where

    async def ledger(
        self,
        consortium_id: uuid.UUID,
        *,
        organization_id: uuid.UUID | None,
        kind: ContributionKind | None,
        date_from: date | None,
        date_to: date | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Contribution], int]:
        where = self._ledger_filter(
            consortium_id, organization_id=organization_id, kind=kind, date_from=date_from, date_to=date_to
        )
        order = (self.table.c.contributed_on, self.table.c.created_at)
        return await self.list(*where, limit=limit, offset=offset, order_by=sa.tuple_(*order))

    async def in_period(self, consortium_id: uuid.UUID, date_from: date, date_to: date) -> list[Contribution]:
        """Every line of the period: what a contribution-weighted distribution weighs."""
        where = self._ledger_filter(consortium_id, date_from=date_from, date_to=date_to)
        rows = (await self.session.execute(sa.select(self.table).where(*where).order_by(self.table.c.id))).all()
        return [self._from_row(r) for r in rows]

    async def totals(
        self, consortium_id: uuid.UUID, *, date_from: date | None, date_to: date | None
    ) -> dict[uuid.UUID, dict[ContributionKind, LedgerTotal]]:
        """Per organisation and kind: lines, quantity per unit, valuation per currency (summed by Postgres)."""
        t = self.table
        where = self._ledger_filter(consortium_id, date_from=date_from, date_to=date_to)
        by_unit = await self.session.execute(
            sa.select(t.c.organization_id, t.c.kind, t.c.unit, sa.func.count(), sa.func.sum(t.c.quantity))
            .where(*where)
            .group_by(t.c.organization_id, t.c.kind, t.c.unit)
        )
        by_currency = await self.session.execute(
            sa.select(t.c.organization_id, t.c.kind, t.c.currency, sa.func.sum(t.c.valuation))
            .where(*where)
            .group_by(t.c.organization_id, t.c.kind, t.c.currency)
        )
        counts: dict[tuple[uuid.UUID, str], int] = {}
        quantities: dict[tuple[uuid.UUID, str], dict[str, Decimal]] = {}
        valuations: dict[tuple[uuid.UUID, str], dict[str, Decimal]] = {}
        for org_id, kind, unit, count, quantity in by_unit.all():
            counts[(org_id, kind)] = counts.get((org_id, kind), 0) + int(count)
            quantities.setdefault((org_id, kind), {})[unit] = Decimal(quantity)
        for org_id, kind, currency, valuation in by_currency.all():
            valuations.setdefault((org_id, kind), {})[currency] = Decimal(valuation)
        out: dict[uuid.UUID, dict[ContributionKind, LedgerTotal]] = {}
        for (org_id, kind), count in sorted(counts.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
            out.setdefault(org_id, {})[ContributionKind(kind)] = LedgerTotal(
                count=count,
                quantity_by_unit=quantities.get((org_id, kind), {}),
                valuation_by_currency=valuations.get((org_id, kind), {}),
            )
        return out


class DistributionRepository(AggregateRepository[Distribution]):
    aggregate = Distribution
    table = distributions_table
    entity_name = "distribution"

    async def for_consortium(
        self, consortium_id: uuid.UUID, *, limit: int, offset: int
    ) -> tuple[list[Distribution], int]:
        return await self.list(self.table.c.consortium_id == consortium_id, limit=limit, offset=offset)
