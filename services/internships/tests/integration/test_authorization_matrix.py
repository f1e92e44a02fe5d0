"""Internships' authorization matrix: every route by every kind of caller (dovetail_shared.testing.matrix).

Parties: ``posting_firm`` (admin of the firm that posts), ``other_firm`` (admin of another verified firm),
``learner`` (the placed learner, with placement consent to the firm), ``other_learner`` (a learner of the same
college who consented to the firm too but has applied to nothing), ``teacher`` (the supervising teacher),
``other_teacher`` (a teacher of another college), ``mentor`` (the firm's mentor of the placements), ``college``
(the learner's college's admin), ``operator`` and ``anonymous``.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from dovetail_shared.testing.contracts import openapi_path
from dovetail_shared.testing.matrix import Row, World, assert_rows_cover, run_matrix

from .conftest import Api, add_learner

pytestmark = pytest.mark.integration

PARTIES = {
    "posting_firm",
    "other_firm",
    "learner",
    "other_learner",
    "teacher",
    "other_teacher",
    "mentor",
    "college",
    "operator",
    "anonymous",
}
APPLICATION_VIEW = {"posting_firm", "learner", "teacher", "college", "operator"}  # policy.can_view_application
PLACEMENT_VIEW = {"posting_firm", "mentor", "learner", "teacher", "college", "operator"}  # can_view_placement
# A placement whose mentor and teacher are not named yet: they are outsiders to it.
UNSUPERVISED_VIEW = PLACEMENT_VIEW - {"mentor", "teacher"}
LOGBOOK_VIEW = {"learner", "mentor", "teacher", "college", "operator"}  # policy.can_read_logbook
POSTING_STAFF = {"posting_firm", "operator"}  # who sees a draft


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PARTIES, status)


def signed_in(status: int) -> dict[str, int]:
    return everyone(status) | {"anonymous": 401}


def hidden(allowed: dict[str, int], insiders: set[str]) -> dict[str, int]:
    """Outsiders get 404 (they may not learn it exists); insiders without the right 403; anonymous 401."""
    out = {p: (allowed.get(p, 403) if p in insiders else 404) for p in PARTIES}
    return out | allowed | {"anonymous": 401}


def only(allowed: dict[str, int]) -> dict[str, int]:
    return {p: allowed.get(p, 403) for p in PARTIES} | {"anonymous": 401}


def seen(key: str, parties: set[str], field: str = "id"):  # type: ignore[no-untyped-def]
    def check(party: str, w: World, body: Any) -> None:
        ids = {x[field] for x in body["items"]}
        assert (w.ids[key] in ids) == (party in parties), ids

    return check


def ids(**names: str):  # type: ignore[no-untyped-def]
    return lambda w: {param: w.ids[key] for param, key in names.items()}


PL = "/placements/{placement_id}"
AP = "/applications/{application_id}"
ENTRY = {"entry_date": "2026-12-01", "start_time": "09:00", "end_time": "12:00", "tasks": "Fixture checks"}
INSURANCE = {"policy_number": "P-9", "insurer": "PICC", "valid_from": "2026-11-01", "valid_to": "2027-02-28"}
ROWS: list[Row] = [
    Row("GET", "/healthz", everyone(200)),
    Row("GET", "/readyz", everyone(200)),
    Row("GET", "/rule-set", signed_in(200)),
    Row("POST", "/postings", only({"posting_firm": 201, "other_firm": 201}), body=lambda w: w.data["posting_body"]),
    Row("GET", "/postings", signed_in(200), sees=seen("draft", POSTING_STAFF)),
    Row("GET", "/postings/{posting_id}", signed_in(200), params=ids(posting_id="open")),
    Row(
        "POST",
        "/postings/{posting_id}/open",
        hidden({"posting_firm": 200}, POSTING_STAFF),
        params=ids(posting_id="draft"),
    ),
    Row("POST", "/postings/{posting_id}/close", only({"posting_firm": 200}), params=ids(posting_id="open")),
    Row(
        "POST",
        "/postings/{posting_id}/applications",
        only({"learner": 201, "other_learner": 201}),
        params=ids(posting_id="open"),
        body=lambda w: {"cover_letter": "Hello"},
    ),
    Row("GET", "/applications", signed_in(200), sees=seen("submitted", APPLICATION_VIEW)),
    Row(
        "GET",
        AP,
        hidden(dict.fromkeys(APPLICATION_VIEW, 200), APPLICATION_VIEW),
        params=ids(application_id="submitted"),
    ),
    Row(
        "POST",
        AP + "/shortlist",
        hidden({"posting_firm": 200}, APPLICATION_VIEW),
        params=ids(application_id="submitted"),
    ),
    Row("POST", AP + "/offer", hidden({"posting_firm": 200}, APPLICATION_VIEW), params=ids(application_id="submitted")),
    Row(
        "POST",
        AP + "/reject",
        hidden({"posting_firm": 200}, APPLICATION_VIEW),
        params=ids(application_id="submitted"),
        body=lambda w: {"reason": "Positions taken"},
    ),
    Row("POST", AP + "/withdraw", hidden({"learner": 200}, APPLICATION_VIEW), params=ids(application_id="submitted")),
    Row("POST", AP + "/accept", hidden({"learner": 200}, APPLICATION_VIEW), params=ids(application_id="offered")),
    Row("GET", "/placements", signed_in(200), sees=seen("active", PLACEMENT_VIEW)),
    Row("GET", PL, hidden(dict.fromkeys(PLACEMENT_VIEW, 200), PLACEMENT_VIEW), params=ids(placement_id="active")),
    Row(
        "POST",
        PL + "/mentor",
        hidden({"posting_firm": 200}, UNSUPERVISED_VIEW),
        params=ids(placement_id="confirmed"),
        body=lambda w: {"mentor_sub": w.data["mentor_sub"]},
    ),
    Row(
        "POST",
        PL + "/teacher",
        hidden({"college": 200}, UNSUPERVISED_VIEW),
        params=ids(placement_id="confirmed"),
        body=lambda w: {"teacher_sub": w.data["teacher_sub"]},
    ),
    Row(
        "POST",
        PL + "/sign",
        hidden({"learner": 200, "posting_firm": 200, "college": 200}, UNSUPERVISED_VIEW),
        params=ids(placement_id="confirmed"),
    ),
    Row(
        "POST",
        PL + "/insurance",
        hidden({"posting_firm": 200, "college": 200}, UNSUPERVISED_VIEW),
        params=ids(placement_id="confirmed"),
        body=lambda w: INSURANCE,
    ),
    Row(
        "POST",
        PL + "/activate",
        hidden({"posting_firm": 200, "college": 200}, PLACEMENT_VIEW),
        params=ids(placement_id="ready"),
    ),
    Row(
        "POST",
        PL + "/complete",
        hidden({"teacher": 200, "college": 200}, PLACEMENT_VIEW),
        params=ids(placement_id="evaluated"),
    ),
    Row(
        "POST",
        PL + "/terminate",
        hidden({"posting_firm": 200, "college": 200}, PLACEMENT_VIEW),
        params=ids(placement_id="active"),
        body=lambda w: {"reason": "college_request"},
    ),
    Row(
        "POST",
        PL + "/evaluations",
        hidden({"mentor": 201, "teacher": 201}, PLACEMENT_VIEW),
        params=ids(placement_id="active"),
        body=lambda w: {"scores": [], "grade": "pass"},
    ),
    Row(
        "GET",
        PL + "/evaluations",
        hidden(dict.fromkeys(LOGBOOK_VIEW, 200), PLACEMENT_VIEW),
        params=ids(placement_id="active"),
    ),
    Row(
        "POST",
        PL + "/rating",
        hidden({"learner": 201}, PLACEMENT_VIEW),
        params=ids(placement_id="active"),
        body=lambda w: {"score": 4},
    ),
    Row("GET", "/firms/{firm_id}/rating", signed_in(200), params=lambda w: {"firm_id": w.data["firm"]}),
    Row(
        "POST",
        PL + "/logbook",
        hidden({"learner": 201}, PLACEMENT_VIEW),
        params=ids(placement_id="active"),
        body=lambda w: ENTRY,
    ),
    Row(
        "GET",
        PL + "/logbook",
        hidden(dict.fromkeys(LOGBOOK_VIEW, 200), PLACEMENT_VIEW),
        params=ids(placement_id="active"),
    ),
    Row(
        "GET",
        PL + "/logbook/weeks",
        hidden(dict.fromkeys(LOGBOOK_VIEW, 200), PLACEMENT_VIEW),
        params=ids(placement_id="active"),
    ),
    Row(
        "POST", "/logbook-entries/{entry_id}/sign", hidden({"mentor": 200}, LOGBOOK_VIEW), params=ids(entry_id="entry")
    ),
    Row(
        "POST",
        "/logbook-entries/{entry_id}/return",
        hidden({"mentor": 200}, LOGBOOK_VIEW),
        params=ids(entry_id="entry"),
        body=lambda w: {"comment": "Add the cell number"},
    ),
]


async def make_world(api: Api) -> World:
    o = api.orgs
    mentor_sub, teacher_sub = f"mentor-{uuid.uuid4().hex[:6]}", f"teacher-{uuid.uuid4().hex[:6]}"
    who = await api.learner()
    subs = {"mentor_sub": mentor_sub, "teacher_sub": teacher_sub}
    # The learner's placements first (accepting withdraws the learner's live applications), then the applications.
    active = await api.active(who=who, **subs)
    evaluated = await api.active(who=who, **subs)
    ready = await api.active(who=who, activate=False, **subs)
    confirmed = await api.accepted(who=who)
    assert active.mentor and active.teacher and active.placement and evaluated.placement
    assert ready.placement and confirmed.placement
    for evaluator in (active.mentor, active.teacher):
        await api.ok("POST", f"/placements/{evaluated.placement['id']}/evaluations", evaluator, {"grade": "good"}, 201)
    entry = (await api.entry(active)).json()
    submitted = await api.applied(who=who)
    offered = await api.applied(who=who)
    assert submitted.application and offered.application
    await api.ok("POST", f"/applications/{offered.application['id']}/offer", api.firm_admin())
    draft = await api.posting(open_=False)
    open_ = await api.posting()
    other_sub = f"other-{uuid.uuid4().hex[:6]}"
    await add_learner(api.engine, o.college, sub=other_sub, firms=[o.firm])
    return World(
        ids={
            "draft": draft["id"],
            "open": open_["id"],
            "submitted": submitted.application["id"],
            "offered": offered.application["id"],
            "active": active.placement["id"],
            "evaluated": evaluated.placement["id"],
            "ready": ready.placement["id"],
            "confirmed": confirmed.placement["id"],
            "entry": entry["id"],
        },
        parties={
            "posting_firm": api.firm_admin(),
            "other_firm": api.firm_admin(o.other_firm),
            "learner": who[2],
            "other_learner": api.as_("learner", None, sub=other_sub),
            "teacher": active.teacher,
            "other_teacher": api.as_("teacher", o.other_college, sub=teacher_sub),
            "mentor": active.mentor,
            "college": api.college_admin(),
            "operator": api.as_("operator", None),
            "anonymous": {},
        },
        data={
            "firm": str(o.firm),
            "posting_body": api.posting_body(),
            "mentor_sub": mentor_sub,
            "teacher_sub": teacher_sub,
        },
    )


def test_every_route_has_a_row_naming_every_party() -> None:
    assert_rows_cover(json.loads(openapi_path("internships").read_text()), ROWS, PARTIES)


async def test_authorization_matrix(api: Api) -> None:
    wrong = await run_matrix(api.client, ROWS, lambda: make_world(api))
    assert not wrong, "authorization matrix broken:\n" + "\n".join(wrong)
