"""The SQL filters are the policy's predicates: each list answers exactly what the pure predicate allows."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from dovetail_shared.events.joint_programs import ConsentGiven
from dovetail_shared.principal import Principal, Role
from talent_pipelines.domain import policy

from .conftest import Api

pytestmark = pytest.mark.integration


async def test_the_demand_list_filter_is_can_view_demand(api: Api) -> None:
    o = api.orgs
    mine, theirs = await api.demand(), await api.demand(o.other_firm)
    callers = [
        Principal("f", o.firm, frozenset({Role.FIRM_ADMIN})),
        Principal("r", o.other_firm, frozenset({Role.RECRUITER})),
        Principal("c", o.college, frozenset({Role.TEACHER})),
        Principal("l", o.college, frozenset({Role.LEARNER})),
        Principal("m", o.firm, frozenset({Role.MENTOR})),
        Principal("o", None, frozenset({Role.OPERATOR})),
    ]
    async with api.runtime.uow() as uow:
        demands = {d["id"]: await uow.demands.require(uuid.UUID(d["id"])) for d in (mine, theirs)}  # type: ignore[attr-defined]
        for p in callers:
            for firm in (o.firm, o.other_firm):
                listed, _ = await uow.demands.visible_to(p, status=None, firm_id=firm, limit=200, offset=0)  # type: ignore[attr-defined]
                ids = {str(d.id) for d in listed}
                for demand_id, demand in demands.items():
                    if demand.firm_id == firm:
                        assert (demand_id in ids) == policy.can_view_demand(p, demand), (p, demand_id)


async def test_the_learner_filter_is_learner_visible(api: Api) -> None:
    o = api.orgs
    cohort, program = await api.cohort(await api.curriculum(co_authors=[]), partners=[o.firm])
    named = await api.learner(cohort, program, consent_firm=o.firm)
    by_program = await api.learner(cohort, program, consent_firm=None)
    await api.deliver(
        ConsentGiven(
            consent_id=uuid.uuid4(),
            learner_ref=by_program,
            program_id=program,
            purpose="matching",
            given_at=datetime.now(UTC),
        )
    )
    nobody = await api.learner(cohort, program, consent_firm=None)
    consents = {named: ([o.firm], []), by_program: ([None], [o.firm]), nobody: ([], [])}
    async with api.runtime.uow() as uow:
        for firm in (o.firm, o.other_firm):
            refs = {s.id for s in await uow.supply.learners_for_firm(firm)}  # type: ignore[attr-defined]
            for ref, (firms, partners) in consents.items():
                expected = policy.learner_visible(firm, firms, partners if firm == o.firm else [])
                assert (ref in refs) == expected, (firm, ref)
