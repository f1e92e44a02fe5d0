"""How a consortium is stored (ADR 0018): child rows written only when they change, migration 0005, SQL sums."""

from __future__ import annotations

import importlib.util
import json
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from consortia.domain import Contribution, ContributionKind, JoinRequestStatus, valued_totals
from consortia.repository import ConsortiumRepository, ContributionRepository
from consortia.tables import contributions_table
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from .conftest import Api, Json

pytestmark = pytest.mark.integration

MIGRATION_0005 = Path(__file__).parents[2] / "migrations" / "versions" / "0005_child_tables.py"


# ------------------------------------------------------------------------------ a write touches what it changes


async def row_versions(engine: AsyncEngine, consortium_id: str) -> dict[str, dict[str, str]]:
    """``xmin`` (the transaction that last wrote the row) of the root and of every child row, by table and id."""
    out: dict[str, dict[str, str]] = {}
    async with engine.connect() as conn:
        for table, key in (("consortia", "id"), ("memberships", "consortium_id"), ("join_requests", "consortium_id")):
            rows = await conn.execute(
                sa.text(f"SELECT id::text, xmin::text FROM consortia.{table} WHERE {key} = :c"), {"c": consortium_id}
            )
            out[table] = dict(rows.all())
    return out


def changed(before: dict[str, str], after: dict[str, str]) -> tuple[set[str], set[str]]:
    """(rows rewritten, rows added) between two readings of one table."""
    rewritten = {k for k in before if k in after and before[k] != after[k]}
    return rewritten, set(after) - set(before)


async def test_a_write_touches_only_the_rows_it_changes(api: Api, engine: AsyncEngine) -> None:
    c, college, firm = await api.active()
    others = [await api.org() for _ in range(3)]
    asked: list[Json] = []
    for org in others[:2]:
        asked.append((await api.ask(c, org)).json())
    before = await row_versions(engine, c["id"])
    assert (len(before["memberships"]), len(before["join_requests"])) == (2, 3)

    # A new request: one row inserted; no other request, no stint rewritten; the root carries the version.
    r = await api.ask(c, others[2], "observer")
    new_request = r.headers["Location"].rsplit("/", 1)[1]
    after = await row_versions(engine, c["id"])
    assert changed(before["join_requests"], after["join_requests"]) == (set(), {new_request})
    assert changed(before["memberships"], after["memberships"]) == (set(), set())
    assert changed(before["consortia"], after["consortia"]) == ({c["id"]}, set())

    # Approving one: that request updated and one stint inserted; the other requests and stints untouched.
    before = after
    pending = next(x for x in asked[-1]["join_requests"] if x["organization_id"] == str(others[1].id))
    current = await api.get(c)
    r = await api.client.post(
        f"/consortia/{c['id']}/join-requests/{pending['id']}/approve", headers=college.admin_if(current["version"])
    )
    assert r.status_code == 200, r.text
    after = await row_versions(engine, c["id"])
    assert changed(before["join_requests"], after["join_requests"]) == ({pending["id"]}, set())
    rewritten, added = changed(before["memberships"], after["memberships"])
    assert rewritten == set() and len(added) == 1

    # A role change rewrites that one stint only.
    before = after
    r = await api.client.put(
        f"/consortia/{c['id']}/members/{firm.id}/role", json={"role": "core"}, headers=college.admin
    )
    assert r.status_code == 200, r.text
    after = await row_versions(engine, c["id"])
    rewritten, added = changed(before["memberships"], after["memberships"])
    assert len(rewritten) == 1 and added == set()
    assert changed(before["join_requests"], after["join_requests"]) == (set(), set())

    # And what is read back is what was written, in the order it happened.
    got = await api.get(c, college.admin)
    assert [m["organization_id"] for m in got["memberships"]] == [str(college.id), str(firm.id), str(others[1].id)]
    assert [m["role"] for m in got["memberships"]] == ["lead", "core", "member"]
    assert [(x["organization_id"], x["status"]) for x in got["join_requests"]] == [
        (str(firm.id), "approved"),
        (str(others[0].id), "pending"),
        (str(others[1].id), "approved"),
        (str(others[2].id), "pending"),
    ]


