"""Queries of the talent_pipelines schema; nothing outside this module writes SQL."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from dovetail_shared.errors import Conflict, Violation
from dovetail_shared.events.curricula import SkillCoverage
from dovetail_shared.principal import Principal
from dovetail_shared.repository import AggregateRepository
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError

from talent_pipelines.domain import Candidate, DemandStatus, Rule, Stage, TalentDemand
from talent_pipelines.domain.matching import Evidence, EvidenceKind, Supply, SupplyKind
from talent_pipelines.domain.policy import COLLEGE_STAFF, FIRM_STAFF
from talent_pipelines.tables import (
    CANDIDATE_INDEX,
    candidates_table,
    cohorts_table,
    consents_table,
    curricula_table,
    demands_table,
    evidence_table,
    learners_table,
    moves_table,
    programs_table,
)

# Cohorts still to graduate or just graduated are supply; a planned cohort is not announced by joint programs.
SUPPLY_COHORT_STATUSES = ("open", "running", "graduated")


class DemandRepository(AggregateRepository[TalentDemand]):
    aggregate = TalentDemand
    table = demands_table
    entity_name = "talent demand"

    def visibility(self, p: Principal) -> sa.ColumnElement[bool] | None:
        """``policy.can_view_demand`` in SQL; None when the caller sees every demand (operators, colleges)."""
        if p.is_operator or (p.org is not None and p.has(*COLLEGE_STAFF)):
            return None
        if p.org is not None and p.has(*FIRM_STAFF):
            return self.table.c.firm_id == p.org
        return sa.false()

    async def visible_to(
        self, p: Principal, *, status: DemandStatus | None, firm_id: uuid.UUID | None, limit: int, offset: int
    ) -> tuple[list[TalentDemand], int]:
        t = self.table
        visible = self.visibility(p)
        where = [] if visible is None else [visible]
        if status is not None:
            where.append(t.c.status == status.value)
        if firm_id is not None:
            where.append(t.c.firm_id == firm_id)
        return await self.list(*where, limit=limit, offset=offset)

    async def open_demands(self, *, for_update: bool = False) -> list[TalentDemand]:
        t = self.table
        stmt = sa.select(t).where(t.c.status == DemandStatus.OPEN.value).order_by(t.c.id)
        if for_update:
            stmt = stmt.with_for_update(skip_locked=True)
        return [self._from_row(r) for r in (await self.session.execute(stmt)).all()]

    async def due(self, today: date) -> list[TalentDemand]:
        """Open demands past their needed-by date, locked; a second job replica skips what the first holds."""
        t = self.table
        stmt = (
            sa.select(t)
            .where(t.c.status == DemandStatus.OPEN.value, t.c.needed_by < today)
            .order_by(t.c.id)
            .with_for_update(skip_locked=True)
        )
        return [self._from_row(r) for r in (await self.session.execute(stmt)).all()]

    async def set_top(self, demand_id: uuid.UUID, top: list[dict[str, Any]]) -> None:
        # Not a change of the demand (no version bump): the record of what was last announced.
        await self.session.execute(sa.update(self.table).where(self.table.c.id == demand_id).values(top=top))


class CandidateRepository(AggregateRepository[Candidate]):
    aggregate = Candidate
    table = candidates_table
    entity_name = "candidate"

    async def add(self, agg: Candidate) -> None:
        try:
            async with self.session.begin_nested():
                await super().add(agg)
        except IntegrityError as exc:
            cause = getattr(exc.orig, "__cause__", None)
            if getattr(cause, "constraint_name", None) == CANDIDATE_INDEX:
                message = "the learner is already in this demand's pipeline"
                raise Conflict(
                    f"learner_ref: {message}", violations=[Violation("learner_ref", Rule.ALREADY_CANDIDATE, message)]
                ) from exc
            raise

    async def for_demand(self, demand_id: uuid.UUID, *, limit: int, offset: int) -> tuple[list[Candidate], int]:
        return await self.list(self.table.c.demand_id == demand_id, limit=limit, offset=offset)

    async def of_learner(self, learner_ref: uuid.UUID, firm_id: uuid.UUID | None = None) -> list[Candidate]:
        t = self.table
        stmt = sa.select(t).where(t.c.learner_ref == learner_ref)
        if firm_id is not None:
            stmt = stmt.where(t.c.firm_id == firm_id)
        stmt = stmt.order_by(t.c.created_at, t.c.id).with_for_update()
        return [self._from_row(r) for r in (await self.session.execute(stmt)).all()]

    async def log(self, candidate_id: uuid.UUID, demand_id: uuid.UUID, payload: Any, at: datetime) -> None:
        await self.session.execute(
            sa.insert(moves_table).values(
                id=uuid.uuid4(),
                candidate_id=candidate_id,
                demand_id=demand_id,
                from_stage=payload.from_stage,
                to_stage=payload.to_stage,
                reason=getattr(payload, "reason", None),
                by=payload.by,
                moved_at=at,
            )
        )

    async def moves(self, candidate_id: uuid.UUID) -> list[Any]:
        m = moves_table
        stmt = sa.select(m).where(m.c.candidate_id == candidate_id).order_by(m.c.moved_at, m.c.id)
        return list((await self.session.execute(stmt)).all())

    async def stage_counts(self, demand_id: uuid.UUID) -> dict[str, int]:
        """How many candidates ever reached each stage (from the moves: a hired candidate passed through)."""
        m = moves_table
        stmt = (
            sa.select(m.c.to_stage, sa.func.count(sa.distinct(m.c.candidate_id)))
            .where(m.c.demand_id == demand_id)
            .group_by(m.c.to_stage)
        )
        return {r[0]: int(r[1]) for r in (await self.session.execute(stmt)).all()}

    async def erase(self, learner_ref: uuid.UUID) -> list[Candidate]:
        """The learner's candidacies, locked; the caller drops and unlinks them."""
        return await self.of_learner(learner_ref)


