"""Queries of the joint_programs schema; nothing outside this module writes SQL."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from dovetail_shared.principal import Principal
from dovetail_shared.repository import AggregateRepository, unique_or_conflict

from joint_programs.domain import Cohort, Consent, Enrolment, JointProgram, Learner, ProgramStatus, Rule
from joint_programs.domain.policy import COLLEGE_STAFF, FIRM_STAFF
from joint_programs.domain.program import LIVE_STATUSES
from joint_programs.tables import (
    ENROLMENT_INDEX,
    STUDENT_NUMBER_INDEX,
    cohorts_table,
    consents_table,
    enrolments_table,
    learners_table,
    programs_table,
)


class ProgramRepository(AggregateRepository[JointProgram]):
    aggregate = JointProgram
    table = programs_table
    entity_name = "joint program"

    def visibility(self, p: Principal) -> sa.ColumnElement[bool] | None:
        """``policy.can_view_program`` in SQL; None for operators, who see every program (no filter to plan)."""
        t = self.table
        if p.is_operator:
            return None
        clauses: list[sa.ColumnElement[bool]] = []
        if p.org is not None and p.has(*COLLEGE_STAFF):
            clauses.append(t.c.college_id == p.org)
        if p.org is not None and p.has(*FIRM_STAFF):
            clauses.append(t.c.partner_ids.contains([p.org]))
        return sa.or_(*clauses) if clauses else sa.false()

    async def visible_to(
        self,
        p: Principal,
        *,
        college_id: uuid.UUID | None,
        partner_id: uuid.UUID | None,
        status: ProgramStatus | None,
        limit: int,
        offset: int,
        ids: list[uuid.UUID] | None = None,
    ) -> tuple[list[JointProgram], int]:
        t = self.table
        visible = self.visibility(p)
        where = [] if visible is None else [visible]
        if college_id is not None:
            where.append(t.c.college_id == college_id)
        if partner_id is not None:
            where.append(t.c.partner_ids.contains([partner_id]))
        if status is not None:
            where.append(t.c.status == status.value)
        if ids is not None:
            where.append(t.c.id.in_(ids))
        return await self.list(*where, limit=limit, offset=offset)

    async def pinned_to(self, curriculum_id: uuid.UUID, number: int) -> list[JointProgram]:
        """Live programs pinned to a version, locked: a re-pin racing the flag waits instead of being overwritten."""
        t = self.table
        stmt = (
            sa.select(t)
            .where(
                t.c.curriculum_id == curriculum_id,
                t.c.curriculum_version_number == number,
                t.c.status.in_([s.value for s in LIVE_STATUSES]),
            )
            .order_by(t.c.id)
            .with_for_update()
        )
        return [self._from_row(r) for r in (await self.session.execute(stmt)).all()]

    async def partners_of(self, program_ids: set[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        if not program_ids:
            return {}
        t = self.table
        rows = (await self.session.execute(sa.select(t.c.id, t.c.partner_ids).where(t.c.id.in_(program_ids)))).all()
        return {r.id: list(r.partner_ids) for r in rows}


class CohortRepository(AggregateRepository[Cohort]):
    aggregate = Cohort
    table = cohorts_table
    entity_name = "cohort"

    async def save(self, agg: Cohort, *, expected_version: int | None = None) -> None:
        # The seat count is only ever moved by take_seat/release_seat, so a save cannot undo a racing enrolment.
        count = agg.enrolled_count
        await super().save(agg, expected_version=expected_version)
        agg.enrolled_count = count

    def _to_row(self, agg: Cohort) -> dict[str, Any]:
        row = super()._to_row(agg)
        row.pop("enrolled_count", None)
        return row

    async def add(self, agg: Cohort) -> None:
        agg.version, agg.enrolled_count = 1, 0
        await self.session.execute(sa.insert(self.table).values(**self._to_row(agg), enrolled_count=0))

    async def for_program(self, program_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[Cohort], int]:
        return await self.list(self.table.c.program_id == program_id, limit=limit, offset=offset)

    async def take_seat(self, cohort_id: uuid.UUID) -> int | None:
        """One seat, atomically: the row's own lock orders racing enrolments, and the condition is re-checked on
        the latest row version, so exactly ``seat_limit`` succeed. Returns the new count, or None when full."""
        t = self.table
        stmt = (
            sa.update(t)
            .where(t.c.id == cohort_id, t.c.enrolled_count < t.c.seat_limit)
            .values(enrolled_count=t.c.enrolled_count + 1)
            .returning(t.c.enrolled_count)
        )
        count: int | None = (await self.session.execute(stmt)).scalar_one_or_none()
        return count

    async def release_seat(self, cohort_id: uuid.UUID) -> None:
        t = self.table
        await self.session.execute(
            sa.update(t)
            .where(t.c.id == cohort_id, t.c.enrolled_count > 0)
            .values(enrolled_count=t.c.enrolled_count - 1)
        )


class LearnerRepository(AggregateRepository[Learner]):
    aggregate = Learner
    table = learners_table
    entity_name = "learner"

    async def add(self, agg: Learner) -> None:
        message = "another learner of this college has this student number"
        async with unique_or_conflict(self.session, STUDENT_NUMBER_INDEX, "student_number", Rule.UNIQUE, message):
            await super().add(agg)

    async def by_account(self, subject: str) -> Learner | None:
        row = (await self.session.execute(sa.select(self.table).where(self.table.c.account_subject == subject))).first()
        return None if row is None else self._from_row(row)

    async def by_ref(self, ref: uuid.UUID) -> Learner | None:
        row = (await self.session.execute(sa.select(self.table).where(self.table.c.ref == ref))).first()
        return None if row is None else self._from_row(row)

    async def roster(self, college_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[Learner], int]:
        return await self.list(self.table.c.college_id == college_id, limit=limit, offset=offset)

    def firm_filter(self, firm_id: uuid.UUID) -> sa.ColumnElement[bool]:
        """``policy.firm_may_see`` in SQL: an active consent naming the firm or a program it is a partner of.

        A union of the two grants, each answered by its partial index, rather than one ``EXISTS`` with an OR:
        the planner reads the OR form by scanning every learner and every consent.
        """
        c, prog, t = consents_table, programs_table, self.table
        active = c.c.withdrawn_at.is_(None)
        named = sa.select(c.c.learner_id).where(active, c.c.firm_id == firm_id)
        partner_programs = sa.select(prog.c.id).where(prog.c.partner_ids.contains([firm_id]))
        by_program = sa.select(c.c.learner_id).where(active, c.c.program_id.in_(partner_programs))
        return sa.and_(t.c.erased_at.is_(None), t.c.id.in_(sa.union(named, by_program)))

    async def profiles_for_firm(self, firm_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[Learner], int]:
        return await self.list(self.firm_filter(firm_id), limit=limit, offset=offset)


class EnrolmentRepository(AggregateRepository[Enrolment]):
    aggregate = Enrolment
    table = enrolments_table
    entity_name = "enrolment"

    async def add(self, agg: Enrolment) -> None:
        message = "the learner is already enrolled in this cohort"
        async with unique_or_conflict(self.session, ENROLMENT_INDEX, "learner_id", Rule.ALREADY_ENROLLED, message):
            await super().add(agg)

    async def for_cohort(self, cohort_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[Enrolment], int]:
        return await self.list(self.table.c.cohort_id == cohort_id, limit=limit, offset=offset)

    async def for_learner(self, learner_id: uuid.UUID) -> list[Enrolment]:
        t = self.table
        rows = (
            await self.session.execute(sa.select(t).where(t.c.learner_id == learner_id).order_by(t.c.created_at))
        ).all()
        return [self._from_row(r) for r in rows]


class ConsentRepository(AggregateRepository[Consent]):
    aggregate = Consent
    table = consents_table
    entity_name = "consent"

    async def for_learner(self, learner_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[Consent], int]:
        return await self.list(self.table.c.learner_id == learner_id, limit=limit, offset=offset)

    async def active_for(self, learner_ids: list[uuid.UUID]) -> list[Consent]:
        if not learner_ids:
            return []
        t = self.table
        stmt = sa.select(t).where(t.c.learner_id.in_(learner_ids), t.c.withdrawn_at.is_(None))
        return [self._from_row(r) for r in (await self.session.execute(stmt)).all()]

    async def delete_for(self, learner_id: uuid.UUID) -> None:
        await self.session.execute(sa.delete(self.table).where(self.table.c.learner_id == learner_id))
