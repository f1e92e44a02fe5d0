"""Every list query the repositories build is served by an index on a table large enough to matter.

The tables are seeded with 30k rows by bare ``INSERT ... SELECT generate_series`` inside a transaction that is
rolled back (rows and statistics never reach other tests), ANALYZEd, and each query the repository sends, with
each filter, is EXPLAINed: a sequential scan of the big table fails the test. The filter values asked for are
rare in the seed (a few per cent), as a real filter is; counting a whole table (no WHERE) is exempt, since a
whole-table read is what it means.
"""

from __future__ import annotations

import uuid
from datetime import date

import pytest
import sqlalchemy as sa
from consortia.domain import ConsortiumKind, ConsortiumStatus, ContributionKind, OrganizationKind, VerificationStatus
from consortia.repository import ConsortiumRepository, ContributionRepository, OrganizationRepository
from dovetail_shared.principal import Principal
from dovetail_shared.testing.plans import RecordedStatements, seeded_session, seq_scans
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

pytestmark = pytest.mark.integration

ROWS = 30_000
BIG = {"organizations", "consortia", "memberships", "join_requests", "contributions"}
CONSORTIUM = uuid.UUID("00000000-0000-0000-0000-000000000007")
MEMBER = uuid.UUID("00000000-0000-0000-0000-000000000042")

SEED = [
    f"""INSERT INTO consortia.organizations (id, version, created_at, updated_at, name, kind, size, region,
        registration_number, verification_status, registered_by)
      SELECT gen_random_uuid(), 1, now() - i * interval '1 minute', now(), 'org ' || i,
        CASE WHEN i % 50 = 0 THEN 'government' ELSE 'enterprise' END, 'sme',
        CASE WHEN i % 50 = 1 THEN 'Wuxi' ELSE 'Suzhou' END, 'PLAN' || i,
        CASE WHEN i % 20 = 0 THEN 'verified' WHEN i % 50 = 3 THEN 'rejected' ELSE 'pending' END, 'user-' || i
      FROM generate_series(1, {ROWS}) AS i""",
    f"""INSERT INTO consortia.consortia (id, version, created_at, updated_at, name, kind, charter,
        lead_organization_id, status)
      SELECT md5('c' || i)::uuid, 1, now() - i * interval '1 minute', now(), 'c ' || i,
        CASE WHEN i % 50 = 0 THEN 'project' ELSE 'city_consortium' END, 'charter', gen_random_uuid(),
        CASE WHEN i % 50 = 1 THEN 'dissolved' ELSE 'active' END
      FROM generate_series(1, {ROWS}) AS i""",
    # Every consortium has its lead and a member who left; MEMBER is an open member of one in 500.
    f"""INSERT INTO consortia.memberships (id, consortium_id, position, organization_id, organization_kind, role,
        joined_on, left_on, ended_by_dissolution)
      SELECT gen_random_uuid(), md5('c' || i)::uuid, p, gen_random_uuid(), 'college',
        CASE WHEN p = 0 THEN 'lead' ELSE 'member' END, date '2026-01-01',
        CASE WHEN p = 1 THEN date '2026-02-01' END, false
      FROM generate_series(1, {ROWS}) AS i, generate_series(0, 1) AS p""",
    f"""INSERT INTO consortia.memberships (id, consortium_id, position, organization_id, organization_kind, role,
        joined_on, ended_by_dissolution)
      SELECT gen_random_uuid(), md5('c' || i)::uuid, 2, '{MEMBER}'::uuid, 'enterprise', 'member', date '2026-01-01',
        false
      FROM generate_series(500, {ROWS}, 500) AS i""",
    f"""INSERT INTO consortia.join_requests (id, consortium_id, position, organization_id, organization_kind,
        requested_role, status, reason, requested_on, decided_on)
      SELECT gen_random_uuid(), md5('c' || i)::uuid, 0, gen_random_uuid(), 'enterprise', 'member', 'rejected',
        'no', date '2026-01-01', date '2026-01-02'
      FROM generate_series(1, {ROWS}) AS i""",
    # 300 consortia with 100 lines each; the one the test reads is one of them.
    f"""INSERT INTO consortia.contributions (id, version, created_at, updated_at, consortium_id, organization_id,
        kind, quantity, unit, valuation, currency, contributed_on)
      SELECT gen_random_uuid(), 1, now(), now(),
        CASE WHEN i % 300 = 0 THEN '{CONSORTIUM}'::uuid ELSE md5((i % 300)::text)::uuid END,
        CASE WHEN i % 7 = 0 THEN '{MEMBER}'::uuid ELSE gen_random_uuid() END,
        CASE WHEN i % 11 = 0 THEN 'ip' ELSE 'funding' END, 1, 'CNY', 10, 'CNY', date '2026-01-01' + (i % 300)
      FROM generate_series(1, {ROWS}) AS i""",
]


