"""Queries of the consortia schema; nothing outside this module writes SQL."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from dovetail_shared.errors import Conflict, Violation
from dovetail_shared.principal import Principal
from dovetail_shared.repository import AggregateRepository, violated_constraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from consortia.domain import (
    Consortium,
    ConsortiumKind,
    ConsortiumStatus,
    Contribution,
    ContributionKind,
    Distribution,
    JoinRequest,
    LedgerTotal,
    Membership,
    Organization,
    OrganizationKind,
    ValuedTotal,
    VerificationStatus,
)
from consortia.tables import (
    REGISTRATION_NUMBER_INDEX,
    consortia_table,
    contributions_table,
    distributions_table,
    join_requests_table,
    memberships_table,
    organizations_table,
)


def registration_number_taken() -> Conflict:
    # Non-committal on purpose: the holder may be a pending applicant, which nobody but operators may learn of.
    message = "this registration number cannot be registered; contact a platform operator"
    return Conflict(f"registration_number: {message}", violations=[Violation("registration_number", "unique", message)])


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
            if violated_constraint(exc) == REGISTRATION_NUMBER_INDEX:
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


@dataclass
class _Children:
    """One kind of child row of a loaded consortium: how each looked when loaded, and the next free position."""

    loaded: dict[uuid.UUID, dict[str, Any]] = field(default_factory=dict)
    next_position: int = 0


@dataclass
class _Loaded:
    memberships: _Children = field(default_factory=_Children)
    join_requests: _Children = field(default_factory=_Children)


class ConsortiumRepository(AggregateRepository[Consortium]):
    """A consortium is its root row plus one row per membership stint and per join request (ADR 0018).

    Loading reads the root and its children; saving updates the root (the one optimistic version, checked
    first, so a racing writer waits on the row lock and then gets 409) and then writes only the children
    that differ from what was loaded: a new request is one insert, an approval one update and one insert.
    """

    aggregate = Consortium
    table = consortia_table
    entity_name = "consortium"

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self._loaded: dict[uuid.UUID, _Loaded] = {}

    def _to_row(self, agg: Consortium) -> dict[str, Any]:
        names = set(self.table.c.keys())
        return {k: v for k, v in agg.model_dump(exclude=_CHILDREN).items() if k in names}

    async def get(self, id: uuid.UUID, *, for_update: bool = False, for_share: bool = False) -> Consortium | None:
        # Only the root row is locked: every write of a child also writes the root, so the root's lock orders them.
        agg = await super().get(id, for_update=for_update, for_share=for_share)
        if agg is not None:
            await self._load_children([agg])
        return agg

    async def _load_children(self, aggs: list[Consortium]) -> None:
        """Two queries for any number of consortia (a page of a list costs the same as one)."""
        if not aggs:
            return
        by_id = {agg.id: agg for agg in aggs}
        for agg in aggs:
            agg.memberships, agg.join_requests = [], []
            self._loaded[agg.id] = _Loaded()
        for table, attr, model in _CHILD_TABLES:
            stmt = (
                sa.select(table)
                .where(table.c.consortium_id.in_(list(by_id)))
                .order_by(table.c.consortium_id, table.c.position)
            )
            for row in (await self.session.execute(stmt)).all():
                mapping = row._mapping
                child = model.model_validate(dict(mapping))
                getattr(by_id[mapping["consortium_id"]], attr).append(child)
                seen: _Children = getattr(self._loaded[mapping["consortium_id"]], attr)
                seen.loaded[child.id] = child.model_dump()
                seen.next_position = max(seen.next_position, mapping["position"] + 1)

    async def add(self, agg: Consortium) -> None:
        await super().add(agg)
        self._loaded[agg.id] = _Loaded()
        await self._write_children(agg)

    async def save(self, agg: Consortium, *, expected_version: int | None = None) -> None:
        if agg.id not in self._loaded:
            raise RuntimeError(f"consortium {agg.id} was not loaded by this repository; its children are unknown")
        await super().save(agg, expected_version=expected_version)
        await self._write_children(agg)

    async def _write_children(self, agg: Consortium) -> None:
        loaded = self._loaded[agg.id]
        for table, attr, _model in _CHILD_TABLES:
            seen: _Children = getattr(loaded, attr)
            current: list[Membership] | list[JoinRequest] = getattr(agg, attr)
            dumps = {child.id: child.model_dump() for child in current}
            # Updates before inserts: a decided request frees its organisation's slot in the "one pending" index.
            for child_id, dump in dumps.items():
                if child_id in seen.loaded and dump != seen.loaded[child_id]:
                    changed = {k: v for k, v in dump.items() if v != seen.loaded[child_id].get(k)}
                    where = (table.c.id == child_id, table.c.consortium_id == agg.id)
                    await self.session.execute(sa.update(table).where(*where).values(**changed))
            gone = [child_id for child_id in seen.loaded if child_id not in dumps]
            if gone:
                await self.session.execute(sa.delete(table).where(table.c.id.in_(gone)))
            new = [dump for child_id, dump in dumps.items() if child_id not in seen.loaded]
            if new:
                rows = [
                    {**dump, "consortium_id": agg.id, "position": seen.next_position + i} for i, dump in enumerate(new)
                ]
                await self.session.execute(sa.insert(table), rows)
                seen.next_position += len(new)
            seen.loaded = dumps

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
            m = memberships_table
            # Served by the partial index of open stints (organization_id, consortium_id).
            open_stints = sa.select(m.c.consortium_id).where(
                m.c.organization_id == organization_id, m.c.left_on.is_(None)
            )
            where.append(t.c.id.in_(open_stints))
        if status is not None:
            where.append(t.c.status == status.value)
        if kind is not None:
            where.append(t.c.kind == kind.value)
        if ids is not None:
            where.append(t.c.id.in_(ids))
        return await self.list(*where, limit=limit, offset=offset)

    # Last in the class: defined earlier, this method's name would shadow the builtin in the annotations above.
    async def list(
        self, *where: sa.ColumnElement[bool], limit: int = 50, offset: int = 0, order_by: Any = None
    ) -> tuple[list[Consortium], int]:
        items, total = await super().list(*where, limit=limit, offset=offset, order_by=order_by)
        await self._load_children(items)
        return items, total


_CHILDREN = {"memberships", "join_requests"}
_CHILD_TABLES: list[tuple[sa.Table, str, type[Membership] | type[JoinRequest]]] = [
    (memberships_table, "memberships", Membership),
    (join_requests_table, "join_requests", JoinRequest),
]


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

    async def valued_totals(
        self,
        consortium_id: uuid.UUID,
        *,
        period_from: date,
        period_to: date,
        kinds: list[ContributionKind] | None,
    ) -> list[ValuedTotal]:
        """What a contribution-weighted distribution weighs: per organisation and currency, the valuation of the
        period's lines of ``kinds`` (None: every kind), summed by Postgres in one query (exact ``numeric``).

        Ordered as ``domain.valued_totals`` orders them (organisation id as text, then currency).
        """
        t = self.table
        where = self._ledger_filter(consortium_id, date_from=period_from, date_to=period_to)
        if kinds is not None:
            where.append(t.c.kind.in_([k.value for k in kinds]))
        # Byte order, as Python compares strings, whatever the database's collation.
        org_text = sa.cast(t.c.organization_id, sa.Text).collate("C")
        stmt = (
            sa.select(t.c.organization_id, t.c.currency, sa.func.sum(t.c.valuation))
            .where(*where)
            .group_by(t.c.organization_id, t.c.currency)
            .order_by(org_text, t.c.currency)
        )
        rows = (await self.session.execute(stmt)).all()
        return [ValuedTotal(organization_id=org, currency=cur, valuation=Decimal(value)) for org, cur, value in rows]

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
