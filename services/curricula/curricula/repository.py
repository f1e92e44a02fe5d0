"""Queries of the curricula schema; nothing outside this module writes SQL."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from dovetail_shared.principal import Principal
from dovetail_shared.repository import AggregateRepository

from curricula.domain import ChangeProposal, Curriculum
from curricula.domain.policy import CO_AUTHOR_ROLES, COLLEGE_DRAFT_ROLES
from curricula.tables import curricula_table, proposals_table


class CurriculumRepository(AggregateRepository[Curriculum]):
    aggregate = Curriculum
    table = curricula_table
    entity_name = "curriculum"

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
        return await self.list(*where, limit=limit, offset=offset)


class ProposalRepository(AggregateRepository[ChangeProposal]):
    aggregate = ChangeProposal
    table = proposals_table
    entity_name = "change proposal"

    async def for_curriculum(
        self, curriculum_id: uuid.UUID, *, limit: int, offset: int
    ) -> tuple[list[ChangeProposal], int]:
        return await self.list(self.table.c.curriculum_id == curriculum_id, limit=limit, offset=offset)
