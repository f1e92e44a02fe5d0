"""Queries of the internships schema; nothing outside this module writes SQL."""

from __future__ import annotations

import uuid
from collections.abc import Set
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from dovetail_shared.principal import Principal, Role
from dovetail_shared.repository import AggregateRepository, unique_or_conflict
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from internships.domain import (
    Application,
    EntryStatus,
    Evaluation,
    KnownConsent,
    KnownLearner,
    LogbookEntry,
    Placement,
    PlacementStatus,
    Posting,
    PostingStatus,
    Rating,
    Rule,
)
from internships.domain.application import LIVE
from internships.domain.policy import COLLEGE_STAFF, FIRM_STAFF
from internships.tables import (
    EVALUATION_INDEX,
    LIVE_APPLICATION_INDEX,
    applications_table,
    evaluations_table,
    known_consents,
    known_enrolments,
    known_learners,
    known_programs,
    logbook_table,
    placements_table,
    postings_table,
    ratings_table,
)


class PostingRepository(AggregateRepository[Posting]):
    aggregate = Posting
    table = postings_table
    entity_name = "posting"

    def visibility(self, p: Principal) -> sa.ColumnElement[bool] | None:
        """``policy.can_view_posting`` in SQL."""
        t = self.table
        if p.is_operator:
            return None
        published = t.c.status != PostingStatus.DRAFT.value
        if p.org is not None and p.has(*FIRM_STAFF):
            return sa.or_(published, t.c.firm_id == p.org)
        return published

    async def visible_to(
        self, p: Principal, *, firm_id: uuid.UUID | None, status: PostingStatus | None, limit: int, offset: int
    ) -> tuple[list[Posting], int]:
        t = self.table
        visible = self.visibility(p)
        where = [] if visible is None else [visible]
        if firm_id is not None:
            where.append(t.c.firm_id == firm_id)
        if status is not None:
            where.append(t.c.status == status.value)
        return await self.list(*where, limit=limit, offset=offset)

    async def live_of_firm(self, firm_id: uuid.UUID) -> list[Posting]:
        t = self.table
        stmt = (
            sa.select(t)
            .where(t.c.firm_id == firm_id, t.c.status.in_([PostingStatus.DRAFT.value, PostingStatus.OPEN.value]))
            .order_by(t.c.id)
            .with_for_update()
        )
        return [self._from_row(r) for r in (await self.session.execute(stmt)).all()]


class ApplicationRepository(AggregateRepository[Application]):
    aggregate = Application
    table = applications_table
    entity_name = "application"

    async def add(self, agg: Application) -> None:
        message = "you already have a live application to this posting"
        async with unique_or_conflict(
            self.session, LIVE_APPLICATION_INDEX, "posting_id", Rule.ALREADY_APPLIED, message
        ):
            await super().add(agg)

    def visibility(self, p: Principal, mine: Set[uuid.UUID]) -> sa.ColumnElement[bool] | None:
        """``policy.can_view_application`` in SQL."""
        t = self.table
        if p.is_operator:
            return None
        clauses: list[sa.ColumnElement[bool]] = []
        if p.org is not None and p.has(*FIRM_STAFF):
            clauses.append(t.c.firm_id == p.org)
        if p.org is not None and p.has(*COLLEGE_STAFF):
            clauses.append(t.c.college_id == p.org)
        if mine and p.has(Role.LEARNER):
            clauses.append(t.c.learner_ref.in_(list(mine)))
        return sa.or_(*clauses) if clauses else sa.false()

    async def visible_to(
        self,
        p: Principal,
        mine: Set[uuid.UUID],
        *,
        posting_id: uuid.UUID | None,
        status: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Application], int]:
        t = self.table
        visible = self.visibility(p, mine)
        where = [] if visible is None else [visible]
        if posting_id is not None:
            where.append(t.c.posting_id == posting_id)
        if status is not None:
            where.append(t.c.status == status)
        return await self.list(*where, limit=limit, offset=offset)

    async def live_of_learner(self, ref: uuid.UUID) -> list[Application]:
        t = self.table
        stmt = (
            sa.select(t)
            .where(t.c.learner_ref == ref, t.c.status.in_([s.value for s in LIVE]))
            .order_by(t.c.id)
            .with_for_update()
        )
        return [self._from_row(r) for r in (await self.session.execute(stmt)).all()]

    async def of_learner(self, ref: uuid.UUID) -> list[Application]:
        t = self.table
        stmt = sa.select(t).where(t.c.learner_ref == ref).order_by(t.c.id).with_for_update()
        return [self._from_row(r) for r in (await self.session.execute(stmt)).all()]


