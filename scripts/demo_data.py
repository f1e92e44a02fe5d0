"""Load demo data through the services' REST APIs, as users would: organisations vetted, a consortium,
contributions and a benefit distribution, a co-designed curriculum published, and joint programs on it (an order
class with the firm, an apprenticeship in the consortium) with a cohort, two learners and one consent; an internship
posting, an application under that consent and an active placement with signed logbook entries;
the firm's talent demand ranked against that cohort. Safe to run twice."""

from __future__ import annotations

import csv
import os
import sys
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

# A development tool: it mints tokens with the development secret, which only development accepts.
os.environ.setdefault("DOVETAIL_ENVIRONMENT", "development")

from curricula.main import get_settings as curricula_settings
from dovetail_shared import registry
from dovetail_shared.auth import issue_token
from dovetail_shared.taxonomy import taxonomy_dir


def service_url(name: str) -> str:
    """Where a registered service listens: its port from the registry, as scripts/platform.sh starts it."""
    return f"http://127.0.0.1:{registry.spec(name).settings_factory().http_port}"


CURRICULA = service_url("curricula")
CONSORTIA = service_url("consortia")
JOINT_PROGRAMS = service_url("joint_programs")
INTERNSHIPS = service_url("internships")
TALENT_PIPELINES = service_url("talent_pipelines")
OCCUPATION_LABEL = "mechatronics assembler"
SETTINGS = curricula_settings()


def bearer(roles: list[str], org: str | None, sub: str) -> dict[str, str]:
    token = issue_token(SETTINGS, sub=sub, org=uuid.UUID(org) if org else None, roles=roles)
    return {"Authorization": f"Bearer {token}"}


def call(client: httpx.Client, method: str, url: str, headers: dict[str, str], **kw: Any) -> dict[str, Any]:
    r = client.request(method, url, headers=headers, **kw)
    if r.status_code >= 400:
        raise SystemExit(f"demo data: {method} {url} → {r.status_code} {r.text[:500]}")
    return r.json()  # type: ignore[no-any-return]


OPERATOR = bearer(["operator"], None, "demo-operator")
ORGS = [
    {
        "name": "Shenzhen Vocational College of Technology",
        "name_zh": "深圳职业技术学院",
        "kind": "college",
        "region": "CN-GD-Shenzhen",
        "registration_number": "DEMO-COLLEGE-001",
    },
    {
        "name": "Pearl River Robotics Ltd",
        "name_zh": "珠江机器人有限公司",
        "kind": "enterprise",
        "size": "large",
        "region": "CN-GD-Shenzhen",
        "registration_number": "DEMO-FIRM-001",
    },
    {
        "name": "Bao'an Precision Parts",
        "kind": "enterprise",
        "size": "sme",
        "region": "CN-GD-Shenzhen",
        "registration_number": "DEMO-FIRM-002",
    },
]


def organisations(client: httpx.Client) -> list[dict[str, Any]]:
    existing = call(client, "GET", f"{CONSORTIA}/organizations", OPERATOR, params={"limit": 200})["items"]
    by_number = {o["registration_number"]: o for o in existing}
    out = []
    for spec in ORGS:
        org = by_number.get(spec["registration_number"]) or call(
            client, "POST", f"{CONSORTIA}/organizations", OPERATOR, json=spec
        )
        if org["verification_status"] == "pending":
            org = call(client, "POST", f"{CONSORTIA}/organizations/{org['id']}/verify", OPERATOR)
        out.append(org)
    return out


