"""Schemathesis hooks for scripts/fuzz.sh: a fresh target per case, where an operation consumes its target.

Pinned ids (schemathesis.toml, from scripts/fuzz_seed.py) get the fuzzer past 404, but an operation that moves
its target on (approve, launch, open, withdraw, verify...) succeeds once and answers 409 for the rest of the run.
Before each call whose path parameters are not themselves the fuzzed part (negative path cases are left alone),
the hook here:

- gives the case a fresh target in the state the operation needs (a proposed program, an open cohort, an
  enrolment, a consent...), made through the services' own APIs;
- (the party the rule names acts: fuzz_seed.py gives those operations its token in schemathesis.toml)
- puts the target's current version in a positive case's ``If-Match`` (taken from a GET, as a client does);
- (map_case) for the first ``VALID_CASES`` positive cases of an operation whose request body needs real ids or
  cross-field rules the schema cannot say (ADR 0016), generates a valid body instead of a random one.

Every replaced part is revalidated by schemathesis (it marks the case dirty), so its checks judge the request as
sent. Loaded through ``hooks = ...`` in each service's schemathesis.toml; reads ``seeds.json`` from the working
directory (the service's report folder), written by scripts/fuzz_seed.py.
"""

from __future__ import annotations

import json
import sys
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from schemathesis.core.parameters import ParameterLocation

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_data as d

SEEDS: dict[str, Any] = (
    json.loads((Path.cwd() / "seeds.json").read_text()) if (Path.cwd() / "seeds.json").exists() else {}
)
CLIENT = httpx.Client(timeout=30)
VALID_CASES = 3
J, K, C = d.JOINT_PROGRAMS, d.CONSORTIA, d.CURRICULA


def _admin() -> dict[str, str]:
    return d.bearer(["college_admin", "operator"], SEEDS["college_id"], "fuzzer")


def _joiner_admin() -> dict[str, str]:
    return d.bearer(["firm_admin"], SEEDS["joiner_id"], "fuzz-joiner-admin")


def _firm_admin() -> dict[str, str]:
    return d.bearer(["firm_admin"], SEEDS["firm_ids"][0], "fuzz-firm-admin")


