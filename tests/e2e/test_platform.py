"""End to end: the services started as real processes (role ``all``), driven over HTTP as a user would."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from curricula.main import get_settings
from dovetail_shared.auth import issue_token
from dovetail_shared.registry import names
from dovetail_shared.testing.kafka import header, read_topic
from dovetail_shared.testing.plugin import KAFKA, TEST_DATABASE_URL, require_infrastructure

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PREFIX = f"e2e-{uuid.uuid4().hex[:8]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DOVETAIL_ENVIRONMENT": "test",
        "DOVETAIL_DATABASE_URL": TEST_DATABASE_URL,
        "DOVETAIL_KAFKA_BOOTSTRAP_SERVERS": KAFKA,
        "DOVETAIL_TOPIC_PREFIX": PREFIX,
        "DOVETAIL_RELAY_POLL_INTERVAL_S": "0.5",
    }


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    require_infrastructure()
    logs = tmp_path_factory.mktemp("logs")
    urls: dict[str, str] = {}
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for name in names():
            subprocess.run([str(BIN / f"dovetail-{name}"), "migrate"], env=env(), check=True, capture_output=True)
            port = free_port()
            log = open(logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
            procs.append(
                subprocess.Popen(
                    [str(BIN / f"dovetail-{name}"), "all", "--port", str(port)],
                    env=env(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            urls[name] = f"http://127.0.0.1:{port}"
        for name, url in urls.items():
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail(f"{name} did not become ready: {(logs / f'{name}.log').read_text()[-3000:]}")
                time.sleep(0.3)
        yield urls
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def bearer(roles: list[str], org: str | None = None) -> dict[str, str]:
    settings = get_settings().with_overrides(environment="test")
    token = issue_token(settings, sub=f"e2e-{uuid.uuid4().hex[:6]}", org=uuid.UUID(org) if org else None, roles=roles)
    return {"Authorization": f"Bearer {token}"}


async def test_a_firm_vetted_in_consortia_co_authors_a_curriculum_whose_publication_reaches_kafka(
    platform: dict[str, str],
) -> None:
    consortia, curricula = platform["consortia"], platform["curricula"]
    operator = bearer(["operator"])
    async with httpx.AsyncClient(timeout=30) as http:
        orgs = {}
        for kind, size in (("college", None), ("enterprise", "sme")):
            r = await http.post(
                f"{consortia}/organizations",
                headers=operator,
                json={
                    "name": f"E2E {kind}",
                    "kind": kind,
                    "size": size,
                    "region": "CN-GD",
                    "registration_number": f"E2E-{uuid.uuid4().hex[:10]}",
                },
            )
            assert r.status_code == 201, r.text
            orgs[kind] = r.json()["id"]
        for org_id in orgs.values():
            r = await http.post(f"{consortia}/organizations/{org_id}/verify", headers=operator)
            assert r.status_code == 200 and r.json()["verification_status"] == "verified"

        college = bearer(["college_admin"], orgs["college"])
        firm = bearer(["firm_admin"], orgs["enterprise"])
        skills = (await http.get(f"{curricula}/openapi.json")).status_code  # the service answers
        assert skills == 200
        occupation, skill = _taxonomy_ids()
        body = {
            "title": "E2E mechatronics",
            "target_occupation": occupation,
            "level": "higher_vocational",
            "co_author_ids": [orgs["enterprise"]],
        }
        # The college may own and the firm co-author once curricula's consumer has read consortia's events:
        # until then curricula answers "not known here yet" (409, Retry-After) or, between the events, "not verified".
        deadline = time.monotonic() + 60
        while True:
            r = await http.post(f"{curricula}/curricula", headers=college, json=body)
            if r.status_code == 201:
                break
            rule = r.json()["violations"][0]["rule"]
            assert (r.status_code, rule) in {
                (409, "organization_not_known_yet"),
                (422, "verified_college_required"),
                (422, "verified_enterprise_required"),
            }, r.text
            assert time.monotonic() < deadline, "curricula never learnt that the firm was verified"
            await asyncio.sleep(0.5)
        cid = r.json()["id"]
        module = {
            "code": "M1",
            "title": "Assembly",
            "hours": 60,
            "outcomes": [{"description": "assemble units", "skills": [{"skill_id": skill, "level": 3}]}],
        }
        assert (
            await http.put(f"{curricula}/curricula/{cid}/draft", headers=college, json={"modules": [module]})
        ).status_code == 200
        assert (await http.post(f"{curricula}/curricula/{cid}/draft/submit", headers=college)).status_code == 200
        r = await http.post(f"{curricula}/curricula/{cid}/draft/reviews", headers=firm, json={"decision": "approve"})
        assert r.status_code == 200, r.text
        r = await http.post(f"{curricula}/curricula/{cid}/publish", headers=college)
        assert r.status_code == 200 and r.json()["published_version_number"] == 1

    records = await read_topic(
        KAFKA, f"{PREFIX}.curricula.curriculum", want=2, timeout_s=30, match=lambda rec: rec.key == cid.encode()
    )
    types = [header(rec, "ce_type") for rec in records]
    assert types == ["dovetail.curricula.curriculum.created.v1", "dovetail.curricula.version.published.v1"]
    published = json.loads(records[1].value)
    assert published["skills"] == [{"skill_id": skill, "level": 3, "hours": 60}]
    assert published["co_author_ids"] == [orgs["enterprise"]]


def _taxonomy_ids() -> tuple[str, str]:
    import csv

    from dovetail_shared.taxonomy import taxonomy_dir

    directory = taxonomy_dir()
    with open(directory / "occupation_skills.csv", newline="") as f:
        row = next(csv.DictReader(f))
    return row["occupation_id"], row["skill_id"]
