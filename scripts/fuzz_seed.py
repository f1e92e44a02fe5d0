"""Real identifiers for the fuzzer, so that it reaches past 404 on every route of the running services.

Loads the demo data if missing (scripts/demo_data.py, idempotent), makes sure each kind of child resource
exists (a proposal, a join request, a contribution, a distribution), then writes per service a
``schemathesis.toml`` that pins every path parameter to a real id and a bearer token of the demo college's
admin (also an operator), who leads the demo consortium and owns the demo curriculum.

    python scripts/fuzz_seed.py OUT_DIR      # writes OUT_DIR/<service>/schemathesis.toml and token
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

os.environ.setdefault("DOVETAIL_ENVIRONMENT", "development")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_data
import httpx

C, K = demo_data.CURRICULA, demo_data.CONSORTIA


def first(client: httpx.Client, url: str, headers: dict[str, str]) -> dict[str, Any] | None:
    items = demo_data.call(client, "GET", url, headers)["items"]
    return items[0] if items else None


def fresh_consortium(client: httpx.Client, college: dict[str, Any], firms: list[dict[str, Any]]) -> dict[str, Any]:
    lead = demo_data.bearer(["college_admin"], college["id"], "fuzz-lead")
    name = f"Fuzz consortium {uuid.uuid4().hex[:8]}"
    body = {"name": name, "kind": "project", "charter": "Target of scripts/fuzz.sh."}
    c = demo_data.call(client, "POST", f"{K}/consortia", lead, json=body)
    for i, firm in enumerate(firms):
        admin = demo_data.bearer(["firm_admin"], firm["id"], f"fuzz-admin-{i}")
        demo_data.call(client, "POST", f"{K}/consortia/{c['id']}/join-requests", admin, json={})
    requests = demo_data.call(client, "GET", f"{K}/consortia/{c['id']}/join-requests", lead)["items"]
    # Admit the first firm; the second one's request stays pending (for approve/reject).
    c = demo_data.call(client, "POST", f"{K}/consortia/{c['id']}/join-requests/{requests[0]['id']}/approve", lead)
    line = {"kind": "funding", "quantity": "100", "unit": "CNY", "valuation": "100.00", "contributed_on": "2026-01-05"}
    demo_data.call(client, "POST", f"{K}/consortia/{c['id']}/contributions", lead, json=line)
    rule = {
        "kind": "fixed_shares",
        "shares": [
            {"organization_id": college["id"], "percent": "60"},
            {"organization_id": firms[0]["id"], "percent": "40"},
        ],
    }
    demo_data.call(client, "PUT", f"{K}/consortia/{c['id']}/benefit-rule", lead, json=rule)
    demo_data.call(client, "POST", f"{K}/consortia/{c['id']}/distributions", lead, json={"amount": "10.00"})
    return c


def internships_ids(
    client: httpx.Client,
    college: dict[str, Any],
    firms: list[dict[str, Any]],
    demo_consortium: dict[str, Any],
    curriculum: dict[str, Any],
) -> dict[str, Any]:
    """The demo internship's ids: its posting, application, placement and a logbook entry, and the demo firm."""
    demo_data.joint_programs(client, college, firms, demo_consortium, curriculum)  # the learner's consent
    placement = demo_data.internships(client, college, firms[0])
    learner = demo_data.bearer(["learner"], college["id"], "demo-learner-1")
    entry = first(client, f"{demo_data.INTERNSHIPS}/placements/{placement['id']}/logbook", learner)
    assert entry, "the demo placement has no logbook entry"
    return {
        "posting_id": placement["posting_id"],
        "application_id": placement["application_id"],
        "placement_id": placement["id"],
        "entry_id": entry["id"],
        "firm_id": firms[0]["id"],
    }


