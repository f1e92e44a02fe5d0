"""The story so far, as users would follow it through the gateway, over the real services, Postgres and Kafka:
an operator verifies a college and a firm, they form a consortium, the college publishes a curriculum
co-authored by the firm (curricula learns of both from consortia's events), the firm proposes a change."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from consortia.main import SPEC as CONSORTIA
from curricula.main import SPEC as CURRICULA
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.runner import build_consumers
from dovetail_shared.runtime import Runtime
from dovetail_shared.settings import ServiceSettings

from .conftest import Graph

Json = dict[str, Any]


@pytest.fixture
async def pipeline(consortia_settings: ServiceSettings, curricula_settings: ServiceSettings) -> AsyncIterator[None]:
    """Consortia's relay and curricula's consumers, as their ``relay`` and ``consumer`` roles run them."""
    consortia_runtime = Runtime(CONSORTIA, consortia_settings)
    curricula_runtime = Runtime(CURRICULA, curricula_settings)
    workers: list[Any] = [
        OutboxRelay(consortia_settings, consortia_runtime.engine, CONSORTIA.messaging),
        *build_consumers(CURRICULA, curricula_runtime),
    ]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        yield
    finally:
        for w in workers:
            w.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        await consortia_runtime.close()
        await curricula_runtime.close()


REGISTER = """
mutation($input: RegisterOrganizationInput!) {
  registerOrganization(input: $input) { organization { id version } userErrors { code message } }
}"""
VERIFY = """
mutation($id: UUID!, $v: Int) {
  verifyOrganization(id: $id, expectedVersion: $v) { organization { verificationStatus } userErrors { code } }
}"""
CURRICULUM = "curriculum { id version publishedVersionNumber versions { number status } }"


async def register(graph: Graph, token: str, kind: str, name: str) -> str:
    data = await graph.ok(
        REGISTER,
        {
            "input": {
                "name": name,
                "kind": kind,
                "region": "Suzhou",
                "registrationNumber": f"9132{uuid.uuid4().hex[:14].upper()}",
                **({"size": "LARGE"} if kind == "ENTERPRISE" else {}),
            }
        },
        token=token,
    )
    assert data["registerOrganization"]["userErrors"] == []
    org_id: str = data["registerOrganization"]["organization"]["id"]
    out = await graph.ok(VERIFY, {"id": org_id, "v": 1}, token=graph.token("operator"))
    assert out["verifyOrganization"] == {"organization": {"verificationStatus": "VERIFIED"}, "userErrors": []}
    return org_id


# Definite answers that turn once organization.verified arrives after organization.registered.
STILL_PENDING = {"verified_college_required", "verified_enterprise_required"}


async def until_known(graph: Graph, mutation: str, variables: Json, token: str, field: str) -> Json:
    """Run a command until curricula has learned the facts it needs from consortia's events: meanwhile it is
    refused with a retryable user error (retryAfterSeconds), never a definite one — except that while the
    verification is still on its way, curricula rightly knows the organisation as registered and pending."""
    for _ in range(150):
        data = await graph.ok(mutation, variables, token=token)
        out: Json = data[field]
        if not out["userErrors"]:
            return out
        assert all(e["retryAfterSeconds"] or e["code"] in STILL_PENDING for e in out["userErrors"]), out
        await asyncio.sleep(0.2)
    raise AssertionError(f"{field} still refused: {out}")


async def test_college_and_firm_co_design_a_curriculum_in_a_consortium(
    graph: Graph, pipeline: None, occupation: str, skill: str
) -> None:
    registrant = graph.token("learner", sub=f"registrant-{uuid.uuid4().hex[:6]}")
    college = await register(graph, registrant, "COLLEGE", "Suzhou Vocational College")
    firm = await register(graph, registrant, "ENTERPRISE", "Kunshan Precision Ltd")
    college_admin = graph.token("college_admin", org=uuid.UUID(college))
    firm_admin = graph.token("firm_admin", org=uuid.UUID(firm))

    formed = await graph.ok(
        """mutation { formConsortium(input: {name: "Suzhou smart manufacturing", kind: CITY_CONSORTIUM,
             charter: "Co-design curricula and place students."}) {
             consortium { id version } userErrors { code } } }""",
        token=college_admin,
    )
    consortium = formed["formConsortium"]["consortium"]
    asked = await graph.ok(
        "mutation($c: UUID!) { requestToJoinConsortium(consortiumId: $c, input: {requestedRole: CORE}) "
        "{ consortium { version } userErrors { code } } }",
        {"c": consortium["id"]},
        token=firm_admin,
    )
    assert asked["requestToJoinConsortium"]["userErrors"] == []
    pending = await graph.ok(
        "query($c: UUID!) { consortium(id: $c) { version "
        "joinRequests { nodes { id status organization { name } } } } }",
        {"c": consortium["id"]},
        token=college_admin,
    )
    (request,) = pending["consortium"]["joinRequests"]["nodes"]
    assert request["organization"]["name"] == "Kunshan Precision Ltd" and request["status"] == "PENDING"
    approved = await graph.ok(
        "mutation($c: UUID!, $r: UUID!, $v: Int) { approveJoinRequest(consortiumId: $c, requestId: $r, "
        "expectedVersion: $v) { consortium { status } userErrors { code } } }",
        {"c": consortium["id"], "r": request["id"], "v": pending["consortium"]["version"]},
        token=college_admin,
    )
    assert approved["approveJoinRequest"] == {"consortium": {"status": "ACTIVE"}, "userErrors": []}

    created = await until_known(
        graph,
        f"""mutation($input: CreateCurriculumInput!) {{
              createCurriculum(input: $input) {{ {CURRICULUM} userErrors {{ field code retryAfterSeconds }} }} }}""",
        {
            "input": {
                "title": "Intelligent welding",
                "targetOccupation": occupation,
                "level": "HIGHER_VOCATIONAL",
                "coAuthorIds": [firm],
                "consortiumId": consortium["id"],
                "approvalRule": "ALL_CO_AUTHORS",
            }
        },
        college_admin,
        "createCurriculum",
    )
    c = created["curriculum"]
    module = {
        "code": "W1",
        "title": "Robot welding",
        "hours": 40,
        "outcomes": [{"description": "weld a seam", "skills": [{"skillId": skill, "level": 2}]}],
    }
    step = f"{{ {CURRICULUM} userErrors {{ field code message }} }}"
    out = await graph.ok(
        f"mutation($id: UUID!, $v: Int, $d: DraftInput!) {{ "
        f"replaceDraft(id: $id, input: $d, expectedVersion: $v) {step} }}",
        {"id": c["id"], "v": c["version"], "d": {"modules": [module]}},
        token=college_admin,
    )
    c = out["replaceDraft"]["curriculum"]
    out = await graph.ok(
        f"mutation($id: UUID!, $v: Int) {{ submitForReview(id: $id, expectedVersion: $v) {step} }}",
        {"id": c["id"], "v": c["version"]},
        token=college_admin,
    )
    c = out["submitForReview"]["curriculum"]
    assert c["versions"] == [{"number": 1, "status": "IN_REVIEW"}]
    # Publishing before the co-author approved is refused by the service's rule, as a typed user error.
    early = await graph.ok(
        f"mutation($id: UUID!) {{ publishCurriculum(id: $id) {step} }}", {"id": c["id"]}, token=college_admin
    )
    assert early["publishCurriculum"]["curriculum"] is None and early["publishCurriculum"]["userErrors"]
    out = await graph.ok(
        f"mutation($id: UUID!, $v: Int) {{ reviewVersion(id: $id, input: {{decision: APPROVE}}, expectedVersion: $v) "
        f"{step} }}",
        {"id": c["id"], "v": c["version"]},
        token=firm_admin,
    )
    c = out["reviewVersion"]["curriculum"]
    out = await graph.ok(
        f"mutation($id: UUID!, $v: Int) {{ publishCurriculum(id: $id, expectedVersion: $v) {step} }}",
        {"id": c["id"], "v": c["version"]},
        token=college_admin,
    )
    assert out["publishCurriculum"]["userErrors"] == []
    assert out["publishCurriculum"]["curriculum"]["publishedVersionNumber"] == 1

    proposed = await graph.ok(
        """mutation($c: UUID!, $m: ModuleInput!) { submitProposal(curriculumId: $c, input: {
             rationale: "Our line needs laser welding", diff: {addModules: [$m]}}) {
             proposal { id status proposer { name } curriculum { title } } userErrors { code } } }""",
        {"c": c["id"], "m": {**module, "code": "L1", "title": "Laser welding"}},
        token=firm_admin,
    )
    proposal = proposed["submitProposal"]["proposal"]
    assert proposal["status"] == "SUBMITTED"
    assert proposal["proposer"] == {"name": "Kunshan Precision Ltd"}
    assert proposal["curriculum"] == {"title": "Intelligent welding"}

    # The graph a consortium lead would read: members, their curricula, co-authors and open proposals (small
    # pages: with the default page sizes this query costs more than the limit allows).
    data = await graph.ok(
        """query($c: UUID!) { consortium(id: $c) { status memberships { role organization { name
             curricula(first: 5) { nodes { title publishedVersion { number totalHours modules { code } }
               coAuthors { name } proposals(first: 5) { totalCount nodes { status } }
               consortium { name } } } } } } }""",
        {"c": consortium["id"]},
        token=college_admin,
    )
    members = {m["organization"]["name"]: m for m in data["consortium"]["memberships"]}
    assert members["Kunshan Precision Ltd"]["role"] == "CORE"
    (taught,) = members["Suzhou Vocational College"]["organization"]["curricula"]["nodes"]
    assert taught["publishedVersion"] == {"number": 1, "totalHours": 40, "modules": [{"code": "W1"}]}
    assert taught["coAuthors"] == [{"name": "Kunshan Precision Ltd"}]
    assert taught["proposals"] == {"totalCount": 1, "nodes": [{"status": "SUBMITTED"}]}
    assert taught["consortium"] == {"name": "Suzhou smart manufacturing"}
