"""Every selective list query internships' repositories build is served by an index on tables large enough to matter.

Seeded by bare ``INSERT ... SELECT generate_series`` in a transaction rolled back at the end, ANALYZEd, and each
query the repository sends, for each kind of caller and filter, EXPLAINed: a sequential scan of a big table fails
(joint_programs', consortia's and curricula's twin tests, ADR 0013). Browsing every published posting is not
selective (most postings are published): it is the one list left to the planner, like an operator's count.
"""

from __future__ import annotations

import uuid

import pytest
from dovetail_shared.principal import Principal, Role
from dovetail_shared.testing.plans import RecordedStatements, seeded_session, seq_scans
from internships.domain import ApplicationStatus, PlacementStatus, PostingStatus
from internships.repository import (
    ApplicationRepository,
    LearnerDirectory,
    LogbookRepository,
    PlacementRepository,
    PostingRepository,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

pytestmark = pytest.mark.integration

ROWS = 30_000
BIG = {"postings", "applications", "placements", "logbook_entries", "known_learners"}
COLLEGE = uuid.UUID("00000000-0000-0000-0000-0000000000c1")
FIRM = uuid.UUID("00000000-0000-0000-0000-0000000000f1")
POSTING = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
PLACEMENT = uuid.UUID("00000000-0000-0000-0000-0000000000b1")
REF = uuid.UUID("00000000-0000-0000-0000-0000000000d1")

SEED = [
    f"""INSERT INTO internships.postings (id, version, created_at, updated_at, firm_id, title, positions, skills,
        start_date, end_date, stipend, post_wage, firm_staff, post_staff, status, placed)
      SELECT CASE WHEN i = 1 THEN '{POSTING}'::uuid ELSE gen_random_uuid() END, 1, now() - i * interval '1 minute',
        now(), CASE WHEN i % 500 = 0 THEN '{FIRM}'::uuid ELSE md5((i % 3000)::text)::uuid END, 'p ' || i, 2, '[]',
        date '2026-11-01', date '2027-01-31', 3200, 4000, 200, 20,
        CASE WHEN i % 50 = 0 THEN 'draft' WHEN i % 7 = 0 THEN 'open' ELSE 'closed' END, 0
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO internships.applications (id, version, created_at, updated_at, posting_id, firm_id, learner_ref,
        college_id, status, superseded)
      SELECT gen_random_uuid(), 1, now() - i * interval '1 minute', now(),
        CASE WHEN i % 300 = 1 THEN '{POSTING}'::uuid ELSE gen_random_uuid() END,
        CASE WHEN i % 400 = 0 THEN '{FIRM}'::uuid ELSE md5((i % 3000)::text)::uuid END,
        CASE WHEN i % 1000 = 1 THEN '{REF}'::uuid ELSE gen_random_uuid() END,
        CASE WHEN i % 500 = 0 THEN '{COLLEGE}'::uuid ELSE md5((i % 2000)::text)::uuid END,
        CASE WHEN i % 3 = 0 THEN 'submitted' ELSE 'rejected' END, false
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO internships.placements (id, version, created_at, updated_at, posting_id, application_id, firm_id,
        college_id, learner_ref, start_date, end_date, status, mentor_sub, teacher_sub)
      SELECT CASE WHEN i = 1 THEN '{PLACEMENT}'::uuid ELSE gen_random_uuid() END, 1, now(), now(),
        gen_random_uuid(), gen_random_uuid(),
        CASE WHEN i % 400 = 0 THEN '{FIRM}'::uuid ELSE md5((i % 3000)::text)::uuid END,
        CASE WHEN i % 500 = 0 THEN '{COLLEGE}'::uuid ELSE md5((i % 2000)::text)::uuid END,
        CASE WHEN i % 1000 = 1 THEN '{REF}'::uuid ELSE gen_random_uuid() END, date '2026-11-01', date '2027-01-31',
        CASE WHEN i % 4 = 0 THEN 'active' ELSE 'completed' END, 'mentor-' || (i % 5000), 'teacher-' || (i % 5000)
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO internships.logbook_entries (id, version, created_at, updated_at, placement_id, learner_ref,
        entry_date, start_time, end_time, break_minutes, minutes, tasks, skills, status)
      SELECT gen_random_uuid(), 1, now(), now(),
        CASE WHEN i % 300 = 1 THEN '{PLACEMENT}'::uuid ELSE gen_random_uuid() END, gen_random_uuid(),
        date '2026-11-01' + (i % 90), time '09:00', time '17:00', 60, 420, 't', '{{}}', 'signed'
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO internships.known_learners (ref, college_id, account_digest, updated_at)
      SELECT gen_random_uuid(), gen_random_uuid(), md5(i::text), now() FROM generate_series(1, {ROWS}) AS i""",
]


async def assert_indexed(conn: AsyncConnection, recorder: RecordedStatements, case: str) -> None:
    statements = recorder.take()
    assert statements, f"{case}: the repository sent no query"
    for statement, parameters in statements:
        if "WHERE" not in statement.upper().split() and "count(" in statement:
            continue  # an operator's unfiltered count reads every row by definition
        scanned = await seq_scans(conn, statement, parameters, BIG)
        assert not scanned, f"{case}: sequential scan of {scanned} for\n{statement}\n{parameters}"


async def test_every_selective_list_query_uses_an_index(engine: AsyncEngine) -> None:
    async with seeded_session(engine) as (conn, session, recorder):
        for statement in SEED:
            await conn.exec_driver_sql(statement)
        for table in sorted(BIG):
            await conn.exec_driver_sql(f"ANALYZE internships.{table}")
        recorder.take()

        firm = Principal(sub="f", org=FIRM, roles=frozenset({Role.RECRUITER}))
        college = Principal(sub="c", org=COLLEGE, roles=frozenset({Role.COLLEGE_ADMIN}))
        teacher = Principal(sub="teacher-7", org=COLLEGE, roles=frozenset({Role.TEACHER}))
        mentor = Principal(sub="mentor-7", org=FIRM, roles=frozenset({Role.MENTOR}))
        learner = Principal(sub="l", org=None, roles=frozenset({Role.LEARNER}))
        operator = Principal(sub="o", org=None, roles=frozenset({Role.OPERATOR}))
        mine = frozenset({REF})

        postings = PostingRepository(session)
        for case, p, firm_id, status in [
            ("operator by firm", operator, FIRM, None),
            ("operator drafts", operator, None, PostingStatus.DRAFT),
            ("learner by firm", learner, FIRM, None),
        ]:
            await postings.visible_to(p, firm_id=firm_id, status=status, limit=50, offset=0)
            await assert_indexed(conn, recorder, f"postings {case}")
        await postings.live_of_firm(FIRM)
        await assert_indexed(conn, recorder, "live postings of a firm")

        applications = ApplicationRepository(session)
        for case, p, posting_id, status in [
            ("firm", firm, None, None),
            ("firm by posting", firm, POSTING, None),
            ("college", college, None, None),
            ("learner", learner, None, None),
            ("operator by posting", operator, POSTING, ApplicationStatus.SUBMITTED.value),
        ]:
            refs = mine if p is learner else frozenset()
            await applications.visible_to(p, refs, posting_id=posting_id, status=status, limit=50, offset=0)
            await assert_indexed(conn, recorder, f"applications {case}")
        await applications.live_of_learner(REF)
        await assert_indexed(conn, recorder, "live applications of a learner")

        placements = PlacementRepository(session)
        for case, p in [("firm", firm), ("college", college), ("teacher", teacher), ("mentor", mentor)]:
            await placements.visible_to(p, frozenset(), status=None, limit=50, offset=0)
            await assert_indexed(conn, recorder, f"placements {case}")
        await placements.visible_to(learner, mine, status=PlacementStatus.ACTIVE, limit=50, offset=0)
        await assert_indexed(conn, recorder, "placements learner")
        await placements.live_count_of_firm(FIRM)
        await assert_indexed(conn, recorder, "live placements of a firm")

        logbook = LogbookRepository(session)
        await logbook.for_placement(PLACEMENT, limit=50, offset=0)
        await assert_indexed(conn, recorder, "logbook of a placement")
        await logbook.weekly_totals(PLACEMENT)
        await assert_indexed(conn, recorder, "weekly totals")
        await LearnerDirectory(session).refs_of("nobody")
        await assert_indexed(conn, recorder, "learner refs of an account digest")