async def test_the_database_holds_one_pending_request_and_one_open_stint_per_organisation(
    api: Api, engine: AsyncEngine
) -> None:
    """The domain refuses both; the indexes hold them too, against a writer that bypasses it."""
    c, _college, firm = await api.active()
    applicant = await api.org()
    await api.ask(c, applicant)
    async with engine.connect() as conn:
        for statement in (
            """INSERT INTO consortia.join_requests (id, consortium_id, position, organization_id, organization_kind,
                 requested_role, status, requested_on) VALUES (gen_random_uuid(), :c, 99, :o, 'enterprise', 'member',
                 'pending', current_date)""",
            """INSERT INTO consortia.memberships (id, consortium_id, position, organization_id, organization_kind,
                 role, joined_on, ended_by_dissolution) VALUES (gen_random_uuid(), :c, 99, :f, 'enterprise', 'member',
                 current_date, false)""",
        ):
            with pytest.raises(sa.exc.IntegrityError):
                async with conn.begin():
                    await conn.execute(sa.text(statement), {"c": c["id"], "o": str(applicant.id), "f": str(firm.id)})


# ------------------------------------------------------------------------------------------------ migration 0005


def load_migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("consortia_migration_0005", MIGRATION_0005)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_migration(step: str) -> Any:
    """``upgrade`` or ``downgrade`` of 0005 on a connection, inside its transaction (Postgres DDL is transactional)."""
    migration = load_migration()

    def run(connection: sa.Connection) -> None:
        with Operations.context(MigrationContext.configure(connection)):
            getattr(migration, step)()

    return run


STINTS = [
    {
        "organization_id": str(uuid.UUID(int=1)),
        "organization_kind": "college",
        "role": "lead",
        "joined_on": "2026-01-05",
        "left_on": None,
        "ended_by_dissolution": False,
    },
    {
        "organization_id": str(uuid.UUID(int=2)),
        "organization_kind": "enterprise",
        "role": "member",
        "joined_on": "2026-01-06",
        "left_on": "2026-02-01",
        "ended_by_dissolution": False,
    },
    {
        "organization_id": str(uuid.UUID(int=2)),
        "organization_kind": "enterprise",
        "role": "core",
        "joined_on": "2026-03-01",
        "left_on": None,
        "ended_by_dissolution": False,
    },
]
REQUESTS = [
    {
        "id": str(uuid.UUID(int=11)),
        "organization_id": str(uuid.UUID(int=2)),
        "organization_kind": "enterprise",
        "requested_role": "member",
        "status": "approved",
        "reason": None,
        "requested_on": "2026-01-06",
        "decided_on": "2026-01-06",
    },
    {
        "id": str(uuid.UUID(int=12)),
        "organization_id": str(uuid.UUID(int=3)),
        "organization_kind": "association",
        "requested_role": "observer",
        "status": "pending",
        "reason": None,
        "requested_on": "2026-03-02",
        "decided_on": None,
    },
]


async def insert_old_shape(
    conn: AsyncConnection, consortium_id: uuid.UUID, stints: list[Json], requests: list[Json]
) -> None:
    await conn.execute(
        sa.text(
            """INSERT INTO consortia.consortia (id, version, created_at, updated_at, name, kind, charter,
                 lead_organization_id, status, memberships, join_requests, member_organization_ids)
               VALUES (:id, 7, now(), now(), 'Old', 'project', 'charter', :lead, 'active', CAST(:m AS jsonb),
                 CAST(:r AS jsonb), ARRAY[CAST(:a AS uuid), CAST(:b AS uuid)])"""
        ),
        {
            "id": consortium_id,
            "lead": uuid.UUID(int=1),
            "m": json.dumps(stints),
            "r": json.dumps(requests),
            "a": uuid.UUID(int=1),
            "b": uuid.UUID(int=2),
        },
    )


