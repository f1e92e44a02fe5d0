"""Queries of the curricula schema; nothing outside this module writes SQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from dovetail_shared.domain import Aggregate
from dovetail_shared.principal import Principal
from dovetail_shared.repository import AggregateRepository
from sqlalchemy.dialects.postgresql import JSONB, aggregate_order_by
from sqlalchemy.ext.asyncio import AsyncSession

from curricula.domain import ChangeProposal, Curriculum
from curricula.domain.policy import CO_AUTHOR_ROLES, COLLEGE_DRAFT_ROLES
from curricula.tables import curricula_table, proposal_reviews_table, proposals_table, versions_table

A = TypeVar("A", bound=Aggregate)
Row = dict[str, Any]


@dataclass(frozen=True)
class Children(Generic[A]):
    """A growing collection of an aggregate stored as rows of a child table (ADR 0012).

    ``rows`` maps the aggregate's list to the table's rows; each row is identified within its parent by the
    ``key`` column. The aggregate loads them as its ``field`` list, in key order.
    """

    field: str
    table: sa.Table
    parent: str
    key: str
    rows: Callable[[A], list[Row]]

    def loaded(self, root: sa.FromClause) -> sa.Label[Any]:
        """The rows of one root, as a JSON list in key order, read in the root's own statement.

        One statement, so one snapshot: read separately, a commit in between could pair a root row's
        version with another version's children.
        """
        t = self.table
        row = sa.func.to_jsonb(sa.literal_column(t.name, type_=JSONB))
        agg = sa.func.coalesce(sa.func.jsonb_agg(aggregate_order_by(row, t.c[self.key])), sa.text("'[]'::jsonb"))
        return sa.select(agg).where(t.c[self.parent] == root.c.id).scalar_subquery().label(self.field)


class ChildRowsRepository(AggregateRepository[A]):
    """An aggregate whose root row carries the optimistic version and whose collections are child rows.

    ``save`` updates the root row (the version check and the lock that orders writers) and then writes, per
    child table, only the rows that differ from what this repository loaded or last wrote: an edited draft
    is one ``UPDATE`` of one version row (of the columns that changed), a new review one ``INSERT``.
    """

    children: tuple[Children[A], ...] = ()

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        # Per unit of work (a repository lives as long as its session): the child rows as stored, by root id.
        self._stored: dict[tuple[str, uuid.UUID], dict[Any, Row]] = {}

    def _select(self) -> sa.Select[Any]:
        t = self.table
        return sa.select(t, *(c.loaded(t) for c in self.children))

    def _remember(self, agg: A) -> None:
        for child in self.children:
            self._stored[(child.table.name, agg.id)] = {r[child.key]: r for r in child.rows(agg)}

    async def get(self, id: uuid.UUID, *, for_update: bool = False, for_share: bool = False) -> A | None:
        stmt = self._select().where(self.table.c.id == id)
        if for_update:
            stmt = stmt.with_for_update(of=self.table)
        elif for_share:
            stmt = stmt.with_for_update(read=True, of=self.table)
        row = (await self.session.execute(stmt)).first()
        if row is None:
            return None
        agg = self._from_row(row)
        self._remember(agg)
        return agg

    async def list(
        self, *where: sa.ColumnElement[bool], limit: int = 50, offset: int = 0, order_by: Any = None
    ) -> tuple[list[A], int]:
        t = self.table
        total = await self.session.scalar(sa.select(sa.func.count()).select_from(t).where(*where))
        order = order_by if order_by is not None else t.c.created_at
        stmt = self._select().where(*where).order_by(order, t.c.id).limit(limit).offset(offset)
        items = [self._from_row(r) for r in (await self.session.execute(stmt)).all()]
        for agg in items:
            self._remember(agg)
        return items, int(total or 0)

    async def add(self, agg: A) -> None:
        await super().add(agg)
        for child in self.children:
            rows = child.rows(agg)
            if rows:
                await self.session.execute(sa.insert(child.table), rows)
        self._remember(agg)

    async def save(self, agg: A, *, expected_version: int | None = None) -> None:
        await super().save(agg, expected_version=expected_version)  # refuses a stale writer before any child
        for child in self.children:
            await self._write(child, agg)
        self._remember(agg)

    async def _write(self, child: Children[A], agg: A) -> None:
        t = child.table
        parent = t.c[child.parent]
        rows = {r[child.key]: r for r in child.rows(agg)}
        stored = self._stored.get((t.name, agg.id))
        if stored is None:
            # Not loaded through this unit of work: what is stored is unknown here, so replace it whole.
            await self.session.execute(sa.delete(t).where(parent == agg.id))
            stored = {}
        gone = [k for k in stored if k not in rows]
        if gone:
            await self.session.execute(sa.delete(t).where(parent == agg.id, t.c[child.key].in_(gone)))
        for k, row in rows.items():
            before = stored.get(k)
            if before is None or before == row:
                continue
            changed = {c: v for c, v in row.items() if before.get(c) != v}
            await self.session.execute(sa.update(t).where(parent == agg.id, t.c[child.key] == k).values(**changed))
        new = [row for k, row in rows.items() if k not in stored]
        if new:
            await self.session.execute(sa.insert(t), new)


def _columns(table: sa.Table, values: Row) -> Row:
    return {k: v for k, v in values.items() if k in table.c}


def _version_rows(c: Curriculum) -> list[Row]:
    return [_columns(versions_table, {**v.model_dump(), "curriculum_id": c.id}) for v in c.versions]


def _review_rows(p: ChangeProposal) -> list[Row]:
    # Reviews are only ever appended, so a review's position is its key and a new one is one INSERT.
    return [
        _columns(proposal_reviews_table, {**r.model_dump(), "proposal_id": p.id, "seq": i + 1})
        for i, r in enumerate(p.reviews)
    ]


class CurriculumRepository(ChildRowsRepository[Curriculum]):
    aggregate = Curriculum
    table = curricula_table
    entity_name = "curriculum"
    children = (Children("versions", versions_table, "curriculum_id", "number", _version_rows),)

    def _to_row(self, agg: Curriculum) -> dict[str, Any]:
        row = super()._to_row(agg)
        published = agg.published_version
        row["published_version_number"] = published.number if published else None
        return row

    async def visible_to(
        self,
        principal: Principal | None,
        *,
        college_id: uuid.UUID | None,
        occupation: str | None,
        limit: int,
        offset: int,
        ids: list[uuid.UUID] | None = None,
    ) -> tuple[list[Curriculum], int]:
        """Published curricula for everyone; unpublished ones as ``policy.can_view_drafts`` allows: to
        operators, to the owning college's admins and teachers, and to co-author firms' admins and recruiters."""
        t = self.table
        where: list[sa.ColumnElement[bool]] = []
        if principal is None or not principal.is_operator:
            visible = t.c.published_version_number.is_not(None)
            if principal is not None and principal.org is not None:
                if principal.has(*COLLEGE_DRAFT_ROLES):
                    visible = sa.or_(visible, t.c.college_id == principal.org)
                if principal.has(*CO_AUTHOR_ROLES):
                    # ``@>`` can use the GIN index; ``= ANY(co_author_ids)`` cannot.
                    visible = sa.or_(visible, t.c.co_author_ids.contains([principal.org]))
            where.append(visible)
        if college_id is not None:
            where.append(t.c.college_id == college_id)
        if occupation is not None:
            where.append(t.c.target_occupation == occupation)
        if ids is not None:
            where.append(t.c.id.in_(ids))
        return await self.list(*where, limit=limit, offset=offset)


class ProposalRepository(ChildRowsRepository[ChangeProposal]):
    aggregate = ChangeProposal
    table = proposals_table
    entity_name = "change proposal"
    children = (Children("reviews", proposal_reviews_table, "proposal_id", "seq", _review_rows),)

    async def for_curriculum(
        self, curriculum_id: uuid.UUID, *, limit: int, offset: int
    ) -> tuple[list[ChangeProposal], int]:
        return await self.list(self.table.c.curriculum_id == curriculum_id, limit=limit, offset=offset)
