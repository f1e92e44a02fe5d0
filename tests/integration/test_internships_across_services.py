"""Across three services over the real broker: consortia vets the college and the firm; joint programs registers a
learner who gives the firm a placement consent; internships learns all of it from their events. The learner applies,
is offered, accepts, the agreement is signed by the three parties, hours are logged (a 9-hour day and a 23:00 entry
refused with their rule), the mentor signs, both evaluate, and a plain Kafka client reads the completion event with
its skill evidence. Withdrawing the consent in joint programs stops the next application."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from consortia.main import SPEC as CONSORTIA
from dovetail_shared.clock import FixedClock
from dovetail_shared.events.base import topic_for
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.runner import build_consumers
from dovetail_shared.runtime import Runtime
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.kafka import read_topic
from dovetail_shared.testing.plugin import auth, make_token, migrate_once, service_client
from internships.main import SPEC as INTERNSHIPS
from joint_programs.main import SPEC as JOINT_PROGRAMS

pytestmark = pytest.mark.integration

Json = dict[str, Any]
SPECS = {"consortia": CONSORTIA, "joint_programs": JOINT_PROGRAMS, "internships": INTERNSHIPS}
NOW = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # internships' clock: Friday, the week of 30 November is logged
SKILL = "http://data.europa.eu/esco/skill/00506f28-e884-4496-800c-3477c67eb355"


@pytest.fixture(scope="module")
def all_settings() -> dict[str, ServiceSettings]:
    return {name: migrate_once(spec) for name, spec in SPECS.items()}


@pytest.fixture
async def clients(all_settings: dict[str, ServiceSettings]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    clocks = {"internships": FixedClock(NOW)}
    gens = {n: service_client(s, all_settings[n], clocks.get(n)) for n, s in SPECS.items()}
    out = {name: await gen.__anext__() for name, gen in gens.items()}
    yield out
    for gen in gens.values():
        await gen.aclose()


@pytest.fixture
async def pipeline(all_settings: dict[str, ServiceSettings]) -> AsyncIterator[dict[str, Runtime]]:
    """Every service's relay, joint programs' and internships' consumers, as their roles run them."""
    runtimes = {n: Runtime(s, all_settings[n]) for n, s in SPECS.items()}
    workers: list[Any] = [
        *(OutboxRelay(all_settings[n], runtimes[n].engine, s.messaging) for n, s in SPECS.items()),
        *build_consumers(JOINT_PROGRAMS, runtimes["joint_programs"]),
        *build_consumers(INTERNSHIPS, runtimes["internships"]),
    ]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        yield runtimes
    finally:
        for w in workers:
            w.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        for rt in runtimes.values():
            await rt.close()


