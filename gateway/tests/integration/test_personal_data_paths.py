"""No path through the graph shows a firm a learner without the learner's consent: the test walks the committed
SDL for every chain of fields from a query root to a `Learner` or a `Profile`, asks each as the college, as a
partner firm and as a firm that is no partner, and looks for the learner's personal data in every answer."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from graphql import GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, build_schema

from .conftest import Graph
from .test_joint_programs import ERRORS, plan_cohorts, register, scene

SDL = Path(__file__).resolve().parents[2] / "schema.graphql"
PERSONAL = {"Learner": "id name studentNumber dateOfBirth contact", "Profile": "ref name contact"}
MAX_HOPS = 6  # object types along a chain: deep enough for me → organization → programs → cohorts → enrolments


def _named(t: Any) -> Any:
    while isinstance(t, GraphQLNonNull | GraphQLList):
        t = t.of_type
    return t


def chains(schema: GraphQLSchema) -> Iterator[list[tuple[str, GraphQLObjectType]]]:
    """Every chain (field name, the object type it leads to) from Query to a personal-data type, without
    passing a type twice; a connection is entered through its ``nodes``."""
    query = schema.query_type
    assert query is not None

    def walk(t: GraphQLObjectType, path: list[tuple[str, GraphQLObjectType]]) -> Iterator[list[Any]]:
        seen = {query.name, *(p[1].name for p in path)}
        for name, field in t.fields.items():
            target = _named(field.type)
            if not isinstance(target, GraphQLObjectType):
                continue
            if target.name.endswith("Connection"):
                target = _named(target.fields["nodes"].type)
            if target.name in PERSONAL:
                yield [*path, (name, target)]
            elif target.name not in seen and len(path) + 1 < MAX_HOPS:
                yield from walk(target, [*path, (name, target)])

    yield from walk(query, [])


def document(schema: GraphQLSchema, chain: list[tuple[str, GraphQLObjectType]], root_args: str) -> str:
    """``{ a(args) { b(first: 3) { nodes { … leaf fields } } } }`` for one chain; the caller fills the root's."""
    query = schema.query_type
    assert query is not None
    parent: GraphQLObjectType = query
    opened = []
    for i, (name, target) in enumerate(chain):
        field = parent.fields[name]
        connection = _named(field.type).name.endswith("Connection")
        args = root_args if i == 0 else ""
        if connection and "first" in field.args:
            args = f"{args} first: 3".strip()
        call = f"{name}({args})" if args else name
        opened.append(f"{call} {{ nodes {{" if connection else f"{call} {{")
        parent = target
    leaf = PERSONAL[chain[-1][1].name]
    closing = "".join(" } }" if s.endswith("nodes {") else " }" for s in opened)
    return "{ " + " ".join(opened) + f" {leaf}" + closing + " }"


async def test_no_path_in_the_graph_shows_a_firm_a_learner_without_consent(
    graph: Graph, occupation: str, skill: str
) -> None:
    college, (partner, other_firm), cur, (program,) = await scene(graph, occupation, skill)
    (cohort,) = await plan_cohorts(graph, college, program, 1)
    admin = graph.admin(college)
    await graph.ok(f'mutation {{ openCohort(id: "{cohort["id"]}") {{ {ERRORS} }} }}', token=admin)
    sub = f"learner-{uuid.uuid4().hex[:8]}"
    secret = await register(graph, college)  # enrolled, consents to no one
    willing = await register(graph, college, sub=sub)  # consents to the partner firm
    for learner in (secret, willing):
        enrol = f'mutation {{ enrolLearner(cohortId: "{cohort["id"]}", learnerId: "{learner["id"]}") {{ {ERRORS} }} }}'
        assert (await graph.ok(enrol, token=admin))["enrolLearner"]["userErrors"] == []
    give = f"""mutation {{ giveConsent(learnerId: "{willing["id"]}",
        input: {{ purpose: MATCHING, firmId: "{partner}" }}) {{ {ERRORS} }} }}"""
    me = graph.token("learner", org=college, sub=sub)
    assert (await graph.ok(give, token=me))["giveConsent"]["userErrors"] == []

    # Root arguments the walk can fill: every object of the scene a root field looks up.
    roots = {
        "organization": [college, partner, other_firm],
        "curriculum": [cur["id"]],
        "program": [program["id"]],
        "cohort": [cohort["id"]],
        "learner": [secret["id"], willing["id"]],
        "profile": [secret["ref"], willing["ref"]],
    }
    schema = build_schema(SDL.read_text())
    queries: list[str] = []
    for chain in chains(schema):
        field = schema.query_type.fields[chain[0][0]]  # type: ignore[union-attr]
        required = [a for a, arg in field.args.items() if isinstance(arg.type, GraphQLNonNull)]
        if not required:
            queries.append(document(schema, chain, ""))
        elif len(required) == 1 and chain[0][0] in roots:
            queries += [document(schema, chain, f'{required[0]}: "{v}"') for v in roots[chain[0][0]]]
    assert len(queries) >= 15, queries

    def shown(body: Any, learner: dict[str, Any]) -> bool:
        text = str(body.get("data"))
        return learner["name"] in text or learner["studentNumber"] in text

    answers: dict[str, list[Any]] = {}
    for who, token in (
        ("college", admin),
        ("partner", graph.admin(partner, "enterprise")),
        ("other_firm", graph.admin(other_firm, "enterprise")),
    ):
        answers[who] = [await graph(q, token=token) for q in queries]
        assert not [b for b in answers[who] if b.get("errors") and "INTERNAL" in str(b["errors"])], who

    # The walk reaches the learners: the college sees both on some paths, the partner sees the willing one.
    assert any(shown(b, secret) for b in answers["college"]) and any(shown(b, willing) for b in answers["college"])
    assert any(shown(b, willing) for b in answers["partner"])
    # ...and no path shows a firm the learner who gave no consent, or any firm a student number or birth date.
    for who in ("partner", "other_firm"):
        leaked = [q for q, b in zip(queries, answers[who], strict=True) if shown(b, secret)]
        assert not leaked, (who, leaked)
        dates = [q for q, b in zip(queries, answers[who], strict=True) if "2006-03-14" in str(b.get("data"))]
        assert not dates, (who, dates)
        numbers = [
            q for q, b in zip(queries, answers[who], strict=True) if willing["studentNumber"] in str(b.get("data"))
        ]
        assert not numbers, (who, numbers)
    assert not any(shown(b, willing) for b in answers["other_firm"])
