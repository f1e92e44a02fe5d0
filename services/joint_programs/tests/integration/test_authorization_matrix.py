"""Joint programs' authorization matrix: every route by every kind of caller (dovetail_shared.testing.matrix).

Parties: ``owner`` (admin of the owning college), ``other_college`` (admin of another college), ``partner``
(admin of a partner firm), ``non_partner`` (admin of a verified firm that is no partner), ``learner`` (the
roster entry linked to the token's ``sub``, enrolled, with consent for the program's partners),
``other_learner`` (a learner token of the same college linked to nobody), ``operator`` and ``anonymous``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from dovetail_shared.testing.contracts import openapi_path
from dovetail_shared.testing.matrix import Row, World, assert_rows_cover, run_matrix

from .conftest import Api, add_version

pytestmark = pytest.mark.integration

PARTIES = {"owner", "other_college", "partner", "non_partner", "learner", "other_learner", "operator", "anonymous"}
PARTNERSHIP = {"owner", "partner", "operator"}  # policy.can_view_program


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PARTIES, status)


def signed_in(status: int) -> dict[str, int]:
    return everyone(status) | {"anonymous": 401}


def hidden(allowed: dict[str, int], insiders: set[str] = PARTNERSHIP) -> dict[str, int]:
    """Outsiders get 404 (they may not learn it exists); insiders without the right 403; anonymous 401."""
    out = {p: (allowed.get(p, 403) if p in insiders else 404) for p in PARTIES}
    return out | {p: s for p, s in allowed.items()} | {"anonymous": 401}


def only(allowed: dict[str, int]) -> dict[str, int]:
    return {p: allowed.get(p, 403) for p in PARTIES} | {"anonymous": 401}


RECORD = {"owner", "learner"}  # policy.can_view_record


def programs_seen(party: str, w: World, body: Any) -> None:
    ids = {p["id"] for p in body["items"]}
    assert (w.ids["proposed"] in ids) == (party in PARTNERSHIP), ids


def roster_seen(party: str, w: World, body: Any) -> None:
    ids = {x["id"] for x in body["items"]}
    assert (w.ids["learner"] in ids) == (party == "owner"), ids


def profiles_seen(party: str, w: World, body: Any) -> None:
    refs = {x["ref"] for x in body["items"]}
    assert (w.data["ref"] in refs) == (party == "partner"), refs


def pid(name: str):  # type: ignore[no-untyped-def]
    return lambda w: {"program_id": w.ids[name]}


def cid(name: str):  # type: ignore[no-untyped-def]
    return lambda w: {"cohort_id": w.ids[name]}


def lid(w: World) -> dict[str, Any]:
    return {"learner_id": w.ids["learner"]}


P = "/programs/{program_id}"
C = "/cohorts/{cohort_id}"
L = "/learners/{learner_id}"
ROWS: list[Row] = [
    Row("GET", "/healthz", everyone(200)),
    Row("GET", "/readyz", everyone(200)),
    # Another college proposes a program of its own (its admin acts for its college): 201 too.
    Row("POST", "/programs", only({"owner": 201, "other_college": 201}), body=lambda w: w.data["program_body"]),
    Row("GET", "/programs", signed_in(200), sees=programs_seen),
    Row("GET", P, hidden(dict.fromkeys(PARTNERSHIP, 200)), params=pid("proposed")),
    Row("POST", P + "/approve", hidden({"partner": 200}), params=pid("proposed")),
    Row("POST", P + "/decline", hidden({"partner": 200}), params=pid("proposed"), body=lambda w: {"reason": "no"}),
    Row("POST", P + "/launch", hidden({"owner": 200}), params=pid("approved")),
    Row("POST", P + "/close", hidden({"owner": 200}), params=pid("running")),
    Row("POST", P + "/repin", hidden({"owner": 200}), params=pid("repin")),
    Row(
        "POST",
        P + "/cohorts",
        hidden({"owner": 201}),
        params=pid("approved"),
        body=lambda w: {
            "intake_term": "2027-spring",
            "seat_limit": 10,
            "start_date": "2027-02-20",
            "graduation_date": "2029-07-01",
        },
    ),
    Row("GET", P + "/cohorts", hidden(dict.fromkeys(PARTNERSHIP, 200)), params=pid("approved")),
    Row("GET", C, hidden(dict.fromkeys(PARTNERSHIP, 200)), params=cid("open")),
    Row("POST", C + "/open", hidden({"owner": 200}), params=cid("planned")),
    Row("POST", C + "/start", hidden({"owner": 200}), params=cid("running_open")),
    Row("POST", C + "/graduate", hidden({"owner": 200}), params=cid("running_cohort")),
    Row(
        "POST",
        C + "/enrolments",
        hidden({"owner": 201}),
        params=cid("open"),
        body=lambda w: {"learner_id": w.ids["new_learner"]},
    ),
    Row("GET", C + "/enrolments", hidden({"owner": 200}), params=cid("open")),
    Row(
        "POST",
        "/enrolments/{enrolment_id}/graduate",
        hidden({"owner": 200}),
        params=lambda w: {"enrolment_id": w.ids["enrolment"]},
    ),
    Row(
        "POST",
        "/enrolments/{enrolment_id}/withdraw",
        hidden({"owner": 200}),
        params=lambda w: {"enrolment_id": w.ids["enrolment"]},
    ),
    Row(
        "POST",
        "/learners",
        only({"owner": 201, "other_college": 201}),
        body=lambda w: {
            "name": "Wang Fang",
            "student_number": f"N{uuid.uuid4().hex[:8]}",
            "date_of_birth": "2007-05-01",
        },
    ),
    Row("GET", "/learners", only({"owner": 200, "other_college": 200}), sees=roster_seen),
    Row("GET", "/me", everyone(404) | {"learner": 200, "anonymous": 401}),
    Row("GET", L, hidden({"owner": 200, "learner": 200}, RECORD), params=lid),
    Row("DELETE", L, hidden({"owner": 200}, RECORD), params=lid),
    Row(
        "POST",
        L + "/consents",
        hidden({"learner": 201}, RECORD),
        params=lid,
        body=lambda w: {"purpose": "matching", "firm_id": w.data["non_partner"]},
    ),
    Row("GET", L + "/consents", hidden({"owner": 200, "learner": 200}, RECORD), params=lid),
    Row(
        "POST",
        "/consents/{consent_id}/withdraw",
        hidden({"learner": 200}, RECORD),
        params=lambda w: {"consent_id": w.ids["consent"]},
    ),
    Row("GET", "/profiles", only({"partner": 200, "non_partner": 200}), sees=profiles_seen),
    Row(
        "GET",
        "/profiles/{learner_ref}",
        everyone(404) | {"partner": 200, "anonymous": 401},
        params=lambda w: {"learner_ref": w.data["ref"]},
    ),
]


async def make_world(api: Api) -> World:
    o = api.orgs
    one = {"partner_ids": [str(o.firm_a)], "committed_intake": []}
    proposed = await api.propose(**one)
    approved = await api.approved(**one)
    planned = await api.cohort(approved, open_=False)
    open_ = await api.cohort(approved)
    running = await api.approved(**one)
    running_open = await api.cohort(running)
    started = await api.cohort(running)
    running = await api.step(f"/programs/{running['id']}/launch")
    started = await api.step(f"/cohorts/{started['id']}/start")
    enrolment = await api.enrol(started, await api.learner())
    other_curriculum = uuid.uuid4()
    await add_version(api.engine, other_curriculum, 2)
    await add_version(api.engine, other_curriculum, 3)
    repin = await api.propose(curriculum_id=str(other_curriculum), curriculum_version_number=2, **one)
    sub = f"learner-{uuid.uuid4().hex[:8]}"
    learner = await api.learner(sub=sub)
    await api.enrol(open_, learner)
    me = api.as_("learner", o.college, sub=sub)
    r = await api.client.post(
        f"/learners/{learner['id']}/consents", json={"purpose": "placement", "program_id": approved["id"]}, headers=me
    )
    assert r.status_code == 201, r.text
    consent = r.json()
    new_learner = await api.learner()
    return World(
        ids={
            "proposed": proposed["id"],
            "approved": approved["id"],
            "running": running["id"],
            "repin": repin["id"],
            "planned": planned["id"],
            "open": open_["id"],
            "running_open": running_open["id"],
            "running_cohort": started["id"],
            "enrolment": enrolment["id"],
            "learner": learner["id"],
            "new_learner": new_learner["id"],
            "consent": consent["id"],
        },
        parties={
            "owner": api.college_admin(),
            "other_college": api.as_("college_admin", o.other_college),
            "partner": api.firm_admin(o.firm_a),
            "non_partner": api.firm_admin(o.outsider),
            "learner": me,
            "other_learner": api.as_("learner", o.college, sub=f"nobody-{uuid.uuid4().hex[:6]}"),
            "operator": api.as_("operator", None),
            "anonymous": {},
        },
        data={
            "ref": learner["ref"],
            "non_partner": str(o.outsider),
            "program_body": api.program_body(**one),
        },
    )


def test_every_route_has_a_row_naming_every_party() -> None:
    assert_rows_cover(json.loads(openapi_path("joint_programs").read_text()), ROWS, PARTIES)


async def test_authorization_matrix(api: Api) -> None:
    wrong = await run_matrix(api.client, ROWS, lambda: make_world(api))
    assert not wrong, "authorization matrix broken:\n" + "\n".join(wrong)
