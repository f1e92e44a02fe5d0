"""Subscriptions over graphql-transport-ws, fed by the gateway's own Kafka consumer, over the real broker: a
proposal on my curriculum reaches me; a subscriber who may not see it receives nothing of it."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
import websockets
from curricula.main import SPEC as CURRICULA
from dovetail_gateway.app import create_app
from dovetail_shared.db import make_engine
from dovetail_shared.events.base import topic_for
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.plugin import KAFKA, SESSION_PREFIX, auth, running_relay
from fastapi import FastAPI

from .conftest import Backends, Graph, gateway_settings

SUBSCRIPTION = "subscription { proposalOnMyCurricula { type proposal { id rationale curriculum { id } } } }"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def live_gateway(backends: Backends) -> AsyncIterator[tuple[str, FastAPI]]:
    """The gateway on a loopback port (websockets need a real server), its feed on the real broker."""
    settings = gateway_settings(topic_prefix=SESSION_PREFIX, kafka_bootstrap_servers=KAFKA)
    app = create_app(settings, transports=dict(backends.transports))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the gateway did not start"
        await asyncio.sleep(0.05)
    try:
        yield f"ws://127.0.0.1:{port}/graphql", app
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=30)


@pytest.fixture
async def curricula_relay(curricula_settings: ServiceSettings) -> AsyncIterator[None]:
    engine = make_engine(curricula_settings, pool_size=2, max_overflow=2)
    try:
        async for _ in running_relay(curricula_settings, engine, CURRICULA.messaging):
            yield
    finally:
        await engine.dispose()


async def subscribe(url: str, token: str | None) -> Any:
    ws = await websockets.connect(url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")])
    payload = {"authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    assert json.loads(await ws.recv())["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": SUBSCRIPTION}}))
    return ws


async def next_message(ws: Any) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
        if message["type"] != "ping":
            return message


async def propose(graph: Graph, curriculum: str, token: str, rationale: str, skill: str) -> str:
    module = {"code": "L1", "title": "Laser", "hours": 20, "outcomes": [{"description": "cut", "skills": []}]}
    module["outcomes"][0]["skills"] = [{"skillId": skill, "level": 1}]  # type: ignore[index]
    data = await graph.ok(
        """mutation($c: UUID!, $r: String!, $m: ModuleInput!) { submitProposal(curriculumId: $c, input: {
             rationale: $r, diff: {addModules: [$m]}}) { proposal { id } userErrors { field code message } } }""",
        {"c": curriculum, "r": rationale, "m": module},
        token=token,
    )
    assert data["submitProposal"]["userErrors"] == [], data
    proposal_id: str = data["submitProposal"]["proposal"]["id"]
    return proposal_id


async def new_curriculum(graph: Graph, college: uuid.UUID, co_authors: list[uuid.UUID], occupation: str) -> str:
    async with graph.rest("curricula") as c:
        r = await c.post(
            "/curricula",
            json={
                "title": "Mechatronics",
                "target_occupation": occupation,
                "level": "higher_vocational",
                "co_author_ids": [str(o) for o in co_authors],
            },
            headers=auth(graph.admin(college)),
        )
    assert r.status_code == 201, r.text
    curriculum_id: str = r.json()["id"]
    return curriculum_id


async def test_a_proposal_on_my_curriculum_reaches_me_and_no_one_else(
    graph: Graph, live_gateway: tuple[str, FastAPI], curricula_relay: None, occupation: str, skill: str
) -> None:
    url, app = live_gateway
    college, firm = await graph.organization("college"), await graph.organization("enterprise")
    outsider = await graph.organization("college")
    mine = await new_curriculum(graph, college, [firm], occupation)
    theirs = await new_curriculum(graph, outsider, [], occupation)

    me = await subscribe(url, graph.admin(college))
    them = await subscribe(url, graph.admin(outsider))
    topic = topic_for(SESSION_PREFIX, "curricula", "proposal")
    await asyncio.wait_for(app.state.feed.wait_live(topic), timeout=60)
    try:
        # The firm proposes on my curriculum; later the outsider on its own.
        on_mine = await propose(graph, mine, graph.admin(firm, "enterprise"), "add laser welding", skill)
        got = await next_message(me)
        assert got["type"] == "next", got
        event = got["payload"]["data"]["proposalOnMyCurricula"]
        assert event["type"] == "dovetail.curricula.proposal.submitted.v1"
        assert event["proposal"] == {"id": on_mine, "rationale": "add laser welding", "curriculum": {"id": mine}}

        on_theirs = await propose(graph, theirs, graph.admin(outsider), "their own change", skill)
        # The outsider's first event is its own proposal: the one on my curriculum was filtered out for it.
        got = await next_message(them)
        assert got["payload"]["data"]["proposalOnMyCurricula"]["proposal"]["id"] == on_theirs, got
    finally:
        await me.close()
        await them.close()


async def test_a_subscription_needs_a_token(live_gateway: tuple[str, FastAPI]) -> None:
    url, _ = live_gateway
    ws = await subscribe(url, None)
    try:
        got = await next_message(ws)
        assert got["type"] == "next" and got["payload"]["data"] is None, got
        assert [e["extensions"]["code"] for e in got["payload"]["errors"]] == ["UNAUTHENTICATED"]
    finally:
        await ws.close()
