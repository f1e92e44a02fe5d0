"""After the demo data: print the gateway's URL, a development token per role and three example queries, and run
them through the gateway so that `make run` fails loudly if one of them no longer works on the demo data."""

from __future__ import annotations

import json
import os
import sys
import uuid
from typing import Any

import httpx

# A development tool: it mints tokens with the development secret, which only development accepts.
os.environ.setdefault("DOVETAIL_ENVIRONMENT", "development")

from curricula.main import get_settings as curricula_settings
from dovetail_shared.auth import issue_token

CONSORTIA = "http://127.0.0.1:8102"
GATEWAY = f"http://127.0.0.1:{os.environ.get('GATEWAY_HTTP_PORT', '8000')}/graphql"
SETTINGS = curricula_settings()

EXAMPLES = [
    (
        "college_admin",
        "The college's programs: partners, pinned curriculum version, cohorts",
        "{ programs { totalCount nodes { title model status partners { name } "
        "curriculumVersion { number totalHours } cohorts { nodes { intakeTerm seatLimit enrolledCount status } } } } }",
    ),
    (
        "college_admin",
        "The consortium's members and the programs each runs or partners in",
        "{ consortia(first: 5) { nodes { name memberships { role organization { name "
        "programs(first: 5) { nodes { title status } } } } } } }",
    ),
    (
        "firm_admin",
        "As the partner firm: the learners whose consent covers it (no student number, no birth date)",
        "{ profiles { totalCount nodes { ref name purposes college { name } } } }",
    ),
]


def token(roles: list[str], org: str | None, sub: str) -> str:
    return issue_token(SETTINGS, sub=sub, org=uuid.UUID(org) if org else None, roles=roles)


def main() -> int:
    operator = token(["operator"], None, "demo-operator")
    with httpx.Client(timeout=30) as client:
        r = client.get(
            f"{CONSORTIA}/organizations", params={"limit": 200}, headers={"Authorization": f"Bearer {operator}"}
        )
        r.raise_for_status()
        by_number = {o["registration_number"]: o["id"] for o in r.json()["items"]}
        college, firm = by_number["DEMO-COLLEGE-001"], by_number["DEMO-FIRM-001"]
        tokens = {
            "operator": operator,
            "college_admin": token(["college_admin"], college, "demo-college-admin"),
            "firm_admin": token(["firm_admin"], firm, "demo-admin-DEMO-FIRM-001"),
            "learner": token(["learner"], college, "demo-learner-1"),
        }
        print(f"GraphQL gateway: {GATEWAY} (open it in a browser for GraphiQL; put the token in its Headers tab)")
        print("Development tokens (8 h; refused outside development):")
        for role, value in tokens.items():
            print(f"  export TOKEN_{role.upper()}={value}")
        failed = 0
        for i, (role, what, query) in enumerate(EXAMPLES, 1):
            answer: dict[str, Any] = client.post(
                GATEWAY, json={"query": query}, headers={"Authorization": f"Bearer {tokens[role]}"}
            ).json()
            ok = not answer.get("errors")
            failed += not ok
            print(f"Example {i} ({what}; as {role}): {'ok' if ok else 'FAILED'}")
            print(
                f'  curl -s {GATEWAY} -H "Authorization: Bearer $TOKEN_{role.upper()}" '
                f"-H 'Content-Type: application/json' -d '{json.dumps({'query': query})}'"
            )
            if not ok:
                print(f"  errors: {json.dumps(answer.get('errors'))[:500]}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
