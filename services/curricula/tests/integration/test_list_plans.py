"""Every list query curricula's repositories build is served by an index on a table large enough to matter.

Seeded by bare ``INSERT ... SELECT generate_series`` in a transaction rolled back at the end, ANALYZEd, and each
query the repository sends, with each filter and for each kind of caller, EXPLAINed: a sequential scan of the
big table fails. Filter values asked for are rare in the seed, as a real filter is (see consortia's twin test).
"""

from __future__ import annotations

import uuid

import pytest
from curricula.repository import CurriculumRepository, ProposalRepository
from dovetail_shared.db import make_engine
from dovetail_shared.principal import Principal
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.plans import RecordedStatements, seeded_session, seq_scans
from sqlalchemy.ext.asyncio import AsyncConnection

pytestmark = pytest.mark.integration

ROWS = 30_000
BIG = {"curricula", "curriculum_versions", "change_proposals", "proposal_reviews"}
COLLEGE = uuid.UUID("00000000-0000-0000-0000-000000000011")
FIRM = uuid.UUID("00000000-0000-0000-0000-000000000022")
CURRICULUM = uuid.UUID("00000000-0000-0000-0000-000000000033")

SEED = [
    f"""INSERT INTO curricula.curricula (id, version, created_at, updated_at, college_id, title, target_occupation,
        level, co_author_ids, approval_rule, published_version_number, public_version, public_updated_at)
      SELECT gen_random_uuid(), 1, now() - i * interval '1 minute', now(),
        CASE WHEN i % 100 = 0 THEN '{COLLEGE}'::uuid ELSE gen_random_uuid() END, 'seeded ' || i,
        CASE WHEN i % 50 = 0 THEN 'occ-rare' ELSE 'occ-' || (i % 5) END, 'higher_vocational',
        CASE WHEN i % 100 = 1 THEN ARRAY['{FIRM}'::uuid] ELSE ARRAY[gen_random_uuid()] END, 'all_co_authors',
        CASE WHEN i % 100 = 50 THEN 1 END, 1, now()
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO curricula.change_proposals (id, version, created_at, updated_at, curriculum_id, proposer_org_id,
        base_version_number, rationale, diff, status)
      SELECT gen_random_uuid(), 1, now() - i * interval '1 minute', now(),
        CASE WHEN i % 300 = 0 THEN '{CURRICULUM}'::uuid ELSE md5((i % 300)::text)::uuid END, gen_random_uuid(), 1,
        'seeded', '{{}}', 'submitted'
      FROM generate_series(1, {ROWS}) AS i""",
    # Each listed aggregate's children are read with it (one statement): by primary key, never by a scan.
    """INSERT INTO curricula.curriculum_versions (curriculum_id, number, id, status, modules, reviews, created_at)
      SELECT c.id, n, gen_random_uuid(), 'retired', '[]', '[]', now()
      FROM curricula.curricula c CROSS JOIN generate_series(1, 2) AS n
      WHERE c.title LIKE 'seeded %'""",
    """INSERT INTO curricula.proposal_reviews (proposal_id, seq, organization_id, decision, comment, at)
      SELECT p.id, n, gen_random_uuid(), 'approve', '', now()
      FROM curricula.change_proposals p CROSS JOIN generate_series(1, 2) AS n
      WHERE p.rationale = 'seeded'""",
]


async def assert_indexed(conn: AsyncConnection, recorder: RecordedStatements, case: str) -> None:
    statements = recorder.take()
    assert statements, f"{case}: the repository sent no query"
    for statement, parameters in statements:
        scanned = await seq_scans(conn, statement, parameters, BIG)
        assert not scanned, f"{case}: sequential scan of {scanned} for\n{statement}\n{parameters}"


async def test_every_list_query_uses_an_index(settings: ServiceSettings) -> None:
    engine = make_engine(settings, pool_size=1, max_overflow=0)
    try:
        async with seeded_session(engine) as (conn, session, recorder):
            for statement in SEED:
                await conn.exec_driver_sql(statement)
            # A GIN index takes fresh rows into a pending list scanned in full until VACUUM merges it, as
            # autovacuum soon does in production; merge it here so the planner prices the index as it will be.
            await conn.exec_driver_sql("SELECT gin_clean_pending_list('curricula.ix_curricula_co_authors')")
            for table in sorted(BIG):
                await conn.exec_driver_sql(f"ANALYZE curricula.{table}")
            recorder.take()

            curricula = CurriculumRepository(session)
            college = Principal(sub="c", org=COLLEGE, roles=frozenset({"college_admin"}))
            firm = Principal(sub="f", org=FIRM, roles=frozenset({"firm_admin"}))
            operator = Principal(sub="o", org=None, roles=frozenset({"operator"}))
            cases = {
                "anonymous": dict(principal=None),
                "college": dict(principal=college),
                "co-author firm": dict(principal=firm),
                "anonymous by occupation": dict(principal=None, occupation="occ-rare"),
                "operator by occupation": dict(principal=operator, occupation="occ-rare"),
                "operator by college": dict(principal=operator, college_id=COLLEGE),
                "anonymous by ids": dict(principal=None, ids=[CURRICULUM, uuid.uuid4()]),
                "college by ids": dict(principal=college, ids=[CURRICULUM, uuid.uuid4()]),
            }
            for case, args in cases.items():
                query = {"college_id": None, "occupation": None, **args}
                await curricula.visible_to(limit=50, offset=0, **query)  # type: ignore[arg-type]
                await assert_indexed(conn, recorder, f"curricula {case}")

            await ProposalRepository(session).for_curriculum(CURRICULUM, limit=50, offset=0)
            await assert_indexed(conn, recorder, "proposals of a curriculum")
    finally:
        await engine.dispose()
