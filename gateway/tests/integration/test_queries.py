"""Queries through the gateway over the real services: links, cursor connections, batching (no N+1)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from dovetail_shared.testing.plugin import auth

from .conftest import Graph

Json = dict[str, Any]


async def consortium_with_members(graph: Graph, members: int) -> tuple[uuid.UUID, uuid.UUID, list[uuid.UUID]]:
    """An active consortium led by a college, with ``members`` firms admitted (set up over REST)."""
    college = await graph.organization("college")
    firms = [await graph.organization("enterprise") for _ in range(members)]
    async with graph.rest("consortia") as c:
        r = await c.post(
            "/consortia",
            json={"name": f"C {uuid.uuid4().hex[:6]}", "kind": "city_consortium", "charter": "Share and teach."},
            headers=auth(graph.admin(college)),
        )
        assert r.status_code == 201, r.text
        consortium = r.json()
        for firm in firms:
            r = await c.post(
                f"/consortia/{consortium['id']}/join-requests",
                json={"requested_role": "member"},
                headers=auth(graph.admin(firm, "enterprise")),
            )
            assert r.status_code == 201, r.text
            version = r.json()["version"]
            r = await c.post(
                f"{r.headers['Location']}/approve",
                headers={**auth(graph.admin(college)), "If-Match": f'"{version}"'},
            )
            assert r.status_code == 200, r.text
    return uuid.UUID(consortium["id"]), college, firms


async def curriculum(graph: Graph, college: uuid.UUID, co_authors: list[uuid.UUID], occupation: str) -> Json:
    async with graph.rest("curricula") as c:
        r = await c.post(
            "/curricula",
            json={
                "title": f"Welding {uuid.uuid4().hex[:4]}",
                "target_occupation": occupation,
                "level": "higher_vocational",
                "co_author_ids": [str(o) for o in co_authors],
            },
            headers=auth(graph.admin(college)),
        )
        assert r.status_code == 201, r.text
        body: Json = r.json()
        return body


NESTED = """
query Nested($consortium: UUID!, $college: UUID!) {
  consortium(id: $consortium) {
    name
    status
    lead { name kind }
    memberships { role organization { id name verificationStatus } }
  }
  curricula(collegeId: $college, first: 10) {
    totalCount
    nodes { title college { name } coAuthors { id name } }
  }
}
"""


async def test_a_nested_query_costs_one_backend_call_per_level_not_per_object(graph: Graph, occupation: str) -> None:
    consortium, college, firms = await consortium_with_members(graph, 8)
    for i in range(5):
        await curriculum(graph, college, firms[i : i + 3], occupation)
    graph.backends.reset()

    data = await graph.ok(NESTED, {"consortium": str(consortium), "college": str(college)}, token=graph.admin(college))

    members = data["consortium"]["memberships"]
    assert len(members) == 9
    assert {m["organization"]["id"] for m in members} == {str(college), *map(str, firms)}
    assert data["consortium"]["lead"]["kind"] == "COLLEGE"
    nodes = data["curricula"]["nodes"]
    assert data["curricula"]["totalCount"] == 5 and len(nodes) == 5
    assert sorted(len(n["coAuthors"]) for n in nodes) == [3, 3, 3, 3, 3]
    calls = graph.backends.calls()
    # 9 memberships + 1 lead + 5 colleges + 15 co-authors = 30 organisation objects: batched, not fetched one by one.
    assert not [c for c in calls if c[2].startswith("/organizations/")], calls
    assert calls[("consortia", "GET", "/consortia")] == 1, calls
    assert calls[("curricula", "GET", "/curricula")] == 1, calls
    assert calls[("consortia", "GET", "/organizations")] <= 2, calls
    assert sum(calls.values()) <= 4, calls


async def test_connections_page_with_cursors_over_the_services_pagination(graph: Graph, occupation: str) -> None:
    college = await graph.organization("college")
    titles = set()
    for _ in range(5):
        titles.add((await curriculum(graph, college, [], occupation))["title"])
    query = """
      query Page($college: UUID!, $after: String) {
        curricula(collegeId: $college, first: 2, after: $after) {
          totalCount
          pageInfo { hasNextPage hasPreviousPage endCursor }
          edges { cursor node { title } }
        }
      }"""
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        data = await graph.ok(query, {"college": str(college), "after": after}, token=graph.admin(college))
        page = data["curricula"]
        assert page["totalCount"] == 5
        assert page["pageInfo"]["hasPreviousPage"] == (after is not None)
        seen += [e["node"]["title"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert pages == 3 and len(seen) == 5 and set(seen) == titles


async def test_links_an_organisations_curricula_and_consortia(graph: Graph, occupation: str) -> None:
    consortium, college, firms = await consortium_with_members(graph, 1)
    made = await curriculum(graph, college, firms, occupation)
    query = """
      query Org($id: UUID!) {
        organization(id: $id) {
          name
          curricula { totalCount nodes { id coAuthors { id } } }
          consortia { nodes { id memberships { organizationId } } }
        }
      }"""
    data = await graph.ok(query, {"id": str(college)}, token=graph.admin(college))
    org = data["organization"]
    assert [n["id"] for n in org["curricula"]["nodes"]] == [made["id"]]
    assert org["curricula"]["nodes"][0]["coAuthors"] == [{"id": str(firms[0])}]
    assert [n["id"] for n in org["consortia"]["nodes"]] == [str(consortium)]


async def test_an_unpublished_curriculum_is_null_for_outsiders_and_visible_to_its_college(
    graph: Graph, occupation: str
) -> None:
    college = await graph.organization("college")
    made = await curriculum(graph, college, [], occupation)
    query = "query($id: UUID!) { curriculum(id: $id) { id versions { number status } } }"
    assert (await graph.ok(query, {"id": made["id"]}))["curriculum"] is None
    other = await graph.organization("college")
    assert (await graph.ok(query, {"id": made["id"]}, token=graph.admin(other)))["curriculum"] is None
    mine = (await graph.ok(query, {"id": made["id"]}, token=graph.admin(college)))["curriculum"]
    assert mine["versions"] == [{"number": 1, "status": "DRAFT"}]


async def test_me_reports_the_verified_caller(graph: Graph) -> None:
    college = await graph.organization("college")
    data = await graph.ok("{ me { sub roles organizationId organization { kind } } }", token=graph.admin(college))
    assert data["me"]["roles"] == ["college_admin"]
    assert data["me"]["organization"] == {"kind": "COLLEGE"}
    assert (await graph.ok("{ me { sub } }"))["me"] is None


async def test_health_readiness_and_metrics(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/healthz")).json() == {"status": "ok"}
    assert (await gateway.get("/readyz")).status_code == 200
    await gateway.post("/graphql", json={"query": "{ me { sub } }"})
    metrics = (await gateway.get("/metrics")).text
    assert 'dovetail_http_requests_total{method="POST",route="/graphql",service="gateway"' in metrics
