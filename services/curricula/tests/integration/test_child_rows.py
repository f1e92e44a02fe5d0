"""Versions and proposal reviews are child rows: a write touches only what it changes; migration 0006 moves data.

"Touches" is read from each row's ``xmin`` (the transaction that wrote its current tuple): a row the save did
not write keeps its ``xmin``.
"""

from __future__ import annotations

import importlib.util
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pydantic_core
import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from curricula.domain import ChangeProposal, Curriculum, CurriculumLevel, LearningOutcome, Module, ModuleDiff, SkillRef
from curricula.repository import CurriculumRepository, ProposalRepository
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.plans import seeded_session
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.integration

Json = dict[str, Any]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MIGRATION = Path(__file__).parents[2] / "migrations" / "versions" / "0006_child_tables.py"


async def version_xmins(engine: AsyncEngine, curriculum_id: str) -> dict[int, str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT number, xmin::text FROM curricula.curriculum_versions WHERE curriculum_id = :id"),
            {"id": uuid.UUID(curriculum_id)},
        )
        return {n: x for n, x in rows.all()}


async def root_xmin(engine: AsyncEngine, table: str, id: str) -> str:
    async with engine.connect() as conn:
        xmin = await conn.scalar(sa.text(f"SELECT xmin::text FROM curricula.{table} WHERE id = :id"), {"id": id})
    assert xmin is not None
    return str(xmin)


async def review_xmins(engine: AsyncEngine, proposal_id: str) -> dict[int, str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            sa.text("SELECT seq, xmin::text FROM curricula.proposal_reviews WHERE proposal_id = :id"),
            {"id": uuid.UUID(proposal_id)},
        )
        return {n: x for n, x in rows.all()}


async def test_editing_the_draft_writes_its_version_row_and_the_root_only(api: Any, engine: AsyncEngine) -> None:
    orgs = api.orgs
    c = await api.published(co_author_ids=[orgs.firm_a])
    # Version 1 retired, 2 published, 3 the draft.
    for _ in range(2):
        c = await api.step(c, "/draft", expect=201)
        if len(c["versions"]) == 2:
            c = await api.step(c, "/draft/submit")
            c = await api.review(c, orgs.firm_a)
            c = await api.step(c, "/publish")
    assert {v["number"]: v["status"] for v in c["versions"]} == {1: "retired", 2: "published", 3: "draft"}

    before, root_before = await version_xmins(engine, c["id"]), await root_xmin(engine, "curricula", c["id"])
    c = await api.put_draft(c, [api.module("W9", 70)])
    after = await version_xmins(engine, c["id"])
    assert after[3] != before[3], "the draft's row is written"
    assert {n: after[n] for n in (1, 2)} == {n: before[n] for n in (1, 2)}, "the other versions are not"
    assert await root_xmin(engine, "curricula", c["id"]) != root_before, "the root row carries the new version"

    # Submitting changes only the draft's status; the published and retired rows stay as they are.
    before = after
    c = await api.step(c, "/draft/submit")
    after = await version_xmins(engine, c["id"])
    assert after[3] != before[3] and {n: after[n] for n in (1, 2)} == {n: before[n] for n in (1, 2)}

    # Publishing writes the two versions it changes (new published, old retired), not the one retired earlier.
    c = await api.review(c, orgs.firm_a)
    before = await version_xmins(engine, c["id"])
    c = await api.step(c, "/publish")
    after = await version_xmins(engine, c["id"])
    assert after[1] == before[1] and after[2] != before[2] and after[3] != before[3]

    # Discarding a draft deletes its row and nothing else.
    c = await api.step(c, "/draft", expect=201)
    before = await version_xmins(engine, c["id"])
    r = await api.client.delete(f"/curricula/{c['id']}/draft", headers=api.college_admin(c["version"]))
    assert r.status_code == 200, r.text
    assert await version_xmins(engine, c["id"]) == {n: before[n] for n in (1, 2, 3)}


async def test_a_new_proposal_review_inserts_one_row(api: Any, engine: AsyncEngine) -> None:
    orgs = api.orgs
    c = await api.published(co_author_ids=[orgs.firm_a, orgs.firm_b], approval_rule="any_co_author")
    r = await api.client.post(
        f"/curricula/{c['id']}/proposals",
        json={"diff": {"add_modules": [api.module("P1", 30)]}, "rationale": "robots"},
        headers=api.firm_admin(orgs.firm_a),
    )
    assert r.status_code == 201, r.text
    p = r.json()
    reviews = [
        (api.firm_admin(orgs.firm_b), {"decision": "request_changes", "comment": "fewer hours"}),
        (api.college_admin(), {"decision": "approve"}),
        (api.firm_admin(orgs.firm_b), {"decision": "approve", "comment": "fine now"}),
    ]
    seen: dict[int, str] = {}
    for i, (headers, body) in enumerate(reviews, start=1):
        proposal_before = await root_xmin(engine, "change_proposals", p["id"])
        r = await api.client.post(f"/proposals/{p['id']}/reviews", json=body, headers=headers)
        assert r.status_code == 200, r.text
        p = r.json()
        now = await review_xmins(engine, p["id"])
        assert sorted(now) == list(range(1, i + 1)), "one row per review, in order"
        assert {n: now[n] for n in seen} == seen, "earlier reviews are not rewritten"
        assert await root_xmin(engine, "change_proposals", p["id"]) != proposal_before
        seen = now
    assert [(x["organization_id"], x["decision"]) for x in p["reviews"]] == [
        (str(orgs.firm_b), "request_changes"),
        (str(orgs.college), "approve"),
        (str(orgs.firm_b), "approve"),
    ]
    r = await api.client.post(f"/proposals/{p['id']}/accept", headers=api.college_admin(p["version"]))
    assert r.status_code == 200, r.text
    assert await review_xmins(engine, p["id"]) == seen, "accepting rewrites no review"


