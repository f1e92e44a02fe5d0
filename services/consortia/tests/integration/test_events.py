"""A consortium's whole life puts every consortium event on ``<prefix>.consortia.consortium``, in order,
as valid CloudEvents whose payloads the committed JSON Schemas accept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from dovetail_shared.events.base import topic_for
from dovetail_shared.events.consortia import (
    BenefitDistributed,
    BenefitRuleSet,
    ConsortiumActivated,
    ConsortiumDissolved,
    ConsortiumFormed,
    ContributionRecorded,
    JoinRequested,
    JoinRequestRejected,
    LeadTransferred,
    MemberJoined,
    MemberLeft,
    MemberRoleChanged,
)
from dovetail_shared.events.schemas import current_schemas
from dovetail_shared.messaging.relay import OutboxRelay
from dovetail_shared.settings import ServiceSettings
from dovetail_shared.testing.kafka import header, read_topic

from .conftest import Api, Json, Org, assert_cloudevent


def request_of(c: Json, org: Org, status: str = "pending") -> str:
    return next(r["id"] for r in c["join_requests"] if r["organization_id"] == str(org.id) and r["status"] == status)


async def test_every_consortium_event_reaches_its_topic_valid_and_in_order(
    api: Api, relay: OutboxRelay, settings: ServiceSettings, kafka_bootstrap: str
) -> None:
    college, firm, institute, late = (
        await api.org("college"),
        await api.org("enterprise"),
        await api.org("research_institute"),
        await api.org("association"),
    )
    base = "/consortia"
    c = await api.form(college)
    cid = c["id"]

    async def call(method: str, path: str, headers: dict[str, str], body: Any = None, expect: int = 200) -> Json:
        r = await api.client.request(method, f"{base}/{cid}{path}", json=body, headers=headers)
        assert r.status_code == expect, r.text
        out: Json = r.json()
        return out

    c = await api.admit(c, college, firm)  # submitted, joined, activated
    c = await call("post", "/join-requests", institute.admin, {"requested_role": "core"}, 201)
    c = await call(
        "post", f"/join-requests/{request_of(c, institute)}/reject", college.admin, {"reason": "apply next term"}
    )
    c = await api.admit(c, college, institute)
    c = await call("put", f"/members/{firm.id}/role", college.admin, {"role": "core"})
    shares = [(college, "50"), (firm, "30"), (institute, "20")]
    rule = {"kind": "fixed_shares", "shares": [{"organization_id": str(o.id), "percent": p} for o, p in shares]}
    c = await call("put", "/benefit-rule", college.admin, rule)
    today = datetime.now(UTC).date().isoformat()
    line = {"kind": "mentor_hours", "quantity": "40", "unit": "hours", "valuation": "8000.00", "contributed_on": today}
    contribution = await call("post", "/contributions", firm.admin, line, 201)
    distribution = await call("post", "/distributions", college.admin, {"amount": "1000.00"}, 201)
    c = await call("post", "/lead", college.admin, {"organization_id": str(firm.id)})
    c = await call("delete", f"/members/{institute.id}", institute.admin)
    c = await call("post", "/join-requests", late.admin, {}, 201)
    c = await call("post", "/dissolve", firm.admin)
    assert c["status"] == "dissolved"

    expected = [
        (ConsortiumFormed, {"lead_organization_id": str(college.id), "kind": "city_consortium"}),
        (MemberJoined, {"organization_id": str(college.id), "role": "lead"}),
        (JoinRequested, {"organization_id": str(firm.id), "requested_role": "member"}),
        (MemberJoined, {"organization_id": str(firm.id), "role": "member"}),
        (ConsortiumActivated, {}),
        (JoinRequested, {"organization_id": str(institute.id), "requested_role": "core"}),
        (JoinRequestRejected, {"organization_id": str(institute.id), "reason": "apply next term"}),
        (JoinRequested, {"organization_id": str(institute.id)}),
        (MemberJoined, {"organization_id": str(institute.id), "role": "member"}),
        (MemberRoleChanged, {"organization_id": str(firm.id), "previous_role": "member", "role": "core"}),
        (BenefitRuleSet, {"kind": "fixed_shares", "period_from": None, "kinds": None}),
        (ContributionRecorded, {"contribution_id": contribution["id"], "quantity": "40", "valuation": "8000.00"}),
        (BenefitDistributed, {"distribution_id": distribution["id"], "amount": "1000.00", "rule": "fixed_shares"}),
        (MemberRoleChanged, {"organization_id": str(college.id), "previous_role": "lead", "role": "core"}),
        (MemberRoleChanged, {"organization_id": str(firm.id), "previous_role": "core", "role": "lead"}),
        (LeadTransferred, {"previous_lead_organization_id": str(college.id), "lead_organization_id": str(firm.id)}),
        (MemberLeft, {"organization_id": str(institute.id), "role": "member", "left_on": today}),
        (JoinRequested, {"organization_id": str(late.id)}),
        (JoinRequestRejected, {"organization_id": str(late.id), "reason": "consortium dissolved"}),
        (MemberLeft, {"organization_id": str(college.id), "role": "core"}),
        (MemberLeft, {"organization_id": str(firm.id), "role": "lead"}),
        (ConsortiumDissolved, {}),
    ]
    topic = topic_for(settings.topic_prefix, "consortia", ConsortiumFormed.aggregate)
    assert topic == f"{settings.topic_prefix}.consortia.consortium"
    records = await read_topic(
        kafka_bootstrap, topic, want=len(expected), match=lambda r: header(r, "ce_subject") == cid, timeout_s=30
    )
    assert [header(r, "ce_type") for r in records] == [cls.event_type for cls, _ in expected]
    assert len({header(r, "ce_id") for r in records}) == len(records)  # no duplicates
    for record, (cls, fields) in zip(records, expected, strict=True):
        payload = assert_cloudevent(record, event_type=cls.event_type, subject=uuid.UUID(cid))
        assert payload["consortium_id"] == cid
        assert {k: payload[k] for k in fields} == fields, (cls.event_type, payload)

    distributed = next(json_of(r) for r in records if header(r, "ce_type") == BenefitDistributed.event_type)
    assert sum(Decimal(a["amount"]) for a in distributed["allocations"]) == Decimal("1000.00")
    rule_set = next(json_of(r) for r in records if header(r, "ce_type") == BenefitRuleSet.event_type)
    assert {(s["organization_id"], Decimal(s["percent"])) for s in rule_set["shares"]} == {
        (str(o.id), Decimal(p)) for o, p in shares
    }


def json_of(record: Any) -> Json:
    import json

    out: Json = json.loads(record.value)
    return out


def test_every_consortia_event_type_has_a_committed_schema_on_a_consortia_topic() -> None:
    consortia_types = {t: s for t, s in current_schemas().items() if t.startswith("dovetail.consortia.")}
    assert {s["x-topic-aggregate"] for s in consortia_types.values()} == {"organization", "consortium"}
    assert len(consortia_types) == 15