@dataclass(frozen=True)
class CohortSupply:
    cohort_id: uuid.UUID
    program_id: uuid.UUID
    college_id: uuid.UUID
    partner_ids: tuple[uuid.UUID, ...]
    curriculum_id: uuid.UUID
    version_number: int
    seat_limit: int
    graduation_date: date
    skills: tuple[SkillCoverage, ...]

    def supply(self) -> Supply:
        evidence = {
            s.skill_id: (Evidence(s.skill_id, EvidenceKind.TAUGHT, s.level, float(s.hours)),) for s in self.skills
        }
        return Supply(
            SupplyKind.COHORT, self.cohort_id, evidence, available_on=self.graduation_date, seats=self.seat_limit
        )


@dataclass(frozen=True)
class KnownCurriculum:
    curriculum_id: uuid.UUID
    college_id: uuid.UUID | None
    title: str | None
    co_author_ids: tuple[uuid.UUID, ...]
    published_number: int | None


class SupplyRepository:
    """The supply projection: cohorts, curricula, consenting learners and their evidence."""

    def __init__(self, session: Any) -> None:
        self.session = session

    # ---- cohorts, programs and curricula

    async def upsert_program(self, program_id: uuid.UUID, consortium_id: uuid.UUID | None, at: datetime) -> None:
        stmt = pg_insert(programs_table).values(program_id=program_id, consortium_id=consortium_id, updated_at=at)
        set_ = {"consortium_id": stmt.excluded.consortium_id, "updated_at": stmt.excluded.updated_at}
        await self.session.execute(stmt.on_conflict_do_update(index_elements=[programs_table.c.program_id], set_=set_))

    async def programs_of_consortium(self, consortium_id: uuid.UUID) -> set[uuid.UUID]:
        t = programs_table
        rows = await self.session.execute(sa.select(t.c.program_id).where(t.c.consortium_id == consortium_id))
        return {r[0] for r in rows}

    async def upsert_cohort(self, at: datetime, status: str, **values: Any) -> None:
        values["skills"] = [s.model_dump(mode="json") for s in values["skills"]]
        stmt = pg_insert(cohorts_table).values(status=status, updated_at=at, **values)
        set_ = {k: stmt.excluded[k] for k in (*values, "status", "updated_at") if k != "cohort_id"}
        await self.session.execute(stmt.on_conflict_do_update(index_elements=[cohorts_table.c.cohort_id], set_=set_))

    @staticmethod
    def _cohort(r: Any) -> CohortSupply:
        return CohortSupply(
            cohort_id=r.cohort_id,
            program_id=r.program_id,
            college_id=r.college_id,
            partner_ids=tuple(r.partner_ids),
            curriculum_id=r.curriculum_id,
            version_number=r.version_number,
            seat_limit=r.seat_limit,
            graduation_date=r.graduation_date,
            skills=tuple(SkillCoverage.model_validate(s) for s in r.skills),
        )

    async def cohorts(self) -> list[CohortSupply]:
        t = cohorts_table
        stmt = sa.select(t).where(t.c.status.in_(SUPPLY_COHORT_STATUSES)).order_by(t.c.cohort_id)
        return [self._cohort(r) for r in (await self.session.execute(stmt)).all()]

    async def cohort(self, cohort_id: uuid.UUID) -> CohortSupply | None:
        row = (
            await self.session.execute(sa.select(cohorts_table).where(cohorts_table.c.cohort_id == cohort_id))
        ).first()
        return None if row is None else self._cohort(row)

    async def refresh_pinned(
        self, curriculum_id: uuid.UUID, number: int, skills: Sequence[SkillCoverage], at: datetime
    ) -> int:
        """A (re)published version's skills reach the cohorts pinned to it; returns how many changed."""
        t = cohorts_table
        result = await self.session.execute(
            sa.update(t)
            .where(t.c.curriculum_id == curriculum_id, t.c.version_number == number)
            .values(skills=[s.model_dump(mode="json") for s in skills], updated_at=at)
        )
        return int(result.rowcount or 0)

    async def upsert_curriculum(self, curriculum_id: uuid.UUID, at: datetime, **values: Any) -> None:
        if "skills" in values:
            values["skills"] = [s.model_dump(mode="json") for s in values["skills"]]
        stmt = pg_insert(curricula_table).values(
            curriculum_id=curriculum_id, updated_at=at, **{"co_author_ids": [], **values}
        )
        set_ = {k: stmt.excluded[k] for k in (*values, "updated_at")}
        await self.session.execute(
            stmt.on_conflict_do_update(index_elements=[curricula_table.c.curriculum_id], set_=set_)
        )

    async def curriculum(self, curriculum_id: uuid.UUID) -> KnownCurriculum | None:
        t = curricula_table
        r = (await self.session.execute(sa.select(t).where(t.c.curriculum_id == curriculum_id))).first()
        if r is None:
            return None
        return KnownCurriculum(r.curriculum_id, r.college_id, r.title, tuple(r.co_author_ids), r.published_number)

    # ---- learners, consents, evidence

    async def upsert_learner(self, learner_ref: uuid.UUID, at: datetime, **values: Any) -> None:
        stmt = pg_insert(learners_table).values(learner_ref=learner_ref, updated_at=at, **values)
        set_ = {k: stmt.excluded[k] for k in (*values, "updated_at")}
        await self.session.execute(stmt.on_conflict_do_update(index_elements=[learners_table.c.learner_ref], set_=set_))

    async def firms_seeing(self, learner_ref: uuid.UUID) -> set[uuid.UUID]:
        """The firms a learner's matching consents cover (named, or partners of a named program)."""
        c, co = consents_table, cohorts_table
        rows = (
            await self.session.execute(sa.select(c.c.firm_id, c.c.program_id).where(c.c.learner_ref == learner_ref))
        ).all()
        firms = {r.firm_id for r in rows if r.firm_id is not None}
        programs = {r.program_id for r in rows if r.program_id is not None}
        if programs:
            partners = await self.session.scalars(sa.select(co.c.partner_ids).where(co.c.program_id.in_(programs)))
            firms |= {f for ids in partners for f in ids}
        return firms

    async def learners_in(self, cohort_id: uuid.UUID) -> list[uuid.UUID]:
        t = learners_table
        return list((await self.session.scalars(sa.select(t.c.learner_ref).where(t.c.cohort_id == cohort_id))).all())

    async def learner_known(self, learner_ref: uuid.UUID) -> bool:
        t = learners_table
        return (await self.session.scalar(sa.select(t.c.learner_ref).where(t.c.learner_ref == learner_ref))) is not None

    async def add_consent(
        self, consent_id: uuid.UUID, learner_ref: uuid.UUID, firm_id: Any, program_id: Any, at: datetime
    ) -> None:
        stmt = pg_insert(consents_table).values(
            consent_id=consent_id, learner_ref=learner_ref, firm_id=firm_id, program_id=program_id, given_at=at
        )
        await self.session.execute(stmt.on_conflict_do_nothing())

    async def remove_consent(self, consent_id: uuid.UUID) -> None:
        await self.session.execute(sa.delete(consents_table).where(consents_table.c.consent_id == consent_id))

    async def still_consents(self, learner_ref: uuid.UUID, firm_id: uuid.UUID) -> bool:
        return learner_ref in await self._visible_refs(firm_id, [learner_ref])

    async def add_evidence(
        self, learner_ref: uuid.UUID, kind: EvidenceKind, items: Iterable[tuple[str, int, float]], at: datetime
    ) -> None:
        """Keeps the best level and the total hours per skill and kind (more evidence never lowers a level)."""
        rows = [
            {"learner_ref": learner_ref, "skill_id": s, "kind": kind.value, "level": lvl, "hours": h, "updated_at": at}
            for s, lvl, h in items
        ]
        if not rows:
            return
        e = evidence_table
        stmt = pg_insert(e)
        stmt = stmt.on_conflict_do_update(
            index_elements=[e.c.learner_ref, e.c.skill_id, e.c.kind],
            set_={
                "level": sa.func.greatest(e.c.level, stmt.excluded.level),
                "hours": e.c.hours + stmt.excluded.hours,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        await self.session.execute(stmt, rows)

    async def _visible_refs(self, firm_id: uuid.UUID, refs: Sequence[uuid.UUID] | None = None) -> set[uuid.UUID]:
        """``policy.learner_visible`` in SQL: an active matching consent naming the firm or a program it partners."""
        # A union of the two grants, each answered by its index (the OR form scans both tables).
        c, co = consents_table, cohorts_table
        partner_programs = sa.select(co.c.program_id).where(co.c.partner_ids.contains([firm_id]))
        named = sa.select(c.c.learner_ref).where(c.c.firm_id == firm_id)
        by_program = sa.select(c.c.learner_ref).where(c.c.program_id.in_(partner_programs))
        if refs is not None:
            named = named.where(c.c.learner_ref.in_(list(refs)))
            by_program = by_program.where(c.c.learner_ref.in_(list(refs)))
        return set((await self.session.scalars(sa.union(named, by_program))).all())

    async def learners_for_firm(self, firm_id: uuid.UUID) -> list[Supply]:
        """Consenting learners with their evidence, as matching supply (available now)."""
        refs = await self._visible_refs(firm_id)
        return await self._learner_supply(refs)

    async def _learner_supply(self, refs: set[uuid.UUID]) -> list[Supply]:
        if not refs:
            return []
        e = evidence_table
        rows = (await self.session.execute(sa.select(e).where(e.c.learner_ref.in_(list(refs))))).all()
        by_ref: dict[uuid.UUID, dict[str, list[Evidence]]] = defaultdict(lambda: defaultdict(list))
        for r in rows:
            by_ref[r.learner_ref][r.skill_id].append(Evidence(r.skill_id, EvidenceKind(r.kind), r.level, r.hours))
        return [
            Supply(SupplyKind.LEARNER, ref, {k: tuple(v) for k, v in by_ref.get(ref, {}).items()})
            for ref in sorted(refs, key=str)
        ]

    async def evidence_of(self, learner_ref: uuid.UUID) -> list[Any]:
        e = evidence_table
        return list((await self.session.execute(sa.select(e).where(e.c.learner_ref == learner_ref))).all())

    async def purge_learner(self, learner_ref: uuid.UUID) -> None:
        """Erasure: everything held about the pseudonym goes (the candidacies are unlinked by the caller)."""
        for t in (evidence_table, consents_table, learners_table):
            await self.session.execute(sa.delete(t).where(t.c.learner_ref == learner_ref))

    async def consenting_count(self) -> int:
        return int(await self.session.scalar(sa.select(sa.func.count(sa.distinct(consents_table.c.learner_ref)))) or 0)


def stage_index(stage: str) -> int:
    order = [s.value for s in Stage]
    return order.index(stage) if stage in order else len(order)