def consortium(client: httpx.Client, college: dict[str, Any], firms: list[dict[str, Any]]) -> dict[str, Any]:
    lead = bearer(["college_admin"], college["id"], "demo-college-admin")
    mine = call(client, "GET", f"{CONSORTIA}/consortia", lead, params={"limit": 200})["items"]
    found = next((c for c in mine if c["name"] == "Shenzhen Intelligent Manufacturing Alliance"), None)
    if found:
        return found
    c = call(
        client,
        "POST",
        f"{CONSORTIA}/consortia",
        lead,
        json={
            "name": "Shenzhen Intelligent Manufacturing Alliance",
            "name_zh": "深圳智能制造产教联合体",
            "kind": "city_consortium",
            "charter": "Co-develop mechatronics talent for the city's manufacturers.",
        },
    )
    for firm in firms:
        admin = bearer(["firm_admin"], firm["id"], f"demo-admin-{firm['registration_number']}")
        c = call(
            client, "POST", f"{CONSORTIA}/consortia/{c['id']}/join-requests", admin, json={"requested_role": "core"}
        )
        request = next(
            r
            for r in call(client, "GET", f"{CONSORTIA}/consortia/{c['id']}/join-requests", lead)["items"]
            if r["organization_id"] == firm["id"] and r["status"] == "pending"
        )
        c = call(client, "POST", f"{CONSORTIA}/consortia/{c['id']}/join-requests/{request['id']}/approve", lead)
    today = date.today().isoformat()
    for org, kind, qty, unit, value in [
        (firms[0], "equipment_hours", "120", "hours", "36000.00"),
        (firms[1], "mentor_hours", "80", "hours", "12000.00"),
        (college, "placements", "30", "placements", "15000.00"),
    ]:
        call(
            client,
            "POST",
            f"{CONSORTIA}/consortia/{c['id']}/contributions",
            lead,
            json={
                "organization_id": org["id"],
                "kind": kind,
                "quantity": qty,
                "unit": unit,
                "valuation": value,
                "currency": "CNY",
                "contributed_on": today,
            },
        )
    c = call(
        client,
        "PUT",
        f"{CONSORTIA}/consortia/{c['id']}/benefit-rule",
        lead,
        json={
            "kind": "contribution_weighted",
            "period_from": f"{date.today().year}-01-01",
            "period_to": today,
        },
    )
    call(client, "POST", f"{CONSORTIA}/consortia/{c['id']}/distributions", lead, json={"amount": "10000.00"})
    return c


def taxonomy_picks() -> tuple[str, list[str]]:
    directory = taxonomy_dir()
    with open(directory / "occupations.csv", newline="") as f:
        occupation = next(r["id"] for r in csv.DictReader(f) if r["label"] == OCCUPATION_LABEL)
    with open(directory / "occupation_skills.csv", newline="") as f:
        skills = [
            r["skill_id"]
            for r in csv.DictReader(f)
            if r["occupation_id"] == occupation and r["relation"] == "essential"
        ]
    return occupation, skills[:6]


def curriculum(client: httpx.Client, college: dict[str, Any], firm: dict[str, Any]) -> dict[str, Any]:
    admin = bearer(["college_admin"], college["id"], "demo-college-admin")
    firm_admin = bearer(["firm_admin"], firm["id"], f"demo-admin-{firm['registration_number']}")
    existing = call(client, "GET", f"{CURRICULA}/curricula", admin, params={"college_id": college["id"]})["items"]
    if existing:
        return existing[0]
    occupation, skills = taxonomy_picks()
    body = {
        "title": "Mechatronics assembly (order class)",
        "title_zh": "机电一体化装配（订单班）",
        "target_occupation": occupation,
        "level": "higher_vocational",
        "co_author_ids": [firm["id"]],
    }
    # Curricula learns that the firm is verified from consortia's events: wait for its projection.
    deadline = time.monotonic() + 60
    while True:
        r = client.post(f"{CURRICULA}/curricula", headers=admin, json=body)
        if r.status_code == 201 or time.monotonic() > deadline:
            break
        time.sleep(1)
    if r.status_code != 201:
        raise SystemExit(f"demo data: creating the curriculum failed: {r.status_code} {r.text[:500]}")
    c = r.json()
    modules = [
        {
            "code": f"MA{i + 1}",
            "title": title,
            "hours": hours,
            "outcomes": [
                {
                    "description": f"Apply {title.lower()} on the line",
                    "skills": [{"skill_id": s, "level": 3} for s in group],
                }
            ],
        }
        for i, (title, hours, group) in enumerate(
            [
                ("Reading technical drawings", 48, skills[:2]),
                ("Assembling mechatronic units", 96, skills[2:4]),
                ("Testing and quality", 64, skills[4:6]),
            ]
        )
    ]
    call(client, "PUT", f"{CURRICULA}/curricula/{c['id']}/draft", admin, json={"modules": modules})
    call(client, "POST", f"{CURRICULA}/curricula/{c['id']}/draft/submit", admin)
    call(
        client,
        "POST",
        f"{CURRICULA}/curricula/{c['id']}/draft/reviews",
        firm_admin,
        json={"decision": "approve", "comment": "Matches our line's needs."},
    )
    return call(client, "POST", f"{CURRICULA}/curricula/{c['id']}/publish", admin)