def _load_migration() -> Any:
    spec = importlib.util.spec_from_file_location("curricula_migration_0006", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(connection: sa.Connection, step: str) -> None:
    with Operations.context(MigrationContext.configure(connection)):
        getattr(_load_migration(), step)()


def _stored_shape(c: Curriculum, p: ChangeProposal) -> tuple[Any, Any]:
    """The JSON lists as the service wrote them before 0006 (the engine's serializer is pydantic_core's)."""
    versions = pydantic_core.to_json([v.model_dump() for v in c.versions]).decode()
    reviews = pydantic_core.to_json([r.model_dump() for r in p.reviews]).decode()
    return versions, reviews


def _aggregates() -> tuple[Curriculum, ChangeProposal]:
    college, firm = uuid.uuid4(), uuid.uuid4()
    module = Module(
        code="W1",
        title="Welding",
        hours=40,
        outcomes=[LearningOutcome(description="weld", skills=[SkillRef(skill_id="s-weld", level=2)])],
    )
    c, _ = Curriculum.create(
        college_id=college,
        title="Welding",
        target_occupation="occ",
        level=CurriculumLevel.HIGHER_VOCATIONAL,
        co_author_ids=[firm],
        now=NOW,
    )
    c.replace_draft_modules([module], now=NOW)
    c.submit_for_review(now=NOW)
    c.review_version(firm, "request_changes", "more", now=NOW)
    c.submit_for_review(now=NOW)
    c.review_version(firm, "approve", "ok", now=NOW)
    c.publish(NOW.date(), now=NOW)
    c.start_draft(now=NOW)
    c.version = 6
    p, _ = ChangeProposal.submit(
        c, firm, ModuleDiff(add_modules=[module.model_copy(update={"code": "P1"})]), "why", now=NOW
    )
    p.review(c, college, "request_changes", "no", now=NOW)
    p.review(c, college, "approve", "yes", now=NOW)
    p.version = 3
    return c, p


async def test_migration_0006_moves_versions_and_reviews_to_rows_and_back(settings: ServiceSettings) -> None:
    from dovetail_shared.db import make_engine

    engine = make_engine(settings, pool_size=1, max_overflow=0)
    c, p = _aggregates()
    versions, reviews_json = _stored_shape(c, p)
    try:
        # All of it in one transaction rolled back at the end: the shared test schema stays at head.
        async with seeded_session(engine) as (conn, session, _recorder):
            await conn.run_sync(_run, "downgrade")
            root = CurriculumRepository(session)._to_row(c)
            await conn.execute(
                sa.text(
                    "INSERT INTO curricula.curricula (id, version, created_at, updated_at, college_id, title, title_zh,"
                    " target_occupation, level, consortium_id, co_author_ids, approval_rule, versions,"
                    " published_version_number, public_version, public_updated_at) VALUES (:id, :version,"
                    " :created_at, :updated_at, :college_id, :title, NULL, :target_occupation, :level, NULL,"
                    " :co_author_ids, :approval_rule, CAST(CAST(:versions AS text) AS jsonb),"
                    " :published_version_number, :public_version, :public_updated_at)"
                ),
                {**{k: v for k, v in root.items() if k not in ("title_zh", "consortium_id")}, "versions": versions},
            )
            await conn.execute(
                sa.text(
                    "INSERT INTO curricula.change_proposals (id, version, created_at, updated_at, curriculum_id,"
                    " proposer_org_id, base_version_number, rationale, diff, status, reviews) VALUES (:id, :version,"
                    " :created_at, :updated_at, :curriculum_id, :proposer_org_id, :base_version_number, :rationale,"
                    " CAST(CAST(:diff AS text) AS jsonb), :status, CAST(CAST(:reviews AS text) AS jsonb))"
                ),
                {
                    "id": p.id,
                    "version": p.version,
                    "created_at": p.created_at,
                    "updated_at": p.updated_at,
                    "curriculum_id": c.id,
                    "proposer_org_id": p.proposer_org_id,
                    "base_version_number": p.base_version_number,
                    "rationale": p.rationale,
                    "diff": pydantic_core.to_json(p.diff.model_dump()).decode(),
                    "status": str(p.status),
                    "reviews": reviews_json,
                },
            )

            await conn.run_sync(_run, "upgrade")
            assert await CurriculumRepository(session).get(c.id) == c
            assert await ProposalRepository(session).get(p.id) == p
            counts = await conn.execute(
                sa.text(
                    "SELECT (SELECT count(*) FROM curricula.curriculum_versions WHERE curriculum_id = :c),"
                    " (SELECT count(*) FROM curricula.proposal_reviews WHERE proposal_id = :p)"
                ),
                {"c": c.id, "p": p.id},
            )
            assert tuple(counts.one()) == (2, 2)

            await conn.run_sync(_run, "downgrade")
            back = await conn.execute(
                sa.text(
                    "SELECT (SELECT versions FROM curricula.curricula WHERE id = :c),"
                    " (SELECT reviews FROM curricula.change_proposals WHERE id = :p)"
                ),
                {"c": c.id, "p": p.id},
            )
            versions_back, reviews = back.one()
            assert Curriculum.model_validate({**c.model_dump(), "versions": versions_back}) == c
            assert ChangeProposal.model_validate({**p.model_dump(), "reviews": reviews}) == p
    finally:
        await engine.dispose()