class PlacementRepository(AggregateRepository[Placement]):
    aggregate = Placement
    table = placements_table
    entity_name = "placement"

    def visibility(self, p: Principal, mine: Set[uuid.UUID]) -> sa.ColumnElement[bool] | None:
        """``policy.can_view_placement`` in SQL."""
        t = self.table
        if p.is_operator:
            return None
        clauses: list[sa.ColumnElement[bool]] = []
        if p.org is not None and p.has(*FIRM_STAFF):
            clauses.append(t.c.firm_id == p.org)
        if p.org is not None and p.has(Role.MENTOR):
            clauses.append(sa.and_(t.c.mentor_sub == p.sub, t.c.firm_id == p.org))
        if p.org is not None and p.has(Role.COLLEGE_ADMIN):
            clauses.append(t.c.college_id == p.org)
        if p.org is not None and p.has(Role.TEACHER):
            clauses.append(sa.and_(t.c.teacher_sub == p.sub, t.c.college_id == p.org))
        if mine and p.has(Role.LEARNER):
            clauses.append(t.c.learner_ref.in_(list(mine)))
        return sa.or_(*clauses) if clauses else sa.false()

    async def visible_to(
        self, p: Principal, mine: Set[uuid.UUID], *, status: PlacementStatus | None, limit: int, offset: int
    ) -> tuple[list[Placement], int]:
        visible = self.visibility(p, mine)
        where = [] if visible is None else [visible]
        if status is not None:
            where.append(self.table.c.status == status.value)
        return await self.list(*where, limit=limit, offset=offset)

    async def live_count_of_firm(self, firm_id: uuid.UUID) -> int:
        t = self.table
        live = [PlacementStatus.CONFIRMED.value, PlacementStatus.ACTIVE.value]
        stmt = sa.select(sa.func.count()).where(t.c.firm_id == firm_id, t.c.status.in_(live))
        return int(await self.session.scalar(stmt) or 0)

    async def live_count_of_posting(self, posting_id: uuid.UUID) -> int:
        t = self.table
        live = [PlacementStatus.CONFIRMED.value, PlacementStatus.ACTIVE.value]
        stmt = sa.select(sa.func.count()).where(t.c.posting_id == posting_id, t.c.status.in_(live))
        return int(await self.session.scalar(stmt) or 0)


class LogbookRepository(AggregateRepository[LogbookEntry]):
    aggregate = LogbookEntry
    table = logbook_table
    entity_name = "logbook entry"

    async def for_placement(
        self, placement_id: uuid.UUID, *, limit: int, offset: int
    ) -> tuple[list[LogbookEntry], int]:
        t = self.table
        return await self.list(t.c.placement_id == placement_id, limit=limit, offset=offset, order_by=t.c.entry_date)

    async def logged_minutes(self, placement_id: uuid.UUID, first: date, last: date) -> int:
        """Minutes of entries not returned between two dates (inclusive)."""
        t = self.table
        stmt = sa.select(sa.func.coalesce(sa.func.sum(t.c.minutes), 0)).where(
            t.c.placement_id == placement_id,
            t.c.entry_date.between(first, last),
            t.c.status != EntryStatus.RETURNED.value,
        )
        return int(await self.session.scalar(stmt) or 0)

    async def weekly_totals(self, placement_id: uuid.UUID) -> list[tuple[date, int, int]]:
        """Per ISO week (its Monday): signed minutes and submitted (unsigned) minutes."""
        t = self.table
        week = sa.func.date_trunc("week", t.c.entry_date).label("week")
        signed = sa.func.sum(sa.case((t.c.status == EntryStatus.SIGNED.value, t.c.minutes), else_=0))
        pending = sa.func.sum(sa.case((t.c.status == EntryStatus.SUBMITTED.value, t.c.minutes), else_=0))
        stmt = sa.select(week, signed, pending).where(t.c.placement_id == placement_id).group_by(week).order_by(week)
        return [(r[0].date(), int(r[1]), int(r[2])) for r in (await self.session.execute(stmt)).all()]

    async def signed_of(self, placement_id: uuid.UUID) -> list[LogbookEntry]:
        t = self.table
        stmt = sa.select(t).where(t.c.placement_id == placement_id, t.c.status == EntryStatus.SIGNED.value)
        return [self._from_row(r) for r in (await self.session.execute(stmt)).all()]

    async def purge_learner(self, ref: uuid.UUID, now: datetime) -> None:
        t = self.table
        stmt = sa.update(t).where(t.c.learner_ref == ref).values(tasks=None, comment=None, updated_at=now)
        await self.session.execute(stmt)


class EvaluationRepository(AggregateRepository[Evaluation]):
    aggregate = Evaluation
    table = evaluations_table
    entity_name = "evaluation"

    async def add(self, agg: Evaluation) -> None:
        message = f"the {agg.evaluator_role} already evaluated this placement"
        async with unique_or_conflict(
            self.session, EVALUATION_INDEX, "evaluator_role", Rule.ALREADY_EVALUATED, message
        ):
            await super().add(agg)

    async def for_placement(self, placement_id: uuid.UUID) -> list[Evaluation]:
        t = self.table
        stmt = sa.select(t).where(t.c.placement_id == placement_id).order_by(t.c.created_at)
        return [self._from_row(r) for r in (await self.session.execute(stmt)).all()]

    async def purge_learner(self, ref: uuid.UUID, now: datetime) -> None:
        t = self.table
        await self.session.execute(sa.update(t).where(t.c.learner_ref == ref).values(comment=None, updated_at=now))