async def test_migration_0005_moves_the_lists_into_rows_and_back(engine: AsyncEngine) -> None:
    consortium_id, before_0003 = uuid.uuid4(), uuid.uuid4()
    # A stint written before 0003 has no ended_by_dissolution: it reads as false.
    old_stints = [{k: v for k, v in s.items() if k != "ended_by_dissolution"} for s in STINTS]
    old_requests = [{**r, "id": str(uuid.uuid4())} for r in REQUESTS]
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            await conn.run_sync(run_migration("downgrade"))
            await insert_old_shape(conn, consortium_id, STINTS, REQUESTS)
            await insert_old_shape(conn, before_0003, old_stints, old_requests)
            await conn.run_sync(run_migration("upgrade"))

            rows = await conn.execute(
                sa.text(
                    "SELECT position, organization_id::text, role, left_on, ended_by_dissolution "
                    "FROM consortia.memberships WHERE consortium_id = :c ORDER BY position"
                ),
                {"c": consortium_id},
            )
            assert [tuple(r) for r in rows] == [
                (0, str(uuid.UUID(int=1)), "lead", None, False),
                (1, str(uuid.UUID(int=2)), "member", date(2026, 2, 1), False),
                (2, str(uuid.UUID(int=2)), "core", None, False),
            ]
            session = AsyncSession(bind=conn)
            for cid, requests in ((consortium_id, REQUESTS), (before_0003, old_requests)):
                c = await ConsortiumRepository(session).require(cid)
                assert (c.version, [m.role for m in c.memberships]) == (7, ["lead", "member", "core"])
                assert [(str(r.id), r.status) for r in c.join_requests] == [
                    (requests[0]["id"], JoinRequestStatus.APPROVED),
                    (requests[1]["id"], JoinRequestStatus.PENDING),
                ]
                assert [m.organization_id for m in c.active_memberships] == [uuid.UUID(int=1), uuid.UUID(int=2)]
            # The open-stints index answers "the consortia this organisation is in", as the array did.
            found, _ = await ConsortiumRepository(session).search(
                organization_id=uuid.UUID(int=2), status=None, kind=None, limit=200, offset=0
            )
            assert {consortium_id, before_0003} <= {x.id for x in found}

            await conn.run_sync(run_migration("downgrade"))
            row = (
                await conn.execute(
                    sa.text(
                        "SELECT memberships, join_requests, member_organization_ids::text[] "
                        "FROM consortia.consortia WHERE id = :c"
                    ),
                    {"c": consortium_id},
                )
            ).one()
            stored = [json.loads(v) if isinstance(v, str) else v for v in (row[0], row[1])]
            assert stored == [STINTS, REQUESTS]
            assert row[2] == [str(uuid.UUID(int=1)), str(uuid.UUID(int=2))]
            await conn.run_sync(run_migration("upgrade"))
        finally:
            await transaction.rollback()


# ------------------------------------------------------------------------------------ distribution sums in SQL

LEDGER_CONSORTIUM = uuid.UUID("00000000-0000-0000-0000-0000000000c1")
SEED_LEDGER = f"""
    INSERT INTO consortia.contributions (id, version, created_at, updated_at, consortium_id, organization_id, kind,
        quantity, unit, valuation, currency, contributed_on)
    SELECT gen_random_uuid(), 1, now(), now(),
        CASE WHEN i % 5 = 0 THEN gen_random_uuid() ELSE '{LEDGER_CONSORTIUM}'::uuid END,
        ('00000000-0000-0000-0000-0000000000' || lpad((i % 13)::text, 2, '0'))::uuid,
        (ARRAY['funding', 'equipment_hours', 'mentor_hours', 'placements', 'data', 'ip'])[1 + i % 6],
        1 + i % 4, 'lot',
        -- Cents that do not add up nicely in binary floating point, and some zero lines.
        CASE WHEN i % 17 = 0 THEN 0 ELSE round((i * 7919 % 1000003) / 100.0, 2) END,
        CASE WHEN i % 31 = 0 THEN 'USD' ELSE 'CNY' END,
        date '2025-01-01' + (i % 400)
    FROM generate_series(1, 3000) AS i
"""


async def test_sql_valued_totals_equal_the_python_sum(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        transaction = await conn.begin()
        try:
            await conn.exec_driver_sql(SEED_LEDGER)
            session = AsyncSession(bind=conn)
            rows = (await conn.execute(sa.select(contributions_table))).all()
            lines = [Contribution.model_validate(dict(r._mapping)) for r in rows]
            repository = ContributionRepository(session)
            cases: list[tuple[date, date, list[ContributionKind] | None]] = [
                (date(2025, 1, 1), date(2026, 12, 31), None),
                (date(2025, 3, 1), date(2025, 9, 30), [ContributionKind.FUNDING]),
                (date(2025, 2, 14), date(2025, 2, 14), None),  # one day: both ends inclusive
                (date(2025, 6, 1), date(2025, 12, 31), [ContributionKind.IP, ContributionKind.DATA]),
                (date(2030, 1, 1), date(2030, 12, 31), None),  # nothing in the period
            ]
            for period_from, period_to, kinds in cases:
                in_sql = await repository.valued_totals(
                    LEDGER_CONSORTIUM, period_from=period_from, period_to=period_to, kinds=kinds
                )
                in_python = valued_totals(lines, LEDGER_CONSORTIUM, period_from, period_to, kinds)
                assert in_sql == in_python, (period_from, period_to, kinds)
                assert all(t.valuation == t.valuation.quantize(Decimal("0.01")) for t in in_sql)
            full = await repository.valued_totals(
                LEDGER_CONSORTIUM, period_from=date(2025, 1, 1), period_to=date(2026, 12, 31), kinds=None
            )
            assert len(full) == 26  # 13 organisations in 2 currencies each: the seed reaches every group
        finally:
            await transaction.rollback()
