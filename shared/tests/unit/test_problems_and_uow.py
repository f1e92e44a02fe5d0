"""problem+json mapping, pagination caps and the fake unit of work."""

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from dovetail_shared.errors import Conflict, ValidationFailed, ViolationCollector
from dovetail_shared.events.base import DomainEvent
from dovetail_shared.events.curricula import CurriculumVersionRetired
from dovetail_shared.http.middleware import CorrelationIdMiddleware
from dovetail_shared.http.problems import install_problem_handlers
from dovetail_shared.messaging.memory import FakeUnitOfWork, InMemoryBus
from fastapi import FastAPI
from pydantic import BaseModel


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(CorrelationIdMiddleware)
    install_problem_handlers(app)

    class Body(BaseModel):
        n: int

    @app.post("/v")
    async def v(body: Body) -> dict:
        out = ViolationCollector()
        if body.n < 0:
            out.add("n", "non_negative", "must not be negative")
            out.add("n", "even", "must be even")
        out.raise_if_any()
        if body.n == 9:
            raise Conflict("taken")
        if body.n == 13:
            raise RuntimeError("boom")
        return {"n": body.n}

    return app


@pytest.fixture
async def client():
    transport = httpx.ASGITransport(app=_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_domain_violations_name_every_field_and_rule(client: httpx.AsyncClient) -> None:
    r = await client.post("/v", json={"n": -1})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert body["type"].endswith("/validation-failed")
    assert [(v["field"], v["rule"]) for v in body["violations"]] == [("n", "non_negative"), ("n", "even")]


async def test_schema_errors_and_malformed_json_are_422_problems(client: httpx.AsyncClient) -> None:
    r = await client.post("/v", json={"n": "x"})
    assert r.status_code == 422 and r.json()["violations"][0]["field"] == "n"
    r = await client.post("/v", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["violations"][0]["rule"] == "json_invalid"


async def test_conflict_and_unexpected_errors(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v", json={"n": 9})).status_code == 409
    r = await client.post("/v", json={"n": 13})
    assert r.status_code == 500 and "boom" not in r.text  # masked


async def test_correlation_id_is_echoed_or_made_up(client: httpx.AsyncClient) -> None:
    r = await client.post("/v", json={"n": 1}, headers={"X-Correlation-ID": "req-42"})
    assert r.headers["x-correlation-id"] == "req-42"
    r = await client.post("/v", json={"n": 1}, headers={"X-Correlation-ID": "bad id\nwith newline"})
    assert r.headers["x-correlation-id"] != "bad id\nwith newline" and len(r.headers["x-correlation-id"]) == 32


async def test_fake_unit_of_work_publishes_only_what_was_committed() -> None:
    bus = InMemoryBus()
    received: list[DomainEvent] = []

    async def on_retired(e: DomainEvent) -> None:
        received.append(e)

    bus.subscribe(CurriculumVersionRetired.event_type, on_retired)
    event = DomainEvent(
        payload=CurriculumVersionRetired(curriculum_id=uuid.uuid4(), version_id=uuid.uuid4(), version_number=1),
        subject=uuid.uuid4(),
        time=datetime.now(UTC),
    )
    async with FakeUnitOfWork() as uow:
        uow.emit(event)  # never committed: rolled back on exit
    assert uow.published == []
    async with FakeUnitOfWork() as uow:
        uow.emit(event)
        await uow.commit()
    await bus.publish(*uow.published, *uow.published)  # a duplicate is delivered once
    assert received == [event]


def test_validation_failed_carries_field_and_rule() -> None:
    err = ValidationFailed("shares", "shares_sum_to_100", "must sum to 100")
    assert (err.status, err.violations[0].field, err.violations[0].rule) == (422, "shares", "shares_sum_to_100")


async def test_bodies_over_the_limit_are_413_whether_declared_or_streamed() -> None:
    from dovetail_shared.http.middleware import BodySizeLimitMiddleware

    app = _app()
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=100)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        r = await client.post("/v", json={"n": 1, "pad": "x" * 200})
        assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"

        async def stream():  # no Content-Length: the limit must hold while reading
            yield b'{"n": 1, "pad": "'
            yield b"x" * 300
            yield b'"}'

        r = await client.post("/v", content=stream(), headers={"content-type": "application/json"})
        assert r.status_code == 413
        assert (await client.post("/v", json={"n": 2})).status_code == 200


@pytest.mark.parametrize("value", ["²", '"¹"', 'W/"³"', "12345678901234", "-1", "1.0"])
def test_if_match_accepts_only_ascii_version_numbers(value: str) -> None:
    from dovetail_shared.http.deps import if_match

    with pytest.raises(ValidationFailed):
        if_match(value)


def test_if_match_accepts_bare_quoted_and_weak_versions() -> None:
    from dovetail_shared.http.deps import if_match

    assert [if_match(v) for v in ("3", '"3"', 'W/"3"')] == [3, 3, 3]
