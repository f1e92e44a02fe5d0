"""Mutations through the gateway: results, typed user errors built from the services' problem+json, and
authentication/authorization failures as GraphQL errors with ``extensions.code``."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from .conftest import Graph

Json = dict[str, Any]

CREATE = """
mutation Create($input: CreateCurriculumInput!) {
  createCurriculum(input: $input) {
    curriculum { id title version versions { number status } college { id } }
    userErrors { field code message retryAfterSeconds }
  }
}"""


async def test_a_mutation_returns_its_result_and_no_user_errors(graph: Graph, occupation: str) -> None:
    college = await graph.organization("college")
    data = await graph.ok(
        CREATE,
        {"input": {"title": "Smart welding", "targetOccupation": occupation, "level": "HIGHER_VOCATIONAL"}},
        token=graph.admin(college),
    )
    out = data["createCurriculum"]
    assert out["userErrors"] == []
    assert out["curriculum"]["title"] == "Smart welding"
    assert out["curriculum"]["college"] == {"id": str(college)}
    assert out["curriculum"]["versions"] == [{"number": 1, "status": "DRAFT"}]


async def test_user_errors_carry_the_services_field_and_rule(graph: Graph, occupation: str) -> None:
    """The same refusal seen straight from the service and through the gateway: same rules, same fields
    (camelCased, under the ``input`` argument)."""
    college = await graph.organization("college")
    bad = {"title": "x\u0000y", "target_occupation": "no-such-occupation", "level": "higher_vocational"}
    async with graph.rest("curricula") as c:
        r = await c.post("/curricula", json=bad, headers={"Authorization": f"Bearer {graph.admin(college)}"})
    assert r.status_code == 422, r.text
    violations = r.json()["violations"]
    assert violations

    data = await graph.ok(
        CREATE,
        {"input": {"title": "x\u0000y", "targetOccupation": "no-such-occupation", "level": "HIGHER_VOCATIONAL"}},
        token=graph.admin(college),
    )
    out = data["createCurriculum"]
    assert out["curriculum"] is None
    assert [(e["code"], e["message"]) for e in out["userErrors"]] == [(v["rule"], v["message"]) for v in violations]
    assert ["input", "title"] in [e["field"] for e in out["userErrors"]]


async def test_a_stale_expected_version_is_a_user_error(graph: Graph, occupation: str) -> None:
    college = await graph.organization("college")
    made = await graph.ok(
        CREATE,
        {"input": {"title": "T", "targetOccupation": occupation, "level": "HIGHER_VOCATIONAL"}},
        token=graph.admin(college),
    )
    cid = made["createCurriculum"]["curriculum"]["id"]
    update = """
      mutation($id: UUID!, $v: Int) {
        updateCurriculum(id: $id, input: {title: "New"}, expectedVersion: $v) {
          curriculum { title version } userErrors { field code }
        }
      }"""
    stale = await graph.ok(update, {"id": cid, "v": 99}, token=graph.admin(college))
    assert stale["updateCurriculum"]["curriculum"] is None
    assert [e["code"] for e in stale["updateCurriculum"]["userErrors"]] == ["version-conflict"]
    fresh = await graph.ok(update, {"id": cid, "v": 1}, token=graph.admin(college))
    assert fresh["updateCurriculum"] == {"curriculum": {"title": "New", "version": 2}, "userErrors": []}


async def test_a_missing_object_is_a_not_found_user_error(graph: Graph) -> None:
    data = await graph.ok(
        "mutation($id: UUID!) { verifyOrganization(id: $id) { organization { id } userErrors { field code } } }",
        {"id": str(uuid.uuid4())},
        token=graph.token("operator"),
    )
    assert data["verifyOrganization"] == {"organization": None, "userErrors": [{"field": None, "code": "not-found"}]}


async def test_without_a_token_a_command_is_an_unauthenticated_error(graph: Graph) -> None:
    body = await graph(
        'mutation { registerOrganization(input: {name: "A", kind: COLLEGE, region: "R", '
        'registrationNumber: "913200000000000001"}) { organization { id } } }'
    )
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["path"] == ["registerOrganization"]


async def test_a_forbidden_command_is_a_forbidden_error(graph: Graph) -> None:
    firm = await graph.organization("enterprise", verified=False)
    body = await graph(
        "mutation($id: UUID!) { verifyOrganization(id: $id) { organization { id } } }",
        {"id": str(firm)},
        token=graph.admin(firm, "enterprise"),
    )
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert body["errors"][0]["extensions"]["service"] == "consortia"


async def test_an_invalid_token_is_refused_before_any_service_is_called(
    gateway: httpx.AsyncClient, graph: Graph
) -> None:
    for header in ("Bearer not-a-jwt", "Basic dXNlcjpwdw=="):
        r = await gateway.post("/graphql", json={"query": "{ me { sub } }"}, headers={"Authorization": header})
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"] == "Bearer"
        assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert sum(graph.backends.calls().values()) == 0


async def test_the_token_is_forwarded_so_the_service_decides(graph: Graph) -> None:
    """The registrant of a pending organisation sees it (the service knows them by the forwarded token)."""
    registrant = graph.token("learner", sub=f"applicant-{uuid.uuid4().hex[:6]}")
    reg = await graph.ok(
        """mutation($n: String!) { registerOrganization(input: {name: "Pending firm", kind: ENTERPRISE, size: SME,
             region: "Suzhou", registrationNumber: $n}) {
             organization { id verificationStatus } userErrors { code } } }""",
        {"n": f"9132{uuid.uuid4().hex[:14].upper()}"},
        token=registrant,
    )
    org = reg["registerOrganization"]["organization"]
    assert org["verificationStatus"] == "PENDING"
    query = "query($id: UUID!) { organization(id: $id) { id } }"
    assert (await graph.ok(query, {"id": org["id"]}, token=registrant))["organization"] == {"id": org["id"]}
    assert (await graph.ok(query, {"id": org["id"]}))["organization"] is None