def joint_program_seeds(
    client: httpx.Client, college: dict[str, Any], firms: list[dict[str, Any]], curriculum: dict[str, Any]
) -> dict[str, str]:
    """A fresh running order class each run (the fuzzer closes, declines and re-pins what it is pointed at), with
    an open cohort, a learner linked to an account and enrolled, and the learner's consent for the firm."""
    J = demo_data.JOINT_PROGRAMS
    admin = demo_data.bearer(["college_admin"], college["id"], "fuzzer")
    firm_admin = demo_data.bearer(["firm_admin"], firms[0]["id"], "fuzz-firm-admin")
    body = {
        "title": f"Fuzz order class {uuid.uuid4().hex[:8]}",
        "model": "order_class",
        "partner_ids": [firms[0]["id"]],
        "capacity": 10_000,
        "committed_intake": [{"firm_id": firms[0]["id"], "headcount": 5}],
        "curriculum_id": curriculum["id"],
        "curriculum_version_number": curriculum["published_version_number"],
    }
    program = demo_data.until_known(client, f"{J}/programs", admin, body)
    demo_data.call(client, "POST", f"{J}/programs/{program['id']}/approve", firm_admin)
    demo_data.call(client, "POST", f"{J}/programs/{program['id']}/launch", admin)
    year = date.today().year
    cohort_body = {
        "intake_term": f"{year}-autumn",
        "seat_limit": 10_000,
        "start_date": f"{year}-09-01",
        "graduation_date": f"{year + 2}-07-01",
    }
    cohort = demo_data.call(client, "POST", f"{J}/programs/{program['id']}/cohorts", admin, json=cohort_body)
    demo_data.call(client, "POST", f"{J}/cohorts/{cohort['id']}/open", admin)
    subject = f"fuzz-learner-{uuid.uuid4().hex[:8]}"
    learner = demo_data.call(
        client,
        "POST",
        f"{J}/learners",
        admin,
        json={
            "name": "Fuzz Learner",
            "student_number": f"FZ{uuid.uuid4().hex[:12]}",
            "date_of_birth": "2006-05-01",
            "account_subject": subject,
        },
    )
    enrolment = demo_data.call(
        client, "POST", f"{J}/cohorts/{cohort['id']}/enrolments", admin, json={"learner_id": learner["id"]}
    )
    me = demo_data.bearer(["learner"], college["id"], subject)
    consent = demo_data.call(
        client,
        "POST",
        f"{J}/learners/{learner['id']}/consents",
        me,
        json={"purpose": "placement", "firm_id": firms[0]["id"]},
    )
    return {
        "program_id": program["id"],
        "cohort_id": cohort["id"],
        "learner_id": learner["id"],
        "enrolment_id": enrolment["id"],
        "consent_id": consent["id"],
        "learner_ref": learner["ref"],
    }


