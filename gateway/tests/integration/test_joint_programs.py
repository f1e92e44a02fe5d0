"""Joint programs through the gateway over the real services: links, batching, every command as a mutation
with typed user errors, and personal data exactly as joint programs shows it (consent, erasure)."""

from __future__ import annotations

import uuid
from typing import Any

from .conftest import Graph
from .test_queries import consortium_with_members

Json = dict[str, Any]

PROGRAM = "program { id status version approvedBy }"
ERRORS = "userErrors { field code message }"


async def scene(
    graph: Graph, occupation: str, skill: str, programs: int = 1
) -> tuple[uuid.UUID, list[uuid.UUID], Json, list[Json]]:
    """A college, two partner firms, a published curriculum and ``programs`` approved programs on it."""
    college = await graph.organization("college")
    firms = [await graph.organization("enterprise") for _ in range(2)]
    cur = await graph.published_curriculum(college, occupation, skill)
    made = [await graph.program(college, firms, cur) for _ in range(programs)]
    return college, firms, cur, made


async def plan_cohorts(graph: Graph, college: uuid.UUID, program: Json, n: int) -> list[Json]:
    out = []
    for i in range(n):
        data = await graph.ok(
            f"""mutation($p: UUID!, $input: PlanCohortInput!) {{
                  planCohort(programId: $p, input: $input) {{ cohort {{ id version status }} {ERRORS} }} }}""",
            {
                "p": program["id"],
                "input": {
                    "intakeTerm": f"{2026 + i}-autumn",
                    "seatLimit": 2,
                    "startDate": "2026-09-01",
                    "graduationDate": "2028-07-01",
                },
            },
            token=graph.admin(college),
        )
        assert data["planCohort"]["userErrors"] == [], data
        out.append(data["planCohort"]["cohort"])
    return out


NESTED = """
query Nested($college: UUID!, $program: UUID!) {
  programs(collegeId: $college, first: 20) {
    totalCount
    nodes {
      title
      college { name }
      partners { id name }
      curriculum { title }
      curriculumVersion { number totalHours }
      committedIntake { headcount }
    }
  }
  program(id: $program) {
    cohorts(first: 20) {
      totalCount
      nodes { intakeTerm program { title } curriculumVersion { number skills { skillId level } } }
    }
  }
}
"""


async def test_a_nested_query_through_programs_cohorts_and_versions_costs_one_call_per_level(
    graph: Graph, occupation: str, skill: str
) -> None:
    college, firms, cur, programs = await scene(graph, occupation, skill, programs=6)
    other = await graph.published_curriculum(college, occupation, skill)
    programs.append(await graph.program(college, firms, other))
    cohorts = await plan_cohorts(graph, college, programs[0], 5)
    graph.backends.reset()

    data = await graph.ok(NESTED, {"college": str(college), "program": programs[0]["id"]}, token=graph.admin(college))

    nodes = data["programs"]["nodes"]
    assert data["programs"]["totalCount"] == 7 and len(nodes) == 7
    assert all(n["college"] is not None for n in nodes)
    assert all({p["id"] for p in n["partners"]} == {str(f) for f in firms} for n in nodes)
    assert all(n["curriculumVersion"] == {"number": 1, "totalHours": 40} for n in nodes)
    assert {n["curriculum"]["title"] for n in nodes} == {cur["title"], other["title"]}
    listed = data["program"]["cohorts"]
    assert listed["totalCount"] == len(cohorts) == len(listed["nodes"])
    assert all(c["curriculumVersion"]["skills"] == [{"skillId": skill, "level": 2}] for c in listed["nodes"])
    assert all(c["program"]["title"] == programs[0]["title"] for c in listed["nodes"])

    calls = graph.backends.calls()
    # 7 colleges + 14 partners, 7 curricula + 7 pinned versions, 5 cohorts' programs + 5 versions: per level.
    singles = [c for c in calls if c[2].startswith(("/organizations/", "/curricula/", "/cohorts/"))]
    assert not singles, calls
    assert not [c for c in calls if c[2].startswith("/programs/") and not c[2].endswith("/cohorts")], calls
    # The programs' versions and the cohorts' versions are two levels (the latter behind the program loader).
    assert calls[("curricula", "GET", "/curricula")] <= 2, calls
    assert calls[("consortia", "GET", "/organizations")] <= 2, calls
    assert calls[("joint_programs", "GET", f"/programs/{programs[0]['id']}/cohorts")] == 1, calls
    assert calls[("joint_programs", "GET", "/programs")] <= 2, calls
    assert sum(calls.values()) <= 7, calls