def _call(method: str, url: str, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    return d.call(CLIENT, method, url, headers, **kw)


# ---- joint_programs: fresh programs, cohorts, learners, enrolments, consents ----------------------------------


def _program_body() -> dict[str, Any]:
    return {
        "title": f"Fuzz order class {uuid.uuid4().hex[:8]}",
        "model": "order_class",
        "partner_ids": [SEEDS["firm_ids"][0]],
        "capacity": 10_000,
        "committed_intake": [{"firm_id": SEEDS["firm_ids"][0], "headcount": 5}],
        "curriculum_id": SEEDS["curriculum_id"],
        "curriculum_version_number": _published_version(),
    }


def _published_version() -> int:
    """Read each time: the curricula run before this one publishes and retires versions of the demo curriculum."""
    r = CLIENT.get(f"{C}/curricula/{SEEDS['curriculum_id']}", headers=_admin())
    return int(r.json().get("published_version_number") or SEEDS["curriculum_version"])


def _program(state: str) -> dict[str, Any]:
    p = _call("POST", f"{J}/programs", _admin(), json=_program_body())
    if state in ("approved", "running"):
        p = _call("POST", f"{J}/programs/{p['id']}/approve", _firm_admin())
    if state == "running":
        p = _call("POST", f"{J}/programs/{p['id']}/launch", _admin())
    return p


def _cohort_body() -> dict[str, Any]:
    year = date.today().year
    return {
        "intake_term": f"{year}-autumn",
        "seat_limit": 10_000,
        "start_date": f"{year}-09-01",
        "graduation_date": f"{year + 2}-07-01",
    }


def _cohort(state: str) -> dict[str, Any]:
    program = _program("running" if state in ("running",) or state == "open-running" else "approved")
    c = _call("POST", f"{J}/programs/{program['id']}/cohorts", _admin(), json=_cohort_body())
    if state in ("open", "open-running", "running"):
        c = _call("POST", f"{J}/cohorts/{c['id']}/open", _admin())
    if state == "running":
        c = _call("POST", f"{J}/cohorts/{c['id']}/start", _admin())
    return c


def _learner_body(subject: str | None = None) -> dict[str, Any]:
    return {
        "name": "Fuzz Learner",
        "student_number": f"FZ{uuid.uuid4().hex[:12]}",
        "date_of_birth": "2006-05-01",
        "account_subject": subject,
    }


def _learner(subject: str | None = None) -> dict[str, Any]:
    return _call("POST", f"{J}/learners", _admin(), json=_learner_body(subject))


def _enrolment() -> dict[str, Any]:
    learner = _learner()
    return _call("POST", f"{J}/cohorts/{SEEDS['cohort_id']}/enrolments", _admin(), json={"learner_id": learner["id"]})


def _learner_token(subject: str) -> dict[str, str]:
    return d.bearer(["learner"], SEEDS["college_id"], subject)


LEARNER_SUBJECT = "fuzz-hooks-learner"  # the token fuzz_seed.py gives the learner's operations
_linked: list[str] = []


def _consenting_learner() -> tuple[dict[str, Any], dict[str, str]]:
    """A fresh roster entry linked to the learner token of the run; the previous one is erased (one link a time)."""
    subject = LEARNER_SUBJECT
    for old in _linked:
        CLIENT.delete(f"{J}/learners/{old}", headers=_admin())
    _linked.clear()
    learner = _learner(subject)
    _linked.append(learner["id"])
    _call("POST", f"{J}/cohorts/{SEEDS['cohort_id']}/enrolments", _admin(), json={"learner_id": learner["id"]})
    return learner, _learner_token(subject)


class Prep:
    """What a case gets: path parameters, an identity, a body for valid cases, and where its version is read."""

    def __init__(
        self,
        path: dict[str, Any] | None = None,
        auth: dict[str, str] | None = None,
        body: Any = None,
        version_url: str | None = None,
    ) -> None:
        self.path, self.auth, self.body, self.version_url = path or {}, auth, body, version_url


def _consent_prep() -> Prep:
    learner, token = _consenting_learner()
    body = {"purpose": "placement", "program_id": SEEDS["program_id"]}
    return Prep({"learner_id": learner["id"]}, token, body)


def _consent_withdraw_prep() -> Prep:
    learner, token = _consenting_learner()
    consent = _call(
        "POST",
        f"{J}/learners/{learner['id']}/consents",
        token,
        json={"purpose": "placement", "program_id": SEEDS["program_id"]},
    )
    return Prep({"consent_id": consent["id"]}, token)


def _profile_prep() -> Prep:
    learner, token = _consenting_learner()
    _call(
        "POST",
        f"{J}/learners/{learner['id']}/consents",
        token,
        json={"purpose": "placement", "firm_id": SEEDS["firm_ids"][0]},
    )
    return Prep({"learner_ref": learner["ref"]}, _firm_admin())


def _program_prep(state: str, auth: Callable[[], dict[str, str]] | None = None, body: Any = None) -> Callable[[], Prep]:
    def prep() -> Prep:
        p = _program(state)
        return Prep({"program_id": p["id"]}, auth() if auth else None, body, f"{J}/programs/{p['id']}")

    return prep


def _cohort_prep(state: str) -> Callable[[], Prep]:
    def prep() -> Prep:
        c = _cohort(state)
        return Prep({"cohort_id": c["id"]}, None, None, f"{J}/cohorts/{c['id']}")

    return prep


JOINT_PROGRAMS: dict[str, Callable[[], Prep]] = {
    "POST /programs": lambda: Prep(body=_program_body()),
    "POST /programs/{program_id}/approve": _program_prep("proposed", _firm_admin),
    "POST /programs/{program_id}/decline": _program_prep("proposed", _firm_admin, {"reason": "Not this year."}),
    "POST /programs/{program_id}/launch": _program_prep("approved"),
    "POST /programs/{program_id}/close": _program_prep("running"),
    "POST /programs/{program_id}/cohorts": lambda: Prep(
        {"program_id": _program("approved")["id"]}, body=_cohort_body()
    ),
    "POST /cohorts/{cohort_id}/open": _cohort_prep("planned"),
    "POST /cohorts/{cohort_id}/start": _cohort_prep("open-running"),
    "POST /cohorts/{cohort_id}/graduate": _cohort_prep("running"),
    "POST /cohorts/{cohort_id}/enrolments": lambda: Prep(
        {"cohort_id": SEEDS["cohort_id"]}, body={"learner_id": _learner()["id"]}
    ),
    "POST /enrolments/{enrolment_id}/withdraw": lambda: Prep({"enrolment_id": _enrolment()["id"]}),
    "POST /enrolments/{enrolment_id}/graduate": lambda: Prep({"enrolment_id": _enrolment()["id"]}),
    "POST /learners": lambda: Prep(body=_learner_body()),
    "DELETE /learners/{learner_id}": lambda: Prep({"learner_id": _learner()["id"]}),
    "GET /me": lambda: Prep(auth=_consenting_learner()[1]),
    "POST /learners/{learner_id}/consents": _consent_prep,
    "POST /consents/{consent_id}/withdraw": _consent_withdraw_prep,
    "GET /profiles": lambda: Prep(auth=_firm_admin()),
    "GET /profiles/{learner_ref}": _profile_prep,
}


# ---- consortia: fresh organisations, firms that are not yet members, pending join requests -------------------


def _org(verified: bool, rejected: bool = False) -> dict[str, Any]:
    spec = {
        "name": f"Fuzz firm {uuid.uuid4().hex[:8]}",
        "kind": "enterprise",
        "size": "sme",
        "region": "CN-GD-Shenzhen",
        "registration_number": f"FUZZ-{uuid.uuid4().hex[:12]}",
    }
    org = _call("POST", f"{K}/organizations", d.OPERATOR, json=spec)
    if verified:
        org = _call("POST", f"{K}/organizations/{org['id']}/verify", d.OPERATOR)
    if rejected:
        org = _call("POST", f"{K}/organizations/{org['id']}/reject", d.OPERATOR, json={"reason": "Papers missing."})
    return org


def _org_prep(rejected: bool, body: Any = None) -> Callable[[], Prep]:
    def prep() -> Prep:
        org = _org(False, rejected)
        return Prep({"organization_id": org["id"]}, None, body, f"{K}/organizations/{org['id']}")

    return prep


def _consortium_url() -> str:
    return f"{K}/consortia/{SEEDS['consortium_id']}"


def _new_firm_admin() -> tuple[dict[str, Any], dict[str, str]]:
    org = _org(True)
    return org, d.bearer(["firm_admin"], org["id"], f"fuzz-admin-{org['id']}")


def _join_request_prep() -> Prep:
    """The run's joiner firm (its token is the operation's, in schemathesis.toml) asks again: its last request
    is rejected first, or removed if it was admitted."""
    url = _consortium_url()
    for r in _call("GET", f"{url}/join-requests", _admin(), params={"limit": 200})["items"]:
        if r["organization_id"] == SEEDS["joiner_id"] and r["status"] == "pending":
            v = _version(url)
            CLIENT.post(
                f"{url}/join-requests/{r['id']}/reject",
                headers={**_admin(), "If-Match": str(v)},
                json={"reason": "Again."},
            )
    v = _version(url)
    CLIENT.delete(f"{url}/members/{SEEDS['joiner_id']}", headers={**_admin(), "If-Match": str(v)})
    return Prep({"consortium_id": SEEDS["consortium_id"]}, None, {"requested_role": "member"}, url)


def _pending_request() -> dict[str, Any]:
    org, admin = _new_firm_admin()
    _call("POST", f"{_consortium_url()}/join-requests", admin, json={})
    items = _call("GET", f"{_consortium_url()}/join-requests", _admin(), params={"limit": 200, "status": "pending"})
    return next(r for r in items["items"] if r["organization_id"] == org["id"])


def _member() -> dict[str, Any]:
    r = _pending_request()
    _call("POST", f"{_consortium_url()}/join-requests/{r['id']}/approve", _admin())
    return r


CONSORTIA: dict[str, Callable[[], Prep]] = {
    "POST /organizations/{organization_id}/verify": _org_prep(False),
    "POST /organizations/{organization_id}/reject": _org_prep(False, {"reason": "Papers missing."}),
    "POST /organizations/{organization_id}/resubmit": _org_prep(True),
    "POST /consortia/{consortium_id}/join-requests": _join_request_prep,
    "POST /consortia/{consortium_id}/join-requests/{request_id}/approve": lambda: Prep(
        {"request_id": _pending_request()["id"]}, version_url=_consortium_url()
    ),
    "POST /consortia/{consortium_id}/join-requests/{request_id}/reject": lambda: Prep(
        {"request_id": _pending_request()["id"]}, body={"reason": "Not now."}, version_url=_consortium_url()
    ),
    "PUT /consortia/{consortium_id}/members/{organization_id}/role": lambda: Prep(
        {"organization_id": _member()["organization_id"]}, body={"role": "core"}, version_url=_consortium_url()
    ),
    "DELETE /consortia/{consortium_id}/members/{organization_id}": lambda: Prep(
        {"organization_id": _member()["organization_id"]}, version_url=_consortium_url()
    ),
    "POST /consortia/{consortium_id}/contributions": lambda: Prep(
        body={
            "kind": "funding",
            "quantity": "100",
            "unit": "CNY",
            "valuation": "100.00",
            "contributed_on": date.today().isoformat(),
        },
        version_url=_consortium_url(),
    ),
    "PUT /consortia/{consortium_id}/benefit-rule": lambda: Prep(
        body={
            "kind": "fixed_shares",
            "shares": [
                {"organization_id": SEEDS["college_id"], "percent": "60"},
                {"organization_id": SEEDS["firm_ids"][0], "percent": "40"},
            ],
        },
        version_url=_consortium_url(),
    ),
    "POST /consortia/{consortium_id}/distributions": lambda: Prep(
        body={"amount": "10.00"}, version_url=_consortium_url()
    ),
    "POST /consortia/{consortium_id}/lead": lambda: _lead_prep(),
}


def _lead_prep() -> Prep:
    """A consortium of its own: handing the lead to a firm would cost the run's token the demo one."""
    body = {"name": f"Fuzz consortium {uuid.uuid4().hex[:8]}", "kind": "project", "charter": "Lead transfer."}
    c = _call("POST", f"{K}/consortia", d.bearer(["college_admin"], SEEDS["college_id"], "fuzzer"), json=body)
    org, admin = _new_firm_admin()
    url = f"{K}/consortia/{c['id']}"
    _call("POST", f"{url}/join-requests", admin, json={})
    items = _call("GET", f"{url}/join-requests", _admin(), params={"limit": 200})["items"]
    request = next(r for r in items if r["organization_id"] == org["id"])
    _call("POST", f"{url}/join-requests/{request['id']}/approve", _admin())
    return Prep({"consortium_id": c["id"]}, None, {"organization_id": org["id"]}, url)


# ---- curricula: versions are read from the curriculum; proposals by the co-author firm ------------------------


def _curriculum_url() -> str:
    return f"{C}/curricula/{SEEDS['curriculum_id']}"


CURRICULA: dict[str, Callable[[], Prep]] = {
    name: (lambda: Prep(version_url=_curriculum_url()))
    for name in [
        "PATCH /curricula/{curriculum_id}",
        "POST /curricula/{curriculum_id}/co-authors",
        "DELETE /curricula/{curriculum_id}/co-authors/{organization_id}",
        "DELETE /curricula/{curriculum_id}/draft",
        "POST /curricula/{curriculum_id}/draft",
        "PUT /curricula/{curriculum_id}/draft",
        "POST /curricula/{curriculum_id}/draft/reviews",
        "POST /curricula/{curriculum_id}/draft/submit",
        "POST /curricula/{curriculum_id}/publish",
        "POST /curricula/{curriculum_id}/versions/{number}/retire",
    ]
}


def _published_modules() -> list[dict[str, Any]]:
    cur = _call("GET", _curriculum_url(), _admin())
    number = cur["published_version_number"]
    version = _call("GET", f"{_curriculum_url()}/versions/{number}", _admin())
    return list(version["modules"])


def _proposal_body() -> dict[str, Any]:
    module = _published_modules()[0]
    module = {**module, "hours": module["hours"] + 8}
    return {"diff": {"update_modules": [module]}, "rationale": "More practice on the line."}


def _proposal(reviewed: bool) -> dict[str, Any]:
    p = _call("POST", f"{_curriculum_url()}/proposals", _firm_admin(), json=_proposal_body())
    if reviewed:
        p = _call("POST", f"{C}/proposals/{p['id']}/reviews", _admin(), json={"decision": "approve"})
    return p


def _co_author_prep(present: bool) -> Prep:
    """The second demo firm comes and goes as co-author; the first one stays (it proposes and reviews)."""
    firm = SEEDS["firm_ids"][1]
    url = _curriculum_url()
    if present:
        CLIENT.post(
            f"{url}/co-authors", headers={**_admin(), "If-Match": str(_version(url))}, json={"organization_id": firm}
        )
    else:
        CLIENT.delete(f"{url}/co-authors/{firm}", headers={**_admin(), "If-Match": str(_version(url))})
    return Prep({"organization_id": firm}, version_url=url)


DRAFT_STEPS = ["discard", "open", "edit", "submit", "review"]


def _draft_state(upto: str) -> Prep:
    """The demo curriculum's next version brought to the state an operation needs: whatever draft is pending is
    discarded, then opened, edited, submitted, reviewed by the co-author firm, as far as ``upto``."""
    url = _curriculum_url()
    for step in DRAFT_STEPS[: DRAFT_STEPS.index(upto) + 1]:
        method, path, body, who = {
            "discard": ("DELETE", "/draft", None, _admin()),
            "open": ("POST", "/draft", None, _admin()),
            "edit": ("PUT", "/draft", {"modules": _published_modules()}, _admin()),
            "submit": ("POST", "/draft/submit", None, _admin()),
            "review": ("POST", "/draft/reviews", {"decision": "approve", "comment": "Fine."}, _firm_admin()),
        }[step]
        CLIENT.request(method, f"{url}{path}", headers={**who, "If-Match": str(_version(url))}, json=body)
    return Prep(version_url=url)


def _retire_prep() -> Prep:
    """A curriculum of its own, published: retiring the demo one's version would stop joint programs pinning it."""
    cur = _call("GET", _curriculum_url(), _admin())
    body = {
        "title": f"Fuzz curriculum {uuid.uuid4().hex[:8]}",
        "target_occupation": cur["target_occupation"],
        "level": cur["level"],
        "co_author_ids": [],
    }
    c = _call("POST", f"{C}/curricula", _admin(), json=body)
    url = f"{C}/curricula/{c['id']}"
    _call("PUT", f"{url}/draft", {**_admin(), "If-Match": str(_version(url))}, json={"modules": _published_modules()})
    _call("POST", f"{url}/draft/submit", {**_admin(), "If-Match": str(_version(url))})
    c = _call("POST", f"{url}/publish", {**_admin(), "If-Match": str(_version(url))})
    return Prep({"curriculum_id": c["id"], "number": c["published_version_number"]}, version_url=url)


def _fresh_proposal_prep() -> Prep:
    p = _proposal(False)
    return Prep({"proposal_id": p["id"]}, version_url=f"{C}/proposals/{p['id']}")


CURRICULA.update(
    {
        "POST /curricula/{curriculum_id}/draft": lambda: _draft_state("discard"),
        "PUT /curricula/{curriculum_id}/draft": lambda: _draft_state("open"),
        "DELETE /curricula/{curriculum_id}/draft": lambda: _draft_state("open"),
        "POST /curricula/{curriculum_id}/draft/submit": lambda: _draft_state("edit"),
        "POST /curricula/{curriculum_id}/draft/reviews": lambda: _draft_state("submit"),
        "POST /curricula/{curriculum_id}/publish": lambda: _draft_state("review"),
        "POST /curricula/{curriculum_id}/versions/{number}/retire": _retire_prep,
        "POST /proposals/{proposal_id}/reviews": _fresh_proposal_prep,
        "POST /proposals/{proposal_id}/reject": _fresh_proposal_prep,
        "POST /curricula/{curriculum_id}/co-authors": lambda: _co_author_prep(False),
        "DELETE /curricula/{curriculum_id}/co-authors/{organization_id}": lambda: _co_author_prep(True),
        "POST /curricula/{curriculum_id}/proposals": lambda: Prep(auth=_firm_admin(), body=_proposal_body()),
        "POST /proposals/{proposal_id}/accept": lambda: Prep(
            {"proposal_id": (p := _proposal(True))["id"]}, version_url=f"{C}/proposals/{p['id']}"
        ),
        "POST /proposals/{proposal_id}/withdraw": lambda: Prep(
            {"proposal_id": (p := _proposal(False))["id"]}, _firm_admin(), None, f"{C}/proposals/{p['id']}"
        ),
    }
)

PREPARERS = {**JOINT_PROGRAMS, **CONSORTIA, **CURRICULA}


def _version(url: str) -> str | None:
    r = CLIENT.get(url, headers=_admin())
    return str(r.json()["version"]) if r.status_code == 200 else None


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if not SEEDS:
        return
    name = case.operation.label
    prepare = PREPARERS.get(name)
    meta = case.meta
    if prepare is None or meta is None or meta.is_negative_at(ParameterLocation.PATH):
        return
    try:
        prep = PREPPED.pop(case.id, None) or prepare()
    except SystemExit as exc:  # a seed request failed: fuzz the case as generated, and say why
        print(f"fuzz hook: {name}: {exc}", file=sys.stderr)
        return
    if prep.path and case.path_parameters is not None:
        for key, value in prep.path.items():
            if key in case.path_parameters:
                case.path_parameters[key] = value
    headers = case.headers if case.headers is not None else {}
    if prep.version_url and "If-Match" in headers and not meta.is_negative_at(ParameterLocation.HEADER):
        version = _version(prep.version_url)
        if version is not None:
            headers["If-Match"] = version
    if case.headers is None and headers:
        case.headers = headers


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    """A few valid bodies, chosen when the case is generated (a body swapped in before_call is not what is sent)."""
    name = case.operation.label
    build = BODIES.get(name)
    meta = case.meta
    if not SEEDS or build is None or meta is None or _valid_mapped[name] >= VALID_CASES:
        return case
    if any(meta.is_negative_at(location) for location in ParameterLocation):
        return case
    try:
        body = build()
    except SystemExit as exc:
        print(f"fuzz hook: {name}: {exc}", file=sys.stderr)
        return case
    _valid_mapped[name] += 1
    if isinstance(body, Prep):  # the body names its own target: before_call uses this one
        for key, value in body.path.items():
            case.path_parameters[key] = value
        PREPPED[case.id] = body
        body = body.body
    case.body = body
    return case


PREPPED: dict[str, Prep] = {}


_valid_mapped: Counter[str] = Counter()
BODIES: dict[str, Callable[[], Any]] = {
    "POST /programs": _program_body,
    "POST /programs/{program_id}/cohorts": _cohort_body,
    "POST /cohorts/{cohort_id}/enrolments": lambda: {"learner_id": _learner()["id"]},
    "POST /learners": _learner_body,
    "POST /learners/{learner_id}/consents": lambda: {"purpose": "placement", "program_id": SEEDS["program_id"]},
    "POST /programs/{program_id}/decline": lambda: {"reason": "Not this year."},
    "POST /organizations/{organization_id}/reject": lambda: {"reason": "Papers missing."},
    "POST /consortia/{consortium_id}/join-requests": lambda: {"requested_role": "member"},
    "POST /consortia/{consortium_id}/join-requests/{request_id}/reject": lambda: {"reason": "Not now."},
    "PUT /consortia/{consortium_id}/members/{organization_id}/role": lambda: {"role": "core"},
    "POST /consortia/{consortium_id}/contributions": lambda: {
        "kind": "funding",
        "quantity": "100",
        "unit": "CNY",
        "valuation": "100.00",
        "contributed_on": date.today().isoformat(),
    },
    "PUT /consortia/{consortium_id}/benefit-rule": lambda: {
        "kind": "fixed_shares",
        "shares": [
            {"organization_id": SEEDS["college_id"], "percent": "60"},
            {"organization_id": SEEDS["firm_ids"][0], "percent": "40"},
        ],
    },
    "POST /consortia/{consortium_id}/distributions": lambda: {"amount": "10.00"},
    "POST /consortia/{consortium_id}/lead": _lead_prep,
    "PUT /curricula/{curriculum_id}/draft": lambda: {"modules": _published_modules()},
    "POST /curricula/{curriculum_id}/co-authors": lambda: {"organization_id": SEEDS["firm_ids"][1]},
    "POST /curricula/{curriculum_id}/draft/reviews": lambda: {"decision": "approve", "comment": "Fine."},
    "POST /proposals/{proposal_id}/reviews": lambda: {"decision": "approve"},
    "POST /proposals/{proposal_id}/reject": lambda: {"reason": "Not now."},
    "POST /curricula/{curriculum_id}/proposals": _proposal_body,
}