def main() -> None:
    out = Path(sys.argv[1])
    with httpx.Client(timeout=30) as client:
        orgs = demo_data.organisations(client)
        college, firms = orgs[0], orgs[1:]
        demo_consortium = demo_data.consortium(client, college, firms)
        # Fresh consortia each run: the fuzzer dissolves, removes and re-roles whatever it is pointed at, so
        # it never gets the demo one, and dissolving gets one of its own.
        consortium = fresh_consortium(client, college, firms)
        doomed = fresh_consortium(client, college, firms)
        curriculum = demo_data.curriculum(client, college, firms[0])
        roles = ["college_admin", "operator"]
        admin = demo_data.bearer(roles, college["id"], "fuzzer")
        firm_admin = demo_data.bearer(["firm_admin"], firms[0]["id"], f"demo-admin-{firms[0]['registration_number']}")
        cid, kid = curriculum["id"], consortium["id"]
        # The first firm proposes and reviews in the hooks: a co-author again if an earlier run removed it.
        current = demo_data.call(client, "GET", f"{C}/curricula/{cid}", admin)
        if firms[0]["id"] not in current.get("co_author_ids", []):
            client.post(
                f"{C}/curricula/{cid}/co-authors",
                headers={**admin, "If-Match": str(current["version"])},
                json={"organization_id": firms[0]["id"]},
            )
        curriculum = demo_data.call(client, "GET", f"{C}/curricula/{cid}", admin)
        internships = internships_ids(client, college, firms, demo_consortium, curriculum)

        proposal = first(client, f"{C}/curricula/{cid}/proposals", admin)
        if proposal is None:
            published = max(v["number"] for v in curriculum["versions"] if v["status"] == "published")
            base = next(v for v in curriculum["versions"] if v["number"] == published)
            module = {**base["modules"][0], "hours": base["modules"][0]["hours"] + 8}
            proposal = demo_data.call(
                client,
                "POST",
                f"{C}/curricula/{cid}/proposals",
                firm_admin,
                json={"diff": {"update_modules": [module]}, "rationale": "More practice on the line."},
            )
        pending = [
            r
            for r in demo_data.call(client, "GET", f"{K}/consortia/{kid}/join-requests", admin)["items"]
            if r["status"] == "pending"
        ]
        request = pending[0] if pending else None
        contribution = first(client, f"{K}/consortia/{kid}/contributions", admin)
        distribution = first(client, f"{K}/consortia/{kid}/distributions", admin)
        assert request and contribution and distribution, "the demo consortium lacks a child resource"
        jp = joint_program_seeds(client, college, firms, curriculum)
        joiner = demo_data.call(
            client,
            "POST",
            f"{K}/organizations",
            demo_data.OPERATOR,
            json={
                "name": f"Fuzz joiner {uuid.uuid4().hex[:8]}",
                "kind": "enterprise",
                "size": "sme",
                "region": "CN-GD-Shenzhen",
                "registration_number": f"FUZZ-J-{uuid.uuid4().hex[:10]}",
            },
        )
        demo_data.call(client, "POST", f"{K}/organizations/{joiner['id']}/verify", demo_data.OPERATOR)

    token = admin["Authorization"].removeprefix("Bearer ")
    params = {
        "curricula": {
            "curriculum_id": cid,
            "organization_id": firms[1]["id"],
            "number": 1,
            "proposal_id": proposal["id"],
        },
        "consortia": {
            "organization_id": firms[0]["id"],
            "consortium_id": kid,
            "request_id": request["id"],
            "contribution_id": contribution["id"],
            "distribution_id": distribution["id"],
        },
        "internships": internships,
    }
    params["joint_programs"] = {k: v for k, v in jp.items() if k.endswith(("_id", "_ref"))}
    seeds = {
        "college_id": college["id"],
        "firm_ids": [f["id"] for f in firms],
        "curriculum_id": cid,
        "curriculum_version": curriculum["published_version_number"],
        "consortium_id": kid,
        "program_id": jp["program_id"],
        "cohort_id": jp["cohort_id"],
        "joiner_id": joiner["id"],
    }
    # Operations whose rule names another party than the college admin get that party's token (a per-operation
    # header in schemathesis.toml wins over the run's); scripts/fuzz_hooks.py makes their targets to match.
    firm = demo_data.bearer(["firm_admin"], firms[0]["id"], "fuzz-firm-admin")["Authorization"]
    learner = demo_data.bearer(["learner"], college["id"], "fuzz-hooks-learner")["Authorization"]
    joiner_admin = demo_data.bearer(["firm_admin"], joiner["id"], "fuzz-joiner-admin")["Authorization"]
    identities = {
        "joint_programs": {
            "POST /programs/{program_id}/approve": firm,
            "POST /programs/{program_id}/decline": firm,
            "GET /profiles": firm,
            "GET /profiles/{learner_ref}": firm,
            "GET /me": learner,
            "POST /learners/{learner_id}/consents": learner,
            "POST /consents/{consent_id}/withdraw": learner,
        },
        "curricula": {
            "POST /curricula/{curriculum_id}/proposals": firm,
            "POST /proposals/{proposal_id}/withdraw": firm,
            "POST /curricula/{curriculum_id}/draft/reviews": firm,
        },
        "consortia": {"POST /consortia/{consortium_id}/join-requests": joiner_admin},
    }
    hooks = Path(__file__).resolve().parent / "fuzz_hooks.py"
    # A service without seeds of its own yet is still fuzzed, with the token but no pinned ids (mostly 404s).
    from dovetail_shared import registry

    for name in registry.names():
        params.setdefault(name, {})
    for service, values in params.items():
        folder = out / service
        folder.mkdir(parents=True, exist_ok=True)
        lines = [
            "# Written by scripts/fuzz_seed.py: real ids of the demo data (cases reach past 404).",
            f'hooks = "{hooks}"',
            "",
            "[parameters]",
        ]
        lines += [f'"path.{k}" = {v!r}'.replace("'", '"') for k, v in values.items()]
        if service == "consortia":
            lines += [
                "",
                "[[operations]]",
                'include-name = "POST /consortia/{consortium_id}/dissolve"',
                f'parameters = {{ "path.consortium_id" = "{doomed["id"]}" }}',
            ]
        for operation, auth in identities.get(service, {}).items():
            lines += [
                "",
                "[[operations]]",
                f'include-name = "{operation}"',
                f'headers = {{ Authorization = "{auth}" }}',
            ]
        (folder / "schemathesis.toml").write_text("\n".join(lines) + "\n")
        (folder / "token").write_text(token + "\n")
        (folder / "seeds.json").write_text(json.dumps(seeds, indent=2) + "\n")
    print(f"fuzz seeds written to {out}")


if __name__ == "__main__":
    main()