async def test_organisations_and_consortium_members_link_to_their_programs(
    graph: Graph, occupation: str, skill: str
) -> None:
    consortium, college, firms = await consortium_with_members(graph, 2)
    cur = await graph.published_curriculum(college, occupation, skill)
    program = await graph.program(college, firms[:1], cur)
    query = """query($c: UUID!) { consortium(id: $c) { memberships { organizationId
                 organization { programs { totalCount nodes { id } } } } } }"""
    data = await graph.ok(query, {"c": str(consortium)}, token=graph.token("operator"))
    seen = {m["organizationId"]: m["organization"]["programs"] for m in data["consortium"]["memberships"]}
    assert seen[str(college)]["nodes"] == [{"id": program["id"]}]
    assert seen[str(firms[0])]["nodes"] == [{"id": program["id"]}]
    assert seen[str(firms[1])] == {"totalCount": 0, "nodes": []}
    # A firm that is no partner is not shown the program, by any path.
    outsider = graph.admin(firms[1], "enterprise")
    data = await graph.ok(
        """query($o: UUID!, $p: UUID!) { organization(id: $o) { programs { totalCount } } program(id: $p) { id } }""",
        {"o": str(college), "p": program["id"]},
        token=outsider,
    )
    assert data == {"organization": {"programs": {"totalCount": 0}}, "program": None}