class RatingRepository(AggregateRepository[Rating]):
    aggregate = Rating
    table = ratings_table
    entity_name = "rating"

    async def add(self, agg: Rating) -> None:
        index = f"{self.table.name}_placement_id_key"
        async with unique_or_conflict(
            self.session, index, "placement", Rule.ALREADY_RATED, "you already rated this placement"
        ):
            await super().add(agg)

    async def summary(self, firm_id: uuid.UUID) -> tuple[int, int]:
        t = self.table
        stmt = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(t.c.score), 0)).where(t.c.firm_id == firm_id)
        count, total = (await self.session.execute(stmt)).one()
        return int(count), int(total)

    async def purge_learner(self, ref: uuid.UUID, now: datetime) -> None:
        t = self.table
        await self.session.execute(sa.update(t).where(t.c.learner_ref == ref).values(comment=None, updated_at=now))


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


class LearnerDirectory:
    """The learners projection (joint programs' learner, consent and program events), in one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def refs_of(self, digest: str) -> frozenset[uuid.UUID]:
        l_ = known_learners
        rows = await self.session.scalars(
            sa.select(l_.c.ref).where(l_.c.account_digest == digest, l_.c.erased_at.is_(None))
        )
        return frozenset(rows)

    async def get(self, ref: uuid.UUID) -> KnownLearner | None:
        l_, e, c = known_learners, known_enrolments, known_consents
        row = (await self.session.execute(sa.select(l_).where(l_.c.ref == ref))).first()
        if row is None:
            return None
        enrolments = (await self.session.execute(sa.select(e).where(e.c.learner_ref == ref))).all()
        consents = (await self.session.execute(sa.select(c).where(c.c.learner_ref == ref))).all()
        live = [x for x in enrolments if x.status == "enrolled"]
        return KnownLearner(
            ref=row.ref,
            college_id=row.college_id,
            turns_16_on=row.turns_16_on,
            turns_18_on=row.turns_18_on,
            erased=row.erased_at is not None,
            consents=tuple(KnownConsent(x.consent_id, x.purpose, x.firm_id, x.program_id) for x in consents),
            programs=frozenset(x.program_id for x in live),
            cohorts=frozenset(x.cohort_id for x in live),
        )

    async def partners_of(self, program_ids: set[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
        if not program_ids:
            return {}
        p = known_programs
        rows = (await self.session.execute(sa.select(p.c.id, p.c.partner_ids).where(p.c.id.in_(program_ids)))).all()
        return {r.id: list(r.partner_ids) for r in rows}

    async def registered(self, ref: uuid.UUID, college_id: uuid.UUID, at: datetime) -> None:
        stmt = pg_insert(known_learners).values(ref=ref, college_id=college_id, updated_at=at)
        await self.session.execute(stmt.on_conflict_do_nothing(index_elements=[known_learners.c.ref]))

    async def set_facts(self, ref: uuid.UUID, at: datetime, **values: Any) -> None:
        await self.session.execute(
            sa.update(known_learners).where(known_learners.c.ref == ref).values(updated_at=at, **values)
        )

    async def set_enrolment(self, ref: uuid.UUID, cohort_id: uuid.UUID, program_id: uuid.UUID, status: str) -> None:
        stmt = pg_insert(known_enrolments).values(
            learner_ref=ref, cohort_id=cohort_id, program_id=program_id, status=status
        )
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[known_enrolments.c.learner_ref, known_enrolments.c.cohort_id],
                set_={"status": status, "program_id": program_id},
            )
        )

    async def add_consent(self, consent_id: uuid.UUID, ref: uuid.UUID, **values: Any) -> None:
        stmt = pg_insert(known_consents).values(consent_id=consent_id, learner_ref=ref, **values)
        await self.session.execute(stmt.on_conflict_do_nothing(index_elements=[known_consents.c.consent_id]))

    async def remove_consent(self, consent_id: uuid.UUID) -> None:
        await self.session.execute(sa.delete(known_consents).where(known_consents.c.consent_id == consent_id))

    async def set_program(self, program_id: uuid.UUID, college_id: uuid.UUID, partner_ids: list[uuid.UUID]) -> None:
        stmt = pg_insert(known_programs).values(id=program_id, college_id=college_id, partner_ids=partner_ids)
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=[known_programs.c.id], set_={"partner_ids": partner_ids})
        )

    async def erase(self, ref: uuid.UUID, college_id: uuid.UUID, at: datetime) -> None:
        """Everything that could link the pseudonym to a person goes: the account digest, the age facts, consents."""
        stmt = pg_insert(known_learners).values(ref=ref, college_id=college_id, updated_at=at, erased_at=at)
        await self.session.execute(
            stmt.on_conflict_do_update(
                index_elements=[known_learners.c.ref],
                set_={
                    "account_digest": None,
                    "turns_16_on": None,
                    "turns_18_on": None,
                    "erased_at": at,
                    "updated_at": at,
                },
            )
        )
        await self.session.execute(sa.delete(known_consents).where(known_consents.c.learner_ref == ref))
