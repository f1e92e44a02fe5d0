"""Access predicates: who manages, co-authors, sees drafts, reviews, proposes and withdraws."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from curricula.domain import (
    ChangeProposal,
    Curriculum,
    ModuleDiff,
    can_manage,
    can_propose,
    can_review_proposal,
    can_review_version,
    can_view_drafts,
    can_withdraw_proposal,
    is_co_author,
)
from dovetail_shared.principal import Principal, Role

NOW = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY

PREDICATES = {
    "manage": can_manage,
    "co_author": is_co_author,
    "view_drafts": can_view_drafts,
    "review_version": can_review_version,
    "propose": can_propose,
}


def who(org: uuid.UUID | None, *roles: Role) -> Principal:
    return Principal(sub="user-1", org=org, roles=frozenset(roles))


@pytest.mark.parametrize(
    ("org", "role", "allowed"),
    [
        # Operators read everything but run no college's curriculum.
        (None, Role.OPERATOR, {"view_drafts"}),
        ("college", Role.COLLEGE_ADMIN, {"manage", "view_drafts", "propose"}),
        ("college", Role.TEACHER, {"view_drafts"}),
        ("college", Role.LEARNER, set()),
        ("firm_a", Role.FIRM_ADMIN, {"co_author", "view_drafts", "review_version", "propose"}),
        ("firm_a", Role.RECRUITER, {"co_author", "view_drafts"}),
        ("firm_a", Role.MENTOR, set()),
        # Same roles in organisations that do not own or co-author this curriculum.
        ("outsider", Role.COLLEGE_ADMIN, set()),
        ("outsider", Role.TEACHER, set()),
        ("outsider", Role.FIRM_ADMIN, set()),
        ("outsider", Role.RECRUITER, set()),
        (None, Role.FIRM_ADMIN, set()),
    ],
)
def test_predicates(orgs: Any, published: Curriculum, org: str | None, role: Role, allowed: set[str]) -> None:
    principal = who(getattr(orgs, org) if org else None, role)
    granted = {name for name, predicate in PREDICATES.items() if predicate(principal, published)}
    assert granted == allowed


def test_a_removed_co_author_loses_access(orgs: Any, published: Curriculum) -> None:
    admin = who(orgs.firm_b, Role.FIRM_ADMIN)
    assert can_review_version(admin, published)
    published.remove_co_author(orgs.firm_b, now=NOW)
    assert not can_review_version(admin, published)
    assert not can_view_drafts(admin, published)


def test_proposal_review_and_withdrawal(orgs: Any, published: Curriculum) -> None:
    proposal, _ = ChangeProposal.submit(published, orgs.firm_a, ModuleDiff(remove_module_codes=["C1"]), "why", now=NOW)

    assert can_review_proposal(who(orgs.college, Role.COLLEGE_ADMIN), published, proposal)
    assert can_review_proposal(who(orgs.firm_b, Role.FIRM_ADMIN), published, proposal)
    assert not can_review_proposal(who(orgs.firm_a, Role.FIRM_ADMIN), published, proposal)
    assert not can_review_proposal(who(orgs.firm_b, Role.RECRUITER), published, proposal)
    assert not can_review_proposal(who(None, Role.OPERATOR), published, proposal)

    assert can_withdraw_proposal(who(orgs.firm_a, Role.FIRM_ADMIN), proposal)
    assert not can_withdraw_proposal(who(orgs.firm_a, Role.RECRUITER), proposal)
    assert not can_withdraw_proposal(who(orgs.college, Role.COLLEGE_ADMIN), proposal)