async def test_every_program_and_cohort_command_runs_as_a_mutation(graph: Graph, occupation: str, skill: str) -> None:
    college = await graph.organization("college")
    firms = [await graph.organization("enterprise") for _ in range(2)]
    cur = await graph.published_curriculum(college, occupation, skill)
    admin = graph.admin(college)
    propose = f"""mutation($input: ProposeProgramInput!) {{ proposeProgram(input: $input) {{ {PROGRAM} {ERRORS} }} }}"""
    body = {
        "title": "Welding order class",
        "model": "ORDER_CLASS",
        "partnerIds": [str(f) for f in firms],
        "curriculumId": cur["id"],
        "curriculumVersionNumber": 1,
        "capacity": 30,
        "committedIntake": [{"firmId": str(firms[0]), "headcount": 5}],
    }
    out = (await graph.ok(propose, {"input": body}, token=admin))["proposeProgram"]
    assert out["userErrors"] == [] and out["program"]["status"] == "PROPOSED"
    pid = out["program"]["id"]

    step = "mutation($id: UUID!, $v: Int) {{ {name}(id: $id, expectedVersion: $v) {{ {PROGRAM} {ERRORS} }} }}"
    version = out["program"]["version"]
    for firm in firms:
        mutation = step.format(name="approveProgram", PROGRAM=PROGRAM, ERRORS=ERRORS)
        out = await graph.ok(mutation, {"id": pid, "v": version}, token=graph.admin(firm, "enterprise"))
        out = out["approveProgram"]
        assert out["userErrors"] == [], out
        version = out["program"]["version"]
    assert out["program"]["status"] == "APPROVED" and len(out["program"]["approvedBy"]) == 2
    launch = step.format(name="launchProgram", PROGRAM=PROGRAM, ERRORS=ERRORS)
    out = (await graph.ok(launch, {"id": pid}, token=admin))["launchProgram"]
    assert out["userErrors"] == [] and out["program"]["status"] == "RUNNING", out
    # Nothing newer to pin to: the service's rule, on the field it names.
    repin = step.format(name="repinProgram", PROGRAM=PROGRAM, ERRORS=ERRORS)
    out = (await graph.ok(repin, {"id": pid}, token=admin))["repinProgram"]
    assert out["program"] is None, out
    assert [(e["field"], e["code"]) for e in out["userErrors"]] == [(["curriculumVersionNumber"], "already_current")]

    # A refusal the service explains is a typed user error on the input field, with the service's rule.
    too_big = {"intakeTerm": "2026-autumn", "seatLimit": 31, "startDate": "2026-09-01", "graduationDate": "2028-07-01"}
    plan = f"""mutation($p: UUID!, $input: PlanCohortInput!) {{
        planCohort(programId: $p, input: $input) {{ cohort {{ id status version }} {ERRORS} }} }}"""
    out = (await graph.ok(plan, {"p": pid, "input": too_big}, token=admin))["planCohort"]
    assert out["cohort"] is None and out["userErrors"], out
    assert ["input", "seatLimit"] in [e["field"] for e in out["userErrors"]], out
    out = (await graph.ok(plan, {"p": pid, "input": {**too_big, "seatLimit": 1}}, token=admin))["planCohort"]
    cohort = out["cohort"]
    cstep = "mutation($id: UUID!) {{ {name}(id: $id) {{ cohort {{ status }} {ERRORS} }} }}"

    async def cohort_step(name: str, status: str) -> None:
        out = (await graph.ok(cstep.format(name=name, ERRORS=ERRORS), {"id": cohort["id"]}, token=admin))[name]
        assert out == {"cohort": {"status": status}, "userErrors": []}, out

    await cohort_step("openCohort", "OPEN")

    # Only the partners decide: the college cannot decline its own program (a GraphQL error, not a user error).
    decline = f"""mutation($id: UUID!) {{ declineProgram(id: $id, reason: "no") {{ {PROGRAM} {ERRORS} }} }}"""
    body = await graph(decline, {"id": pid}, token=admin)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body

    learners = []
    for _ in range(2):
        learners.append(await register(graph, college))
    enrol = f"""mutation($c: UUID!, $l: UUID!) {{ enrolLearner(cohortId: $c, learnerId: $l) {{
        enrolment {{ id status learnerRef cohort {{ enrolledCount }} }} {ERRORS} }} }}"""
    out = (await graph.ok(enrol, {"c": cohort["id"], "l": learners[0]["id"]}, token=admin))["enrolLearner"]
    assert out["userErrors"] == [] and out["enrolment"]["status"] == "ENROLLED", out
    assert out["enrolment"]["learnerRef"] == learners[0]["ref"]
    full = (await graph.ok(enrol, {"c": cohort["id"], "l": learners[1]["id"]}, token=admin))["enrolLearner"]
    assert full["enrolment"] is None and [e["code"] for e in full["userErrors"]] == ["seats_full"], full
    eid = out["enrolment"]["id"]
    await cohort_step("startCohort", "RUNNING")
    end = "mutation($id: UUID!) {{ {name}(id: $id) {{ enrolment {{ status }} {ERRORS} }} }}"
    out = await graph.ok(end.format(name="withdrawEnrolment", ERRORS=ERRORS), {"id": eid}, token=admin)
    assert out["withdrawEnrolment"] == {"enrolment": {"status": "WITHDRAWN"}, "userErrors": []}
    # The seat is free again: the second learner now enrols, and graduates.
    out = (await graph.ok(enrol, {"c": cohort["id"], "l": learners[1]["id"]}, token=admin))["enrolLearner"]
    assert out["userErrors"] == [], out
    done = await graph.ok(
        end.format(name="graduateEnrolment", ERRORS=ERRORS), {"id": out["enrolment"]["id"]}, token=admin
    )
    assert done["graduateEnrolment"] == {"enrolment": {"status": "GRADUATED"}, "userErrors": []}
    # Ending a graduated enrolment again: the service's rule comes back as a user error.
    again = await graph.ok(
        end.format(name="withdrawEnrolment", ERRORS=ERRORS), {"id": out["enrolment"]["id"]}, token=admin
    )
    assert again["withdrawEnrolment"]["enrolment"] is None and again["withdrawEnrolment"]["userErrors"], again

    await cohort_step("graduateCohort", "GRADUATED")
    close = step.format(name="closeProgram", PROGRAM=PROGRAM, ERRORS=ERRORS)
    assert (await graph.ok(close, {"id": pid}, token=admin))["closeProgram"]["program"]["status"] == "CLOSED"


async def register(graph: Graph, college: uuid.UUID, sub: str | None = None) -> Json:
    n = uuid.uuid4().hex[:8]
    data = await graph.ok(
        f"""mutation($input: RegisterLearnerInput!) {{ registerLearner(input: $input) {{
              learner {{ id ref name studentNumber }} {ERRORS} }} }}""",
        {
            "input": {
                "name": f"Li Wei {n}",
                "studentNumber": f"S{n}",
                "dateOfBirth": "2006-03-14",
                "contact": f"liwei.{n}@example.edu.cn",
                "accountSubject": sub,
            }
        },
        token=graph.admin(college),
    )
    assert data["registerLearner"]["userErrors"] == [], data
    learner: Json = data["registerLearner"]["learner"]
    return learner


LEARNER = "learner(id: $id) { id ref name studentNumber dateOfBirth contact erasedAt consents { nodes { purpose } } }"


