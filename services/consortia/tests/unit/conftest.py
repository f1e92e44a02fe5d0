"""Fixtures for the consortia domain unit tests: a fixed date and a consortium led by a college."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from consortia.domain import Consortium, ConsortiumKind, MembershipRole, OrganizationKind

TODAY = date(2025, 3, 1)
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY

Admit = Callable[..., uuid.UUID]


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def lead_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def forming(lead_id: uuid.UUID) -> Consortium:
    """A forming consortium whose only member is its lead, a college."""
    consortium, _ = Consortium.form(
        "Suzhou Smart Manufacturing Consortium",
        ConsortiumKind.CITY_CONSORTIUM,
        "Members co-design curricula and share equipment.",
        lead_id,
        OrganizationKind.COLLEGE,
        TODAY,
        lead_org_verified=True,
        now=NOW,
    )
    return consortium


@pytest.fixture
def admit() -> Admit:
    """Requests and approves membership for a fresh organisation; returns its id."""

    def _admit(
        consortium: Consortium,
        kind: OrganizationKind,
        role: MembershipRole = MembershipRole.MEMBER,
        on: date = TODAY,
    ) -> uuid.UUID:
        org_id = uuid.uuid4()
        request, _ = consortium.request_to_join(org_id, kind, role, on, organization_verified=True, now=NOW)
        consortium.approve_request(request.id, on, now=NOW)
        return org_id

    return _admit


@pytest.fixture
def active(forming: Consortium, admit: Admit) -> Consortium:
    """An active consortium: the college lead plus one enterprise member."""
    admit(forming, OrganizationKind.ENTERPRISE)
    return forming