async def until(call: Callable[[], Awaitable[httpx.Response]], status: int, timeout: float = 90.0) -> httpx.Response:
    """Repeat a request while the projections catch up, until it answers ``status``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        r = await call()
        if r.status_code == status or asyncio.get_running_loop().time() > deadline:
            assert r.status_code == status, r.text
            return r
        await asyncio.sleep(0.2)


async def ok(r: Awaitable[httpx.Response], status: int = 200) -> Json:
    response = await r
    assert response.status_code == status, response.text
    out: Json = response.json()
    return out


async def test_a_consenting_learner_is_placed_logs_hours_and_completes_with_evidence(
    pipeline: dict[str, Runtime], clients: dict[str, httpx.AsyncClient], all_settings: dict[str, ServiceSettings]
) -> None:
    consortia, programs, internships = clients["consortia"], clients["joint_programs"], clients["internships"]
    token = make_token(all_settings["consortia"])
    operator = auth(token("operator"))

    async def register(name: str, kind: str) -> uuid.UUID:
        body = {"name": name, "kind": kind, "region": "Suzhou", "registration_number": f"9132{uuid.uuid4().hex[:14]}"}
        if kind == "enterprise":
            body["size"] = "large"
        org = await ok(consortia.post("/organizations", json=body, headers=auth(token("firm_admin"))), 201)
        await ok(consortia.post(f"/organizations/{org['id']}/verify", headers=operator))
        return uuid.UUID(org["id"])

    college = await register("Suzhou Vocational College", "college")
    firm = await register("Suzhou Precision Welding Co.", "enterprise")
    college_admin = auth(token("college_admin", org=college))
    firm_admin = auth(token("firm_admin", org=firm))
    sub = f"learner-{uuid.uuid4().hex[:8]}"
    me = auth(token("learner", org=college, sub=sub))

    # Joint programs: the learner on the roster, with their own account; a placement consent to the firm.
    n = uuid.uuid4().hex[:6]
    learner = await ok(
        programs.post(
            "/learners",
            json={"name": f"Li {n}", "student_number": f"S{n}", "date_of_birth": "2006-03-14", "account_subject": sub},
            headers=college_admin,
        ),
        201,
    )
    consent = (
        await until(
            lambda: programs.post(
                f"/learners/{learner['id']}/consents", json={"purpose": "placement", "firm_id": str(firm)}, headers=me
            ),
            201,
        )
    ).json()

    # Internships: the firm (verified, from consortia's events) posts; the learner (from joint programs') applies.
    posting_body = {
        "title": "Welding robot operator intern",
        "positions": 2,
        "skills": [{"skill_id": SKILL, "level": 2}],
        "start_date": "2026-11-02",
        "end_date": "2027-01-29",
        "stipend": "3200.00",
        "post_wage": "4000.00",
        "firm_staff": 300,
        "post_staff": 20,
    }
    posting = (await until(lambda: internships.post("/postings", json=posting_body, headers=firm_admin), 201)).json()
    await ok(internships.post(f"/postings/{posting['id']}/open", headers=firm_admin))
    application = (
        await until(lambda: internships.post(f"/postings/{posting['id']}/applications", json={}, headers=me), 201)
    ).json()
    assert application["learner_ref"] == learner["ref"]
    await ok(internships.post(f"/applications/{application['id']}/offer", headers=firm_admin))
    placement = (await ok(internships.post(f"/applications/{application['id']}/accept", headers=me)))["placement"]
    pid = placement["id"]
    mentor = auth(token("mentor", org=firm, sub="mentor-wang"))
    teacher = auth(token("teacher", org=college, sub="teacher-zhao"))
    await ok(internships.post(f"/placements/{pid}/mentor", json={"mentor_sub": "mentor-wang"}, headers=firm_admin))
    await ok(
        internships.post(f"/placements/{pid}/teacher", json={"teacher_sub": "teacher-zhao"}, headers=college_admin)
    )
    for party in (me, firm_admin, college_admin):
        await ok(internships.post(f"/placements/{pid}/sign", headers=party))
    insurance = {"policy_number": "PICC-1", "insurer": "PICC", "valid_from": "2026-11-01", "valid_to": "2027-02-28"}
    await ok(internships.post(f"/placements/{pid}/insurance", json=insurance, headers=college_admin))
    await ok(internships.post(f"/placements/{pid}/activate", headers=college_admin))

    def day(**kw: Any) -> Json:
        return {
            "entry_date": "2026-11-30",
            "start_time": "09:00",
            "end_time": "17:00",
            "break_minutes": 60,
            "tasks": "Welding cell set-up",
            "skills": [SKILL],
        } | kw

    nine = await internships.post(f"/placements/{pid}/logbook", json=day(end_time="19:00"), headers=me)
    assert nine.status_code == 422 and nine.json()["violations"][0]["rule"] == "daily_hours", nine.text
    late = await internships.post(
        f"/placements/{pid}/logbook", json=day(start_time="23:00", end_time="23:50", break_minutes=0), headers=me
    )
    assert late.status_code == 422 and late.json()["violations"][0]["rule"] == "night_work", late.text
    entry = await ok(internships.post(f"/placements/{pid}/logbook", json=day(), headers=me), 201)
    await ok(internships.post(f"/logbook-entries/{entry['id']}/sign", headers=mentor))
    for evaluator in (mentor, teacher):
        body = {"scores": [{"skill_id": SKILL, "score": 4}], "grade": "good"}
        await ok(internships.post(f"/placements/{pid}/evaluations", json=body, headers=evaluator), 201)
    await ok(internships.post(f"/placements/{pid}/complete", headers=teacher))

    # A plain Kafka client reads the completion event with its evidence.
    topic = topic_for(all_settings["internships"].topic_prefix, "internships", "placement")
    records = await read_topic(
        all_settings["internships"].kafka_bootstrap_servers,
        topic,
        timeout_s=60,
        match=lambda r: json.loads(r.value)["placement_id"] == pid and b"completed" in dict(r.headers)["ce_type"],
    )
    assert len(records) == 1
    completed = json.loads(records[0].value)
    assert completed["signed_hours"] == 7.0
    assert completed["practised"] == [{"skill_id": SKILL, "signed_hours": 7.0}]
    assert sorted(e["evaluator_role"] for e in completed["evaluations"]) == ["mentor", "teacher"]
    assert completed["learner_ref"] == learner["ref"]

    # The learner withdraws the consent in joint programs: the next application is refused, naming it.
    await ok(programs.post(f"/consents/{consent['id']}/withdraw", headers=me))
    second = (await until(lambda: internships.post("/postings", json=posting_body, headers=firm_admin), 201)).json()
    await ok(internships.post(f"/postings/{second['id']}/open", headers=firm_admin))
    refused = await until(lambda: internships.post(f"/postings/{second['id']}/applications", json={}, headers=me), 403)
    assert refused.json()["violations"][0]["rule"] == "placement_consent_required"
