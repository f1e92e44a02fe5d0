"""Organisations over HTTP on the real database: registering, vetting, visibility, uniqueness, concurrency."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from consortia.tables import organizations_table
from dovetail_shared.events.base import topic_for
from dovetail_shared.events.consortia import OrganizationRegistered, OrganizationRejected, OrganizationVerified
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.kafka import header, read_topic
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import Api, assert_cloudevent


async def test_register_then_verify_publishes_both_events_as_valid_cloudevents(
    api: Api, relay: OutboxRelay, settings: ServiceSettings, kafka_bootstrap: str
) -> None:
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    body = api.org_body("enterprise", name=" Kunshan Precision Ltd ", name_zh="昆山精密")
    r = await api.client.post("/organizations", json=body, headers={**api.as_("learner"), "traceparent": traceparent})
    assert r.status_code == 201, r.text
    org = r.json()
    assert r.headers["Location"] == f"/organizations/{org['id']}"
    assert r.headers["ETag"] == '"1"'
    assert (org["name"], org["verification_status"], org["size"]) == ("Kunshan Precision Ltd", "pending", "sme")

    verified = await api.verify(org)
    assert verified["verification_status"] == "verified" and verified["verified_at"]
    assert verified["version"] == 2

    topic = topic_for(settings.topic_prefix, "consortia", OrganizationRegistered.aggregate)
    assert topic == f"{settings.topic_prefix}.consortia.organization"
    records = await read_topic(kafka_bootstrap, topic, want=2, match=lambda rec: header(rec, "ce_subject") == org["id"])
    assert [header(rec, "ce_type") for rec in records] == [
        OrganizationRegistered.event_type,
        OrganizationVerified.event_type,
    ]
    registered = assert_cloudevent(
        records[0], event_type=OrganizationRegistered.event_type, subject=uuid.UUID(org["id"])
    )
    assert registered["registration_number"] == body["registration_number"]
    assert registered["name_zh"] == "昆山精密"
    # Same trace as the caller's (the server span in between may be a child with its own span id).
    assert (header(records[0], "traceparent") or "").split("-")[1] == traceparent.split("-")[1]
    payload = assert_cloudevent(records[1], event_type=OrganizationVerified.event_type, subject=uuid.UUID(org["id"]))
    assert (payload["kind"], payload["size"], payload["region"]) == ("enterprise", "sme", "Suzhou")


async def test_rejection_names_a_reason_is_published_and_can_be_resubmitted(
    api: Api, relay: OutboxRelay, settings: ServiceSettings, kafka_bootstrap: str
) -> None:
    registrant = api.as_("learner", sub="applicant-1")
    org = await api.register("college", headers=registrant)

    r = await api.client.post(f"/organizations/{org['id']}/reject", json={"reason": " "}, headers=api.operator())
    api.problem(r, 422, "validation-failed", field="reason", rule="reason_required")
    r = await api.client.post(
        f"/organizations/{org['id']}/reject", json={"reason": "licence scan unreadable"}, headers=api.operator()
    )
    assert r.status_code == 200, r.text
    rejected = r.json()
    assert (rejected["verification_status"], rejected["rejection_reason"]) == ("rejected", "licence scan unreadable")

    # Verifying a rejected organisation directly is refused: it goes back through the queue first.
    r = await api.client.post(f"/organizations/{org['id']}/verify", headers=api.operator())
    api.problem(r, 409, "invalid-transition")
    # Someone else may not resubmit it; its registrant may.
    r = await api.client.post(f"/organizations/{org['id']}/resubmit", headers=api.as_("learner", sub="stranger"))
    api.problem(r, 404, "not-found")
    r = await api.client.post(f"/organizations/{org['id']}/resubmit", headers=registrant)
    assert r.status_code == 200, r.text
    assert r.json()["verification_status"] == "pending"

    records = await read_topic(
        kafka_bootstrap,
        topic_for(settings.topic_prefix, "consortia", "organization"),
        want=2,
        match=lambda rec: header(rec, "ce_subject") == org["id"],
    )
    assert [header(rec, "ce_type") for rec in records] == [
        OrganizationRegistered.event_type,
        OrganizationRejected.event_type,
    ]
    payload = assert_cloudevent(records[1], event_type=OrganizationRejected.event_type, subject=uuid.UUID(org["id"]))
    assert payload["reason"] == "licence scan unreadable"


async def test_only_operators_verify_or_reject(api: Api) -> None:
    registrant = api.as_("firm_admin", sub="owner-1")
    org = await api.register("enterprise", headers=registrant)
    own_admin = api.as_("firm_admin", org=uuid.UUID(org["id"]))
    for headers in (registrant, own_admin, api.as_("college_admin", org=uuid.uuid4())):
        r = await api.client.post(f"/organizations/{org['id']}/verify", headers=headers)
        api.problem(r, 403, "forbidden")
        r = await api.client.post(f"/organizations/{org['id']}/reject", json={"reason": "x"}, headers=headers)
        api.problem(r, 403, "forbidden")
    r = await api.client.post(f"/organizations/{org['id']}/verify")
    api.problem(r, 401, "unauthorized")
    r = await api.client.get(f"/organizations/{org['id']}", headers=api.operator())
    assert r.json()["verification_status"] == "pending"


async def test_pending_organisations_are_not_public(api: Api) -> None:
    registrant = api.as_("learner", sub=f"u-{uuid.uuid4().hex[:6]}")
    pending = await api.register("enterprise", headers=registrant)
    verified = await api.verify(await api.register("enterprise"))

    assert (await api.client.get(f"/organizations/{pending['id']}")).status_code == 404
    assert (await api.client.get(f"/organizations/{pending['id']}", headers=api.as_("firm_admin"))).status_code == 404
    assert (await api.client.get(f"/organizations/{pending['id']}", headers=registrant)).status_code == 200
    r = await api.client.get(
        f"/organizations/{pending['id']}", headers=api.as_("firm_admin", org=uuid.UUID(pending["id"]))
    )
    assert r.status_code == 200
    assert r.headers["ETag"] == '"1"'
    r = await api.client.get(f"/organizations/{verified['id']}")
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'

    public = (await api.client.get("/organizations", params={"limit": 200})).json()
    assert all(o["verification_status"] == "verified" for o in public["items"])
    queue = await api.client.get(
        "/organizations", params={"verification_status": "pending", "limit": 200}, headers=api.operator()
    )
    assert pending["id"] in {o["id"] for o in queue.json()["items"]}
    mine = await api.client.get("/organizations", params={"verification_status": "pending"}, headers=registrant)
    assert [o["id"] for o in mine.json()["items"]] == [pending["id"]]


async def test_bad_input_names_field_and_rule(api: Api) -> None:
    r = await api.client.post("/organizations", json=api.org_body("enterprise", size=None), headers=api.as_("learner"))
    api.problem(r, 422, "validation-failed", field="size", rule="size_required_for_enterprise")
    r = await api.client.post("/organizations", json=api.org_body("college", size="large"), headers=api.as_("learner"))
    api.problem(r, 422, "validation-failed", field="size", rule="size_only_for_enterprise")
    r = await api.client.post(
        "/organizations", json=api.org_body("college", name="  ", region=""), headers=api.as_("learner")
    )
    body = api.problem(r, 422, field="name", rule="required")
    assert {(v["field"], v["rule"]) for v in body["violations"]} >= {("region", "required")}
    r = await api.client.post("/organizations", json=api.org_body("guild"), headers=api.as_("learner"))
    api.problem(r, 422, field="kind", rule="enum")
    r = await api.client.post("/organizations", json=api.org_body("college"))
    api.problem(r, 401)
    # PostgreSQL text cannot hold NUL: refused by name and rule, never a 500 from the driver.
    r = await api.client.post("/organizations", json=api.org_body("college", name="a\x00b"), headers=api.as_("learner"))
    api.problem(r, 422, field="name", rule="storable_text")
    r = await api.client.get("/organizations", params={"region": "a\x00b"})
    api.problem(r, 422, field="region")


NON_COMMITTAL = "this registration number cannot be registered; contact a platform operator"


async def test_registration_number_is_unique_case_insensitively(api: Api) -> None:
    first = await api.register("enterprise")
    again = api.org_body("enterprise", registration_number=first["registration_number"].lower())
    r = await api.client.post("/organizations", json=again, headers=api.as_("learner"))
    body = api.problem(r, 409, "conflict", field="registration_number", rule="unique")
    assert len(body["violations"]) == 1


async def test_a_taken_number_does_not_reveal_a_hidden_applicant(api: Api) -> None:
    """A pending applicant is invisible to strangers (404); the 409 must not say more than that."""
    pending = await api.register("enterprise", headers=api.as_("learner", sub="applicant"))
    number = pending["registration_number"]
    r = await api.client.post(
        "/organizations", json=api.org_body("enterprise", registration_number=number), headers=api.as_("learner")
    )
    body = api.problem(r, 409, "conflict", field="registration_number", rule="unique")
    assert body["violations"][0]["message"] == NON_COMMITTAL
    assert body["detail"] == f"registration_number: {NON_COMMITTAL}"
    assert number not in r.text and number.lower() not in r.text.lower()
    assert pending["id"] not in r.text


async def test_a_rejected_registration_releases_its_number(api: Api) -> None:
    squatter = api.as_("learner", sub=f"squatter-{uuid.uuid4().hex[:6]}")
    squatted = await api.register("enterprise", headers=squatter)
    number = squatted["registration_number"]
    r = await api.client.post(
        f"/organizations/{squatted['id']}/reject", json={"reason": "not this firm's licence"}, headers=api.operator()
    )
    assert r.status_code == 200, r.text

    # The genuine firm registers the number (in any case) despite the rejected application.
    genuine = await api.register("enterprise", registration_number=number.lower())
    # The squatter's resubmission now meets the holder: a clean, named 409, and it stays rejected.
    r = await api.client.post(f"/organizations/{squatted['id']}/resubmit", headers=squatter)
    body = api.problem(r, 409, "conflict", field="registration_number", rule="unique")
    assert body["violations"][0]["message"] == NON_COMMITTAL
    r = await api.client.get(f"/organizations/{squatted['id']}", headers=squatter)
    assert (r.json()["verification_status"], r.json()["version"]) == ("rejected", 2)
    # A third registration of the number is refused as before, whichever organisation now holds it.
    r = await api.client.post(
        "/organizations", json=api.org_body("enterprise", registration_number=number), headers=api.as_("learner")
    )
    api.problem(r, 409, field="registration_number", rule="unique")

    # Once the holder is rejected too, the number is free again and the first applicant may resubmit.
    r = await api.client.post(
        f"/organizations/{genuine['id']}/reject", json={"reason": "duplicate"}, headers=api.operator()
    )
    assert r.status_code == 200, r.text
    r = await api.client.post(f"/organizations/{squatted['id']}/resubmit", headers=squatter)
    assert r.status_code == 200, r.text
    assert r.json()["verification_status"] == "pending"


async def test_the_unique_index_exempts_rejected_organisations(api: Api, engine: AsyncEngine) -> None:
    """The migration's partial index itself, below the repository's pre-check (what a racing request meets)."""
    number = f"IDX{uuid.uuid4().hex[:12].upper()}"
    now = sa.func.now()

    def row(status: str, number: str = number) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(),
            "version": 1,
            "created_at": now,
            "updated_at": now,
            "name": "n",
            "kind": "enterprise",
            "region": "r",
            "registration_number": number,
            "verification_status": status,
        }

    async with engine.begin() as conn:
        for status in ("rejected", "rejected", "pending"):
            await conn.execute(sa.insert(organizations_table).values(**row(status)))
    for status, case in (("pending", number), ("verified", number.lower())):
        with pytest.raises(IntegrityError):
            async with engine.begin() as conn:
                await conn.execute(sa.insert(organizations_table).values(**row(status, case)))


async def test_racing_registrations_of_one_number_yield_one_201_and_one_named_409(api: Api) -> None:
    number = f"RACE{uuid.uuid4().hex[:12].upper()}"

    async def attempt() -> Any:
        body = api.org_body("enterprise", registration_number=number)
        return await api.client.post("/organizations", json=body, headers=api.as_("learner"))

    for _ in range(3):  # several rounds: the race is only a race some of the time
        number = f"RACE{uuid.uuid4().hex[:12].upper()}"
        responses = await asyncio.gather(*(attempt() for _ in range(4)))
        codes = sorted(r.status_code for r in responses)
        assert codes == [201, 409, 409, 409], [r.text for r in responses]
        for r in responses:
            if r.status_code == 409:
                api.problem(r, 409, field="registration_number", rule="unique")


async def test_stale_if_match_is_a_version_conflict(api: Api) -> None:
    org = await api.register("enterprise")
    r = await api.client.post(f"/organizations/{org['id']}/verify", headers=api.operator(if_match=7))
    body = api.problem(r, 409, "version-conflict")
    assert "version 1" in body["detail"]
    r = await api.client.post(f"/organizations/{org['id']}/verify", headers=api.operator(if_match="x"))
    api.problem(r, 422, field="If-Match", rule="integer_version")
    r = await api.client.post(f"/organizations/{org['id']}/verify", headers=api.operator(if_match=1))
    assert r.status_code == 200 and r.headers["ETag"] == '"2"'


async def test_two_operators_deciding_at_once_exactly_one_wins(api: Api) -> None:
    org = await api.register("enterprise")
    verify = api.client.post(f"/organizations/{org['id']}/verify", headers=api.operator(if_match=1))
    reject = api.client.post(
        f"/organizations/{org['id']}/reject", json={"reason": "duplicate"}, headers=api.operator(if_match=1)
    )
    responses = await asyncio.gather(verify, reject)
    assert sorted(r.status_code for r in responses) == [200, 409], [r.text for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    # Which 409 depends on timing: loaded before the winner committed (stale version) or after (decided).
    assert api.problem(loser, 409)["type"].rsplit("/", 1)[1] in ("version-conflict", "invalid-transition")


async def test_unknown_organisation_is_404(api: Api) -> None:
    r = await api.client.get(f"/organizations/{uuid.uuid4()}", headers=api.operator())
    api.problem(r, 404, "not-found")
    r = await api.client.get("/organizations/not-a-uuid")
    api.problem(r, 422)


async def test_batch_lookup_by_ids_shows_what_single_reads_show(api: Api) -> None:
    """``?ids=`` (the gateway's batch lookup) applies the visibility of ``GET /organizations/{id}``: a pending
    organisation is absent for the public and present for an operator; an unknown id is simply absent."""
    verified = await api.org("college")
    registrant = api.as_("learner", sub=f"applicant-{uuid.uuid4().hex[:6]}")
    pending = await api.register("enterprise", headers=registrant)
    ids = [str(verified.id), pending["id"], str(uuid.uuid4())]
    for headers, expected in (
        ({}, {str(verified.id)}),
        (api.as_("firm_admin", org=uuid.uuid4()), {str(verified.id)}),
        (registrant, {str(verified.id), pending["id"]}),
        (api.operator(), {str(verified.id), pending["id"]}),
    ):
        r = await api.client.get("/organizations", params={"ids": ids, "limit": 3}, headers=headers)
        assert r.status_code == 200, r.text
        assert {o["id"] for o in r.json()["items"]} == expected
        singles = {i for i in ids if (await api.client.get(f"/organizations/{i}", headers=headers)).status_code == 200}
        assert singles == expected
    r = await api.client.get("/organizations", params={"ids": [str(uuid.uuid4())] * 201})
    api.problem(r, 422, "validation-failed")


async def test_batch_lookup_of_consortia_by_ids(api: Api) -> None:
    c, _college, _firm = await api.active()
    other, _, _ = await api.active()
    r = await api.client.get("/consortia", params={"ids": [c["id"], str(uuid.uuid4())]})
    assert r.status_code == 200, r.text
    assert [x["id"] for x in r.json()["items"]] == [c["id"]] and other["id"] != c["id"]