def until_known(client: httpx.Client, url: str, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    """POST, retrying while the service answers "not known here yet" (its projections catch up, ADR 0007)."""
    deadline = time.monotonic() + 90
    while True:
        r = client.post(url, headers=headers, json=body)
        if (
            r.status_code != 409
            or not r.json().get("type", "").endswith("/not-known-yet")
            or time.monotonic() > deadline
        ):
            break
        time.sleep(1)
    if r.status_code >= 400:
        raise SystemExit(f"demo data: POST {url} → {r.status_code} {r.text[:500]}")
    return r.json()  # type: ignore[no-any-return]


def joint_programs(
    client: httpx.Client, college: dict[str, Any], firms: list[dict[str, Any]], c: dict[str, Any], cur: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    admin = bearer(["college_admin"], college["id"], "demo-college-admin")
    url = f"{JOINT_PROGRAMS}/programs"
    existing = call(client, "GET", url, admin, params={"college_id": college["id"], "limit": 200})["items"]
    pinned = {"curriculum_id": cur["id"], "curriculum_version_number": cur["published_version_number"]}
    wanted = [
        {
            "title": "Pearl River Robotics order class",
            "title_zh": "珠江机器人订单班",
            "model": "order_class",
            "partner_ids": [firms[0]["id"]],
            "capacity": 40,
            "committed_intake": [{"firm_id": firms[0]["id"], "headcount": 25}],
            **pinned,
        },
        {
            "title": "Precision parts modern apprenticeship",
            "title_zh": "精密零件现代学徒制",
            "model": "modern_apprenticeship",
            "partner_ids": [firms[1]["id"]],
            "consortium_id": c["id"],
            "capacity": 20,
            **pinned,
        },
    ]
    programs = []
    for body in wanted:
        found = next((x for x in existing if x["title"] == body["title"]), None)
        program = found or until_known(client, url, admin, body)
        if program["status"] == "proposed":
            for firm in [f for f in firms if f["id"] in program["partner_ids"]]:
                firm_admin = bearer(["firm_admin"], firm["id"], f"demo-admin-{firm['registration_number']}")
                program = call(client, "POST", f"{url}/{program['id']}/approve", firm_admin)
        programs.append(program)
    order_class = programs[0]
    cohorts = call(client, "GET", f"{url}/{order_class['id']}/cohorts", admin)["items"]
    cohort = cohorts[0] if cohorts else None
    if cohort is None:
        year = date.today().year
        body = {
            "intake_term": f"{year}-autumn",
            "seat_limit": 40,
            "start_date": f"{year}-09-01",
            "graduation_date": f"{year + 2}-07-01",
        }
        cohort = call(client, "POST", f"{url}/{order_class['id']}/cohorts", admin, json=body)
        cohort = call(client, "POST", f"{JOINT_PROGRAMS}/cohorts/{cohort['id']}/open", admin)
        roster = [
            ("Chen Jing", "陈静", "SZ2026001", "2007-04-12", "chen.jing@demo.edu.cn", "demo-learner-1"),
            ("Liu Yang", "刘洋", "SZ2026002", "2006-11-30", None, None),
        ]
        for name, name_zh, number, born, contact, sub in roster:
            learner = call(
                client,
                "POST",
                f"{JOINT_PROGRAMS}/learners",
                admin,
                json={
                    "name": name,
                    "name_zh": name_zh,
                    "student_number": number,
                    "date_of_birth": born,
                    "contact": contact,
                    "account_subject": sub,
                },
            )
            enrolments = f"{JOINT_PROGRAMS}/cohorts/{cohort['id']}/enrolments"
            call(client, "POST", enrolments, admin, json={"learner_id": learner["id"]})
            if sub:
                # The learner, not the college, lets the program's partner firms see the profile for placement.
                me = bearer(["learner"], college["id"], sub)
                consent = {"purpose": "placement", "program_id": order_class["id"]}
                call(client, "POST", f"{JOINT_PROGRAMS}/learners/{learner['id']}/consents", me, json=consent)
    return programs, cohort


# ------------------------------------------------------------------------------------------- internships (issue 8)


def internships(client: httpx.Client, college: dict[str, Any], firm: dict[str, Any]) -> dict[str, Any]:
    """A posting by the demo firm, the consenting demo learner's application under that consent, an active
    placement (three signatures, insurance, mentor, teacher) and signed logbook entries. Safe to run twice."""
    firm_admin = bearer(["firm_admin"], firm["id"], f"demo-admin-{firm['registration_number']}")
    college_admin = bearer(["college_admin"], college["id"], "demo-college-admin")
    learner = bearer(["learner"], college["id"], "demo-learner-1")
    mentor = bearer(["mentor"], firm["id"], "demo-mentor-1")
    title = "Robot cell operator intern"
    existing = call(client, "GET", f"{INTERNSHIPS}/placements", learner)["items"]
    if existing:
        return existing[0]  # type: ignore[no-any-return]
    today = date.today()
    _occupation, skills = taxonomy_picks()
    body = {
        "title": title,
        "description": "Operate and maintain robot welding cells with a certified technician.",
        "positions": 2,
        "skills": [{"skill_id": s, "level": 2} for s in skills[:2]],
        "region": "CN-GD-Shenzhen",
        "location": "Bao'an district",
        "start_date": (today - timedelta(days=21)).isoformat(),
        "end_date": (today + timedelta(days=70)).isoformat(),
        "stipend": "3600.00",
        "post_wage": "4500.00",
        "firm_staff": 800,
        "post_staff": 40,
    }
    posting = until_known(client, f"{INTERNSHIPS}/postings", firm_admin, body)
    call(client, "POST", f"{INTERNSHIPS}/postings/{posting['id']}/open", firm_admin)
    # The learner's placement consent reaches internships through joint programs' events: retry while it travels.
    deadline = time.monotonic() + 90
    while True:
        r = client.post(
            f"{INTERNSHIPS}/postings/{posting['id']}/applications",
            headers=learner,
            json={"cover_letter": "I finished the robot cell module of the order class."},
        )
        if r.status_code != 403 or time.monotonic() > deadline:
            break
        time.sleep(1)
    if r.status_code >= 400:
        raise SystemExit(f"demo data: apply → {r.status_code} {r.text[:500]}")
    application = r.json()
    call(client, "POST", f"{INTERNSHIPS}/applications/{application['id']}/offer", firm_admin)
    placement = call(client, "POST", f"{INTERNSHIPS}/applications/{application['id']}/accept", learner)["placement"]
    pid = placement["id"]
    call(client, "POST", f"{INTERNSHIPS}/placements/{pid}/mentor", firm_admin, json={"mentor_sub": "demo-mentor-1"})
    teacher = {"teacher_sub": "demo-teacher-1"}
    call(client, "POST", f"{INTERNSHIPS}/placements/{pid}/teacher", college_admin, json=teacher)
    for party in (learner, firm_admin, college_admin):
        call(client, "POST", f"{INTERNSHIPS}/placements/{pid}/sign", party)
    insurance = {
        "policy_number": "DEMO-PICC-0001",
        "insurer": "PICC Property and Casualty",
        "valid_from": body["start_date"],
        "valid_to": body["end_date"],
    }
    call(client, "POST", f"{INTERNSHIPS}/placements/{pid}/insurance", college_admin, json=insurance)
    placement = call(client, "POST", f"{INTERNSHIPS}/placements/{pid}/activate", college_admin)
    holidays = set(call(client, "GET", f"{INTERNSHIPS}/rule-set", learner)["parameters"]["holidays"] or [])
    days = [today - timedelta(days=n) for n in range(1, 15)]
    days = [d for d in days if d.weekday() < 5 and d.isoformat() not in holidays][:3]
    for day in days:
        entry = {
            "entry_date": day.isoformat(),
            "start_time": "09:00",
            "end_time": "17:00",
            "break_minutes": 60,
            "tasks": "Cell start-up checks, weld seam inspection, fixture cleaning.",
            "skills": skills[:1],
        }
        e = call(client, "POST", f"{INTERNSHIPS}/placements/{pid}/logbook", learner, json=entry)
        call(client, "POST", f"{INTERNSHIPS}/logbook-entries/{e['id']}/sign", mentor)
    return placement


def main() -> None:
    with httpx.Client(timeout=30) as client:
        college, *firms = organisations(client)
        c = consortium(client, college, firms)
        cur = curriculum(client, college, firms[0])
        programs, cohort = joint_programs(client, college, firms, c, cur)
        placement = internships(client, college, firms[0])
        demand, ranked = talent_pipelines(client, firms[0], cohort)
    print("Demo data loaded:")
    print(f"  organisations: {college['name']} (college), " + ", ".join(f["name"] for f in firms))
    print(f"  consortium:    {c['name']} ({CONSORTIA}/consortia/{c['id']})")
    print(
        f"  curriculum:    {cur['title']}, published version {cur['published_version_number']} "
        f"({CURRICULA}/curricula/{cur['id']})"
    )
    for program in programs:
        print(f"  program:       {program['title']} ({program['model']}, {program['status']})")
    print(f"  cohort:        {cohort['intake_term']}, {cohort['seat_limit']} seats, two learners, one consent")
    print(f"  internship:    placement {placement['id']} ({placement['status']}), signed logbook entries")
    print(f"  demand:        {demand['role_title']}, {demand['headcount']} people; the cohort ranks {ranked}")
    print("  try:          curl -s " + f"{CURRICULA}/curricula | python3 -m json.tool | head -40")


def talent_pipelines(client: httpx.Client, firm: dict[str, Any], cohort: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The firm's talent demand: the curriculum's six skills and two it does not teach; its ranked matches."""
    admin = bearer(["firm_admin"], firm["id"], f"demo-admin-{firm['registration_number']}")
    url = f"{TALENT_PIPELINES}/demands"
    existing = call(client, "GET", url, admin, params={"firm_id": firm["id"], "status": "open"})["items"]
    if existing:
        demand = existing[0]
    else:
        occupation, _ = taxonomy_picks()
        with open(taxonomy_dir() / "occupation_skills.csv", newline="") as f:
            essential = [
                r["skill_id"]
                for r in csv.DictReader(f)
                if r["occupation_id"] == occupation and r["relation"] == "essential"
            ]
        body = {
            "role_title": "Mechatronics assembler",
            "occupation_id": occupation,
            "skills": [{"skill_id": s, "weight": 10, "min_level": 2} for s in essential[:8]],
            "headcount": 10,
            "region": "CN-GD-Shenzhen",
            "needed_by": f"{date.today().year + 2}-09-01",
        }
        demand = until_known(client, url, admin, body)
    # The cohort reaches talent pipelines by joint programs' events: wait for its ranking.
    deadline = time.monotonic() + 60
    ranked = "(not yet: the cohort is on its way)"
    while time.monotonic() < deadline:
        m = call(client, "GET", f"{url}/{demand['id']}/matches", admin)
        mine = next((x for x in m["cohorts"] if x["id"] == cohort["id"]), None)
        if mine:
            ranked = f"#{mine['rank']} with {mine['score']}/1000 ({TALENT_PIPELINES}/demands/{demand['id']}/matches)"
            break
        time.sleep(1)
    return demand, ranked


if __name__ == "__main__":
    sys.exit(main())
