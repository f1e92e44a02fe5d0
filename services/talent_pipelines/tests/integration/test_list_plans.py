"""Every list query talent_pipelines' repositories build is served by an index on a table large enough to matter.

Seeded by bare ``INSERT ... SELECT generate_series`` in a transaction rolled back at the end, ANALYZEd, and each
query the repository sends, for each filter and kind of caller, EXPLAINed: a sequential scan of a big table
fails (the twin of the other services' tests, ADR 0013). Ranking reads the whole supply by design (every cohort
is scored), so ``SupplyRepository.cohorts`` is not listed here.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from dovetail_shared.principal import Principal, Role
from dovetail_shared.testing.plans import RecordedStatements, seeded_session, seq_scans
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from talent_pipelines.domain import DemandStatus
from talent_pipelines.repository import CandidateRepository, DemandRepository, SupplyRepository

pytestmark = pytest.mark.integration

ROWS = 30_000
BIG = {"demands", "candidates", "candidate_moves", "supply_cohorts", "supply_consents", "learner_evidence"}
FIRM = uuid.UUID("00000000-0000-0000-0000-0000000000f1")
DEMAND = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
CANDIDATE = uuid.UUID("00000000-0000-0000-0000-0000000000b1")
REF = uuid.UUID("00000000-0000-0000-0000-0000000000d1")

SEED = [
    f"""INSERT INTO talent_pipelines.demands (id, version, created_at, updated_at, firm_id, role_title, skills,
        headcount, hired, needed_by, status, top)
      SELECT CASE WHEN i = 1 THEN '{DEMAND}'::uuid ELSE gen_random_uuid() END, 1, now() - i * interval '1 minute',
        now(), CASE WHEN i % 500 = 0 THEN '{FIRM}'::uuid ELSE gen_random_uuid() END, 'r ' || i, '[]', 1, 0,
        date '2028-01-01', CASE WHEN i % 100 = 0 THEN 'cancelled' ELSE 'filled' END, '[]'
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO talent_pipelines.candidates (id, version, created_at, updated_at, demand_id, firm_id, learner_ref,
        stage)
      SELECT CASE WHEN i = 1 THEN '{CANDIDATE}'::uuid ELSE gen_random_uuid() END, 1, now(), now(),
        CASE WHEN i % 300 = 1 THEN '{DEMAND}'::uuid ELSE gen_random_uuid() END, gen_random_uuid(),
        CASE WHEN i % 300 = 2 THEN '{REF}'::uuid ELSE gen_random_uuid() END, 'matched'
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO talent_pipelines.candidate_moves (id, candidate_id, demand_id, to_stage, by, moved_at)
      SELECT gen_random_uuid(), CASE WHEN i % 300 = 1 THEN '{CANDIDATE}'::uuid ELSE gen_random_uuid() END,
        CASE WHEN i % 300 = 1 THEN '{DEMAND}'::uuid ELSE gen_random_uuid() END, 'matched', 'firm', now()
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO talent_pipelines.supply_cohorts (cohort_id, program_id, college_id, partner_ids, curriculum_id,
        version_number, status, seat_limit, graduation_date, skills, updated_at)
      SELECT gen_random_uuid(), gen_random_uuid(), gen_random_uuid(),
        ARRAY[gen_random_uuid()] || CASE WHEN i % 500 = 1 THEN ARRAY['{FIRM}'::uuid] ELSE '{{}}'::uuid[] END,
        gen_random_uuid(), 1, 'open', 30, date '2028-07-01', '[]', now()
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO talent_pipelines.supply_consents (consent_id, learner_ref, firm_id, program_id, given_at)
      SELECT gen_random_uuid(), CASE WHEN i % 300 = 1 THEN '{REF}'::uuid ELSE gen_random_uuid() END,
        CASE WHEN i % 2 = 0 THEN (CASE WHEN i % 400 = 0 THEN '{FIRM}'::uuid ELSE gen_random_uuid() END) END,
        CASE WHEN i % 2 = 1 THEN gen_random_uuid() END, now()
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO talent_pipelines.learner_evidence (learner_ref, skill_id, kind, level, hours, updated_at)
      SELECT CASE WHEN i % 300 = 1 THEN '{REF}'::uuid ELSE gen_random_uuid() END, 's' || i, 'taught', 2, 0, now()
      FROM generate_series(1, {ROWS}) AS i""",
]


async def assert_indexed(conn: AsyncConnection, recorder: RecordedStatements, case: str) -> None:
    statements = recorder.take()
    assert statements, f"{case}: the repository sent no query"
    for statement, parameters in statements:
        if "WHERE" not in statement.upper().split() and "count(" in statement:
            continue  # an operator's unfiltered count reads every row by definition
        scanned = await seq_scans(conn, statement, parameters, BIG)
        assert not scanned, f"{case}: sequential scan of {scanned} for\n{statement}\n{parameters}"


async def test_every_list_query_uses_an_index(engine: AsyncEngine) -> None:
    async with seeded_session(engine) as (conn, session, recorder):
        for statement in SEED:
            await conn.exec_driver_sql(statement)
        for table in sorted(BIG):
            await conn.exec_driver_sql(f"ANALYZE talent_pipelines.{table}")
        recorder.take()

        demands = DemandRepository(session)
        firm = Principal(sub="f", org=FIRM, roles=frozenset({Role.RECRUITER}))
        operator = Principal(sub="o", org=None, roles=frozenset({Role.OPERATOR}))
        cases = {
            "firm": dict(p=firm),
            "operator by firm": dict(p=operator, firm_id=FIRM),
            "operator by status": dict(p=operator, status=DemandStatus.CANCELLED),
            "operator": dict(p=operator),
        }
        for case, args in cases.items():
            query = {"status": None, "firm_id": None, **args}
            await demands.visible_to(limit=50, offset=0, **query)  # type: ignore[arg-type]
            await assert_indexed(conn, recorder, f"demands {case}")
        await demands.open_demands()
        await assert_indexed(conn, recorder, "open demands")
        await demands.due(date(2027, 1, 1))
        await assert_indexed(conn, recorder, "due demands")

        candidates = CandidateRepository(session)
        await candidates.for_demand(DEMAND, limit=50, offset=0)
        await assert_indexed(conn, recorder, "candidates of a demand")
        await candidates.of_learner(REF, FIRM)
        await assert_indexed(conn, recorder, "candidacies of a learner")
        await candidates.moves(CANDIDATE)
        await assert_indexed(conn, recorder, "moves of a candidate")
        await candidates.stage_counts(DEMAND)
        await assert_indexed(conn, recorder, "funnel counts")

        supply = SupplyRepository(session)
        await supply.learners_for_firm(FIRM)
        await assert_indexed(conn, recorder, "learners a firm may rank")
        await supply.evidence_of(REF)
        await assert_indexed(conn, recorder, "evidence of a learner")