async def assert_indexed(conn: AsyncConnection, recorder: RecordedStatements, case: str) -> None:
    statements = recorder.take()
    assert statements, f"{case}: the repository sent no query"
    for statement, parameters in statements:
        if "WHERE" not in statement.upper().split() and "count(" in statement:
            continue
        scanned = await seq_scans(conn, statement, parameters, BIG)
        assert not scanned, f"{case}: sequential scan of {scanned} for\n{statement}\n{parameters}"


async def test_every_list_query_uses_an_index(engine: AsyncEngine) -> None:
    async with seeded_session(engine) as (conn, session, recorder):
        for statement in SEED:
            await conn.exec_driver_sql(statement)
        for table in sorted(BIG):
            await conn.exec_driver_sql(f"ANALYZE consortia.{table}")
        recorder.take()

        orgs = OrganizationRepository(session)
        member = Principal(sub="user-17", org=MEMBER, roles=frozenset({"firm_admin"}))
        operator = Principal(sub="op", org=None, roles=frozenset({"operator"}))
        org_cases = {
            "anonymous": dict(principal=None),
            "member": dict(principal=member),
            "operator by kind": dict(principal=operator, kind=OrganizationKind.GOVERNMENT),
            "operator by status": dict(principal=operator, status=VerificationStatus.REJECTED),
            "operator by region": dict(principal=operator, region="Wuxi"),
            "anonymous by kind": dict(principal=None, kind=OrganizationKind.GOVERNMENT),
            "anonymous by region": dict(principal=None, region="Wuxi"),
            "anonymous by ids": dict(principal=None, ids=[MEMBER, uuid.uuid4()]),
        }
        for case, args in org_cases.items():
            query = {"kind": None, "status": None, "region": None, **args}
            await orgs.visible_to(limit=50, offset=0, **query)  # type: ignore[arg-type]
            await assert_indexed(conn, recorder, f"organizations {case}")

        consortia = ConsortiumRepository(session)
        consortium_cases = {
            "all": {},
            "by member": dict(organization_id=MEMBER),
            "by status": dict(status=ConsortiumStatus.DISSOLVED),
            "by kind": dict(kind=ConsortiumKind.PROJECT),
            "by ids": dict(ids=[CONSORTIUM, uuid.uuid4()]),
        }
        for case, args in consortium_cases.items():
            query = {"organization_id": None, "status": None, "kind": None, **args}
            await consortia.search(limit=50, offset=0, **query)  # type: ignore[arg-type]
            await assert_indexed(conn, recorder, f"consortia {case}")

        # Loading one consortium reads its root and its two kinds of child rows, each by index.
        await consortia.get(uuid.UUID(await conn.scalar(sa.text("SELECT md5('c' || 4242)::uuid::text"))))
        await assert_indexed(conn, recorder, "one consortium with its children")

        ledger = ContributionRepository(session)
        ledger_cases = {
            "all": {},
            "by member": dict(organization_id=MEMBER),
            "by kind": dict(kind=ContributionKind.IP),
            "by dates": dict(date_from=date(2026, 2, 1), date_to=date(2026, 3, 1)),
        }
        for case, args in ledger_cases.items():
            query = {"organization_id": None, "kind": None, "date_from": None, "date_to": None, **args}
            await ledger.ledger(CONSORTIUM, limit=50, offset=0, **query)  # type: ignore[arg-type]
            await assert_indexed(conn, recorder, f"ledger {case}")
        await ledger.totals(CONSORTIUM, date_from=None, date_to=None)
        await assert_indexed(conn, recorder, "ledger totals")
        for kinds in (None, [ContributionKind.IP]):
            period = dict(period_from=date(2026, 2, 1), period_to=date(2026, 6, 1))
            await ledger.valued_totals(CONSORTIUM, kinds=kinds, **period)
            await assert_indexed(conn, recorder, f"valued totals of {kinds}")