async def test_personal_data_follows_consent_and_erasure_as_joint_programs_decides(
    graph: Graph, occupation: str, skill: str
) -> None:
    college, firms, _cur, _programs = await scene(graph, occupation, skill)
    sub = f"learner-{uuid.uuid4().hex[:8]}"
    learner = await register(graph, college, sub=sub)
    me = graph.token("learner", org=college, sub=sub)
    firm = graph.admin(firms[0], "enterprise")
    query = f"query($id: UUID!) {{ {LEARNER} }}"

    # The college sees the full record; a firm is told nothing, and sees no profile without consent.
    full = (await graph.ok(query, {"id": learner["id"]}, token=graph.admin(college)))["learner"]
    assert full["studentNumber"] == learner["studentNumber"] and full["dateOfBirth"] == "2006-03-14"
    assert (await graph.ok(query, {"id": learner["id"]}, token=firm))["learner"] is None
    profiles = "{ profiles { totalCount nodes { ref name purposes college { id } } } }"
    assert (await graph.ok(profiles, token=firm))["profiles"]["totalCount"] == 0

    give = f"""mutation($l: UUID!, $input: GiveConsentInput!) {{ giveConsent(learnerId: $l, input: $input) {{
        consent {{ id purpose firm {{ id }} withdrawnAt }} {ERRORS} }} }}"""
    out = await graph.ok(
        give, {"l": learner["id"], "input": {"purpose": "MATCHING", "firmId": str(firms[0])}}, token=me
    )
    consent = out["giveConsent"]["consent"]
    assert consent["firm"] == {"id": str(firms[0])} and consent["withdrawnAt"] is None, out
    # Consent is the learner's to give: the college's admin gets a GraphQL FORBIDDEN.
    body = await graph(
        give,
        {"l": learner["id"], "input": {"purpose": "MATCHING", "firmId": str(firms[0])}},
        token=graph.admin(college),
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", body

    seen = (await graph.ok(profiles, token=firm))["profiles"]
    assert seen["totalCount"] == 1 and seen["nodes"][0]["ref"] == learner["ref"], seen
    assert seen["nodes"][0]["purposes"] == ["MATCHING"] and seen["nodes"][0]["college"] == {"id": str(college)}
    # A profile carries no student number or birth date: the type has no such field to ask for.
    body = await graph("{ profiles { nodes { studentNumber } } }", token=firm)
    assert body["errors"], body
    other = graph.admin(firms[1], "enterprise")
    assert (await graph.ok(profiles, token=other))["profiles"]["totalCount"] == 0
    mine = (await graph.ok("{ myLearnerRecord { id consents { totalCount } } }", token=me))["myLearnerRecord"]
    assert mine == {"id": learner["id"], "consents": {"totalCount": 1}}

    withdraw = f"mutation($id: UUID!) {{ withdrawConsent(id: $id) {{ consent {{ withdrawnAt }} {ERRORS} }} }}"
    out = (await graph.ok(withdraw, {"id": consent["id"]}, token=me))["withdrawConsent"]
    assert out["userErrors"] == [] and out["consent"]["withdrawnAt"] is not None
    assert (await graph.ok(profiles, token=firm))["profiles"]["totalCount"] == 0
    again = (await graph.ok(withdraw, {"id": consent["id"]}, token=me))["withdrawConsent"]
    assert again["consent"] is None and again["userErrors"], again

    # Erasure (learner.erased): personal fields gone from every read, the pseudonymous ref kept.
    erase = f"mutation($id: UUID!) {{ eraseLearner(id: $id) {{ learner {{ ref name erasedAt }} {ERRORS} }} }}"
    out = (await graph.ok(erase, {"id": learner["id"]}, token=graph.admin(college)))["eraseLearner"]
    assert out["userErrors"] == [] and out["learner"]["ref"] == learner["ref"] and out["learner"]["name"] is None
    after = (await graph.ok(query, {"id": learner["id"]}, token=graph.admin(college)))["learner"]
    assert after["ref"] == learner["ref"] and after["erasedAt"] is not None
    assert {k: after[k] for k in ("name", "studentNumber", "dateOfBirth", "contact")} == dict.fromkeys(
        ("name", "studentNumber", "dateOfBirth", "contact")
    )
    roster = (await graph.ok("{ learners(first: 100) { nodes { id name } } }", token=graph.admin(college)))["learners"]
    assert {"id": learner["id"], "name": None} in roster["nodes"]
