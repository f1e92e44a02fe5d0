"""Every list query joint_programs' repositories build is served by an index on a table large enough to matter.

Seeded by bare ``INSERT ... SELECT generate_series`` in a transaction rolled back at the end, ANALYZEd, and each
query the repository sends, with each filter and for each kind of caller, EXPLAINed: a sequential scan of a big
table fails (consortia's and curricula's twin tests, ADR 0013).
"""

from __future__ import annotations

import uuid

import pytest
from dovetail_shared.principal import Principal, Role
from dovetail_shared.testing.plans import RecordedStatements, seeded_session, seq_scans
from joint_programs.domain import ProgramStatus
from joint_programs.repository import (
    CohortRepository,
    ConsentRepository,
    EnrolmentRepository,
    LearnerRepository,
    ProgramRepository,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

pytestmark = pytest.mark.integration

ROWS = 30_000
BIG = {"programs", "cohorts", "learners", "enrolments", "consents"}
COLLEGE = uuid.UUID("00000000-0000-0000-0000-0000000000c1")
FIRM = uuid.UUID("00000000-0000-0000-0000-0000000000f1")
PROGRAM = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
COHORT = uuid.UUID("00000000-0000-0000-0000-0000000000b1")
LEARNER = uuid.UUID("00000000-0000-0000-0000-0000000000d1")

SEED = [
    f"""INSERT INTO joint_programs.programs (id, version, created_at, updated_at, college_id, title, model,
        partner_ids, curriculum_id, curriculum_version_number, capacity, committed_intake, status, approved_by)
      SELECT CASE WHEN i = 1 THEN '{PROGRAM}'::uuid ELSE gen_random_uuid() END, 1, now() - i * interval '1 minute',
        now(), CASE WHEN i % 500 = 0 THEN '{COLLEGE}'::uuid ELSE gen_random_uuid() END, 'p ' || i, 'order_class',
        ARRAY[gen_random_uuid()] || CASE WHEN i % 500 = 1 THEN ARRAY['{FIRM}'::uuid] ELSE '{{}}'::uuid[] END,
        md5((i % 3000)::text)::uuid, 1 + i % 3, 30, '[]',
        CASE WHEN i % 100 = 0 THEN 'closed' ELSE 'running' END, '{{}}'
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO joint_programs.cohorts (id, version, created_at, updated_at, program_id, college_id, intake_term,
        seat_limit, start_date, graduation_date, status, enrolled_count)
      SELECT CASE WHEN i = 1 THEN '{COHORT}'::uuid ELSE gen_random_uuid() END, 1, now(), now(),
        CASE WHEN i % 300 = 1 THEN '{PROGRAM}'::uuid ELSE gen_random_uuid() END, gen_random_uuid(), '2026', 30,
        date '2026-09-01', date '2028-07-01', 'open', 0
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO joint_programs.learners (id, version, created_at, updated_at, college_id, ref, name,
        student_number, date_of_birth)
      SELECT CASE WHEN i = 1 THEN '{LEARNER}'::uuid ELSE gen_random_uuid() END, 1, now(), now(),
        CASE WHEN i % 500 = 0 THEN '{COLLEGE}'::uuid ELSE md5((i % 2000)::text)::uuid END, gen_random_uuid(),
        'n ' || i, 'S' || i, date '2006-01-01'
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO joint_programs.enrolments (id, version, created_at, updated_at, cohort_id, program_id,
        learner_id, learner_ref, status, enrolled_on)
      SELECT gen_random_uuid(), 1, now(), now(), CASE WHEN i % 300 = 1 THEN '{COHORT}'::uuid ELSE gen_random_uuid() END,
        gen_random_uuid(), CASE WHEN i = 1 THEN '{LEARNER}'::uuid ELSE gen_random_uuid() END, gen_random_uuid(),
        'enrolled', date '2026-09-01'
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO joint_programs.consents (id, version, created_at, updated_at, learner_id, learner_ref, firm_id,
        program_id, purpose, given_at, withdrawn_at)
      SELECT gen_random_uuid(), 1, now(), now(),
        CASE WHEN i % 300 = 1 THEN '{LEARNER}'::uuid ELSE gen_random_uuid() END, gen_random_uuid(),
        CASE WHEN i % 2 = 0 THEN (CASE WHEN i % 400 = 0 THEN '{FIRM}'::uuid ELSE gen_random_uuid() END) END,
        CASE WHEN i % 2 = 1 THEN gen_random_uuid() END, 'matching', now(),
        CASE WHEN i % 3 = 0 THEN now() END
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
            await conn.exec_driver_sql(f"ANALYZE joint_programs.{table}")
        recorder.take()

        programs = ProgramRepository(session)
        staff = Principal(sub="a", org=COLLEGE, roles=frozenset({Role.COLLEGE_ADMIN}))
        firm = Principal(sub="f", org=FIRM, roles=frozenset({Role.RECRUITER}))
        operator = Principal(sub="o", org=None, roles=frozenset({Role.OPERATOR}))
        program_cases = {
            "college staff": dict(p=staff),
            "partner firm": dict(p=firm),
            "operator by partner": dict(p=operator, partner_id=FIRM),
            "operator by college": dict(p=operator, college_id=COLLEGE),
            "operator by status": dict(p=operator, status=ProgramStatus.CLOSED),
            "operator": dict(p=operator),
            "partner firm by ids": dict(p=firm, ids=[PROGRAM, uuid.uuid4()]),
            "operator by ids": dict(p=operator, ids=[PROGRAM, uuid.uuid4()]),
        }
        for case, args in program_cases.items():
            query = {"college_id": None, "partner_id": None, "status": None, **args}
            await programs.visible_to(limit=50, offset=0, **query)  # type: ignore[arg-type]
            await assert_indexed(conn, recorder, f"programs {case}")
        await programs.pinned_to(uuid.UUID(int=7), 2)
        await assert_indexed(conn, recorder, "programs pinned to a version")

        await CohortRepository(session).for_program(PROGRAM, limit=50, offset=0)
        await assert_indexed(conn, recorder, "cohorts of a program")
        await EnrolmentRepository(session).for_cohort(COHORT, limit=50, offset=0)
        await assert_indexed(conn, recorder, "enrolments of a cohort")
        await EnrolmentRepository(session).for_learner(LEARNER)
        await assert_indexed(conn, recorder, "enrolments of a learner")
        await ConsentRepository(session).for_learner(LEARNER, limit=50, offset=0)
        await assert_indexed(conn, recorder, "consents of a learner")
        learners = LearnerRepository(session)
        await learners.roster(COLLEGE, limit=50, offset=0)
        await assert_indexed(conn, recorder, "roster")
        await learners.profiles_for_firm(FIRM, limit=50, offset=0)
        await assert_indexed(conn, recorder, "profiles for a firm")
        await learners.by_account("nobody")
        await assert_indexed(conn, recorder, "learner by account")
