"""Curricula use cases on fakes: who may do what, projection and taxonomy checks, events, versions; no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from curricula import service
from curricula.domain import (
    ChangeProposal,
    Curriculum,
    CurriculumLevel,
    ModuleDiff,
    ProposalStatus,
    ReviewDecision,
    VersionStatus,
)
from dovetail_shared.errors import DomainError, Forbidden, NotFound, NotKnownYet, ValidationFailed, VersionConflict
from dovetail_shared.events.curricula import (
    ChangeProposalAccepted,
    ChangeProposalRejected,
    ChangeProposalSubmitted,
    CurriculumCreated,
    CurriculumVersionPublished,
    CurriculumVersionRetired,
)
from dovetail_shared.messaging.memory import FakeUnitOfWork
from dovetail_shared.principal import Principal, Role
from dovetail_shared.projections.memberships import Membership
from dovetail_shared.projections.organizations import KnownOrganization
from dovetail_shared.repository import InMemoryRepository
from dovetail_shared.vocabulary import VerificationStatus

NOW = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY

WELD = "http://data.europa.eu/esco/skill/weld"
CAD = "http://data.europa.eu/esco/skill/cad"
PLC = "http://data.europa.eu/esco/skill/plc"
SAFETY = "http://data.europa.eu/esco/skill/safety"
BOGUS = "http://example.org/not-a-skill"
WELDER = "http://data.europa.eu/esco/occupation/welder"


# ------------------------------------------------------------------------------------------------- fakes


class FakeCurricula(InMemoryRepository[Curriculum]):
    entity_name = "curriculum"


class FakeProposals(InMemoryRepository[ChangeProposal]):
    entity_name = "change proposal"


class FakeOrganizationDirectory:
    """The organisations projection keyed by id."""

    def __init__(self) -> None:
        self.rows: dict[uuid.UUID, KnownOrganization] = {}

    def put(self, org_id: uuid.UUID, *, kind: str = "enterprise", status: str = "verified") -> uuid.UUID:
        self.rows[org_id] = KnownOrganization(org_id, f"org {org_id}", kind, None, VerificationStatus(status))
        return org_id

    async def get(self, org_id: uuid.UUID) -> KnownOrganization | None:
        return self.rows.get(org_id)

    async def many(self, ids: list[uuid.UUID]) -> dict[uuid.UUID, KnownOrganization]:
        return {i: self.rows[i] for i in ids if i in self.rows}


class FakeMemberships:
    """The membership projection: known consortia (their status) and their active members."""

    def __init__(self) -> None:
        self.consortia: dict[uuid.UUID, str] = {}
        self.members: dict[uuid.UUID, set[uuid.UUID]] = {}

    def put(self, consortium_id: uuid.UUID, *members: uuid.UUID, status: str = "active") -> uuid.UUID:
        self.consortia[consortium_id] = status
        self.members[consortium_id] = set(members)
        return consortium_id

    async def membership(self, organization_id: uuid.UUID, consortium_id: uuid.UUID) -> Membership:
        status = self.consortia.get(consortium_id)
        if status is None:
            return Membership.UNKNOWN_CONSORTIUM
        if status == "dissolved":
            return Membership.DISSOLVED
        return Membership.ACTIVE if organization_id in self.members[consortium_id] else Membership.NOT_A_MEMBER


class FakeTaxonomy:
    """Knows the given skill and occupation ids."""

    def __init__(self, skills: Iterable[str], occupations: Iterable[str]) -> None:
        self.skills, self.occupations = set(skills), set(occupations)

    async def unknown_skills(self, ids: Iterable[str]) -> set[str]:
        return set(ids) - self.skills

    async def unknown_occupation(self, occupation_id: str) -> bool:
        return occupation_id not in self.occupations


# ---------------------------------------------------------------------------------------------- fixtures


@pytest.fixture
def directory(orgs: Any) -> FakeOrganizationDirectory:
    d = FakeOrganizationDirectory()
    d.put(orgs.college, kind="college")
    d.put(orgs.firm_a)
    d.put(orgs.firm_b)
    d.put(orgs.outsider)
    return d


@pytest.fixture
def memberships() -> FakeMemberships:
    return FakeMemberships()


@pytest.fixture
def uow(directory: FakeOrganizationDirectory, memberships: FakeMemberships) -> FakeUnitOfWork:
    return FakeUnitOfWork(
        curricula=FakeCurricula(),
        proposals=FakeProposals(),
        organizations=directory,
        memberships=memberships,
        taxonomy=FakeTaxonomy([WELD, CAD, PLC, SAFETY], [WELDER]),
    )


def who(org: uuid.UUID | None, *roles: Role) -> Principal:
    return Principal(sub=f"user-{uuid.uuid4().hex[:6]}", org=org, roles=frozenset(roles))


@pytest.fixture
def college_admin(orgs: Any) -> Principal:
    return who(orgs.college, Role.COLLEGE_ADMIN)


@pytest.fixture
def firm_a_admin(orgs: Any) -> Principal:
    return who(orgs.firm_a, Role.FIRM_ADMIN)


@pytest.fixture
def firm_b_admin(orgs: Any) -> Principal:
    return who(orgs.firm_b, Role.FIRM_ADMIN)


@pytest.fixture
def operator() -> Principal:
    return who(None, Role.OPERATOR)


async def stored(uow: FakeUnitOfWork, curriculum: Curriculum) -> Curriculum:
    """Put a curriculum built by the domain into the fake repository (version 1), as if created earlier."""
    await uow.curricula.add(curriculum)
    return curriculum


def types(uow: FakeUnitOfWork) -> list[type]:
    return [type(e.payload) for e in uow.events]


def violations(err: DomainError) -> list[tuple[str, str]]:
    return [(v.field, v.rule) for v in err.violations]


def create_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "college_id": None,
        "title": "Intelligent welding technology",
        "target_occupation": WELDER,
        "level": CurriculumLevel.HIGHER_VOCATIONAL,
        "now": NOW,
    }
    return {**args, **overrides}


# ------------------------------------------------------------------------------------- create_curriculum


async def test_college_admin_creates_a_curriculum_and_the_event_waits_for_the_commit(
    uow: FakeUnitOfWork, college_admin: Principal, orgs: Any
) -> None:
    c = await service.create_curriculum(uow, college_admin, **create_args(co_author_ids=[orgs.firm_a, orgs.firm_b]))

    assert c.college_id == orgs.college  # taken from the token when not given
    assert (await uow.curricula.require(c.id)).version == 1
    assert types(uow) == [CurriculumCreated]
    assert uow.events[0].payload.co_author_ids == [orgs.firm_a, orgs.firm_b]
    # The service never commits: the events wait in the unit of work for the boundary.
    assert uow.commits == 0
    assert uow.published == []

    await uow.commit()
    assert [e.type for e in uow.published] == [CurriculumCreated.event_type]
    assert uow.events == []


async def test_a_refused_use_case_publishes_nothing_when_the_boundary_rolls_back(
    uow: FakeUnitOfWork, directory: FakeOrganizationDirectory, college_admin: Principal, orgs: Any
) -> None:
    pending = directory.put(uuid.uuid4(), status="pending")
    with pytest.raises(ValidationFailed):
        async with uow:
            await service.create_curriculum(uow, college_admin, **create_args(co_author_ids=[pending]))
            await uow.commit()  # not reached
    assert uow.commits == 0
    assert uow.published == []
    assert uow.events == []
    assert uow.curricula.items == {}


@pytest.mark.parametrize(
    ("kind", "status"), [("college", "pending"), ("college", "rejected"), ("enterprise", "verified")]
)
async def test_the_owner_must_be_a_verified_college(
    uow: FakeUnitOfWork, directory: FakeOrganizationDirectory, orgs: Any, kind: str, status: str
) -> None:
    directory.put(orgs.college, kind=kind, status=status)
    with pytest.raises(ValidationFailed) as exc:
        await service.create_curriculum(uow, who(orgs.college, Role.COLLEGE_ADMIN), **create_args())
    assert violations(exc.value) == [("college_id", "verified_college_required")]
    assert uow.curricula.items == {}


async def test_a_college_not_known_here_yet_is_retryable(uow: FakeUnitOfWork) -> None:
    college = uuid.uuid4()
    with pytest.raises(NotKnownYet) as exc:
        await service.create_curriculum(uow, who(college, Role.COLLEGE_ADMIN), **create_args(college_id=college))
    assert violations(exc.value) == [("college_id", "organization_not_known_yet")]


@pytest.mark.parametrize(
    ("setup", "error", "rule"),
    [
        ("unknown", NotKnownYet, "consortium_not_known_yet"),
        ("dissolved", ValidationFailed, "active_consortium_required"),
        ("not_a_member", ValidationFailed, "consortium_member_required"),
    ],
)
async def test_a_named_consortium_must_be_one_the_college_is_an_active_member_of(
    uow: FakeUnitOfWork,
    memberships: FakeMemberships,
    college_admin: Principal,
    orgs: Any,
    setup: str,
    error: type[DomainError],
    rule: str,
) -> None:
    consortium = uuid.uuid4()
    if setup == "dissolved":
        memberships.put(consortium, orgs.college, status="dissolved")
    elif setup == "not_a_member":
        memberships.put(consortium, orgs.firm_a)
    with pytest.raises(error) as exc:
        await service.create_curriculum(uow, college_admin, **create_args(consortium_id=consortium))
    assert violations(exc.value) == [("consortium_id", rule)]
    assert uow.curricula.items == {}


async def test_a_member_college_names_its_consortium(
    uow: FakeUnitOfWork, memberships: FakeMemberships, college_admin: Principal, orgs: Any
) -> None:
    consortium = memberships.put(uuid.uuid4(), orgs.college, orgs.firm_a)
    c = await service.create_curriculum(uow, college_admin, **create_args(consortium_id=consortium))
    assert c.consortium_id == consortium
    elsewhere = uuid.uuid4()
    with pytest.raises(ValidationFailed):
        await service.update_details(
            uow, college_admin, c.id, {"consortium_id": memberships.put(elsewhere)}, None, now=NOW
        )


async def test_a_college_is_required_when_the_token_has_none(uow: FakeUnitOfWork) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await service.create_curriculum(uow, who(None, Role.COLLEGE_ADMIN), **create_args())
    assert violations(exc.value) == [("college_id", "required")]


@pytest.mark.parametrize(
    ("org_attr", "role"),
    [
        ("college", Role.TEACHER),  # the right college, the wrong role
        ("outsider", Role.COLLEGE_ADMIN),  # an admin of another organisation naming this college
        ("firm_a", Role.FIRM_ADMIN),  # even a co-author firm
        (None, Role.OPERATOR),  # operators read everything but do not author a college's curricula
        (None, Role.COLLEGE_ADMIN),  # an admin of no organisation naming the college
    ],
)
async def test_only_the_owning_colleges_admin_creates(
    uow: FakeUnitOfWork, orgs: Any, org_attr: str | None, role: Role
) -> None:
    p = who(getattr(orgs, org_attr) if org_attr else None, role)
    with pytest.raises(Forbidden):
        await service.create_curriculum(uow, p, **create_args(college_id=orgs.college))
    assert uow.curricula.items == {}
    assert uow.events == []


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        ("college", "verified"),  # not an enterprise
        ("enterprise", "pending"),  # not vetted yet
        ("enterprise", "rejected"),
    ],
)
async def test_co_authors_must_be_verified_enterprises(
    uow: FakeUnitOfWork,
    directory: FakeOrganizationDirectory,
    college_admin: Principal,
    orgs: Any,
    kind: str | None,
    status: str | None,
) -> None:
    candidate = directory.put(uuid.uuid4(), kind=kind, status=status)
    with pytest.raises(ValidationFailed) as exc:
        await service.create_curriculum(uow, college_admin, **create_args(co_author_ids=[orgs.firm_a, candidate]))
    assert violations(exc.value) == [("co_author_ids[1]", "verified_enterprise_required")]
    # The same words whatever the reason: an organisation's kind and vetting status are not disclosed.
    assert exc.value.violations[0].message == f"organisation {candidate} is not a verified enterprise"
    assert exc.value.detail == f"co_author_ids[1]: organisation {candidate} is not a verified enterprise"
    assert uow.curricula.items == {}
    assert uow.events == []


async def test_every_bad_co_author_is_named_by_its_index(
    uow: FakeUnitOfWork, directory: FakeOrganizationDirectory, college_admin: Principal, orgs: Any
) -> None:
    pending = directory.put(uuid.uuid4(), status="pending")
    with pytest.raises(ValidationFailed) as exc:
        await service.create_curriculum(
            uow, college_admin, **create_args(co_author_ids=[uuid.uuid4(), orgs.firm_a, pending])
        )
    # A definite refusal wins over "not known yet" (index 0): retrying would not help.
    assert violations(exc.value) == [("co_author_ids[2]", "verified_enterprise_required")]


async def test_a_co_author_not_known_here_yet_is_a_retryable_409_not_a_refusal(
    uow: FakeUnitOfWork, college_admin: Principal, orgs: Any
) -> None:
    unknown = uuid.uuid4()
    with pytest.raises(NotKnownYet) as exc:
        await service.create_curriculum(uow, college_admin, **create_args(co_author_ids=[orgs.firm_a, unknown]))
    assert exc.value.status == 409 and exc.value.retry_after
    assert violations(exc.value) == [("co_author_ids[1]", "organization_not_known_yet")]
    assert uow.curricula.items == {} and uow.events == []


async def test_a_single_co_author_is_still_named_with_its_index(
    uow: FakeUnitOfWork, directory: FakeOrganizationDirectory, college_admin: Principal
) -> None:
    pending = directory.put(uuid.uuid4(), status="pending")
    with pytest.raises(ValidationFailed) as exc:
        await service.create_curriculum(uow, college_admin, **create_args(co_author_ids=[pending]))
    assert violations(exc.value) == [("co_author_ids[0]", "verified_enterprise_required")]


async def test_the_target_occupation_must_be_in_the_taxonomy(uow: FakeUnitOfWork, college_admin: Principal) -> None:
    with pytest.raises(ValidationFailed) as exc:
        await service.create_curriculum(uow, college_admin, **create_args(target_occupation="occupation/astronaut"))
    assert violations(exc.value) == [("target_occupation", "known_occupation")]
    assert uow.curricula.items == {}


# ------------------------------------------------------------------------------------------ get_curriculum


@pytest.mark.parametrize(
    ("org_attr", "role"),
    [
        ("outsider", Role.FIRM_ADMIN),
        ("outsider", Role.COLLEGE_ADMIN),
        ("college", Role.LEARNER),  # a learner of the college does not see drafts
        ("firm_a", Role.MENTOR),  # nor a co-author's mentor
    ],
)
async def test_an_unpublished_curriculum_is_not_found_by_outsiders(
    uow: FakeUnitOfWork, make_curriculum: Any, orgs: Any, org_attr: str, role: Role
) -> None:
    c = await stored(uow, make_curriculum())
    with pytest.raises(NotFound):
        await service.get_curriculum(uow, who(getattr(orgs, org_attr), role), c.id)


async def test_an_unpublished_curriculum_is_not_found_anonymously(uow: FakeUnitOfWork, make_curriculum: Any) -> None:
    c = await stored(uow, make_curriculum())
    with pytest.raises(NotFound):
        await service.get_curriculum(uow, None, c.id)


@pytest.mark.parametrize(
    ("org_attr", "role"),
    [
        ("college", Role.COLLEGE_ADMIN),
        ("college", Role.TEACHER),
        ("firm_a", Role.FIRM_ADMIN),
        ("firm_b", Role.RECRUITER),
        (None, Role.OPERATOR),
    ],
)
async def test_the_partnership_sees_an_unpublished_curriculum(
    uow: FakeUnitOfWork, make_curriculum: Any, orgs: Any, org_attr: str | None, role: Role
) -> None:
    c = await stored(uow, make_curriculum())
    p = who(getattr(orgs, org_attr) if org_attr else None, role)
    assert (await service.get_curriculum(uow, p, c.id)).id == c.id


async def test_a_published_curriculum_is_public(uow: FakeUnitOfWork, published: Curriculum, orgs: Any) -> None:
    await stored(uow, published)
    assert (await service.get_curriculum(uow, None, published.id)).id == published.id
    assert (await service.get_curriculum(uow, who(orgs.outsider, Role.LEARNER), published.id)).id == published.id


async def test_an_unknown_curriculum_is_not_found(uow: FakeUnitOfWork, operator: Principal) -> None:
    with pytest.raises(NotFound):
        await service.get_curriculum(uow, operator, uuid.uuid4())


# -------------------------------------------------------------------------------------------- replace_draft


async def test_college_admin_replaces_the_draft(
    uow: FakeUnitOfWork, make_curriculum: Any, make_module: Any, college_admin: Principal
) -> None:
    c = await stored(uow, make_curriculum())
    modules = [make_module("W1", 60, [(WELD, 2)]), make_module("C1", 30, [(CAD, 1)])]

    result = await service.replace_draft(
        uow, college_admin, c.id, modules, date(2026, 9, 1), expected_version=1, now=NOW
    )

    again = await uow.curricula.require(c.id)
    assert result.version == again.version == 2
    assert [m.code for m in again.current_draft.modules] == ["W1", "C1"]  # type: ignore[union-attr]
    assert again.current_draft.effective_date == date(2026, 9, 1)  # type: ignore[union-attr]
    assert uow.events == []
    assert uow.commits == 0


async def test_unknown_skills_are_named_by_their_full_json_path(
    uow: FakeUnitOfWork, make_curriculum: Any, make_module: Any, college_admin: Principal
) -> None:
    c = await stored(uow, make_curriculum())
    modules = [make_module("W1", 60, [(WELD, 2)]), make_module("X1", 10, [(CAD, 1), (BOGUS, 2)])]

    with pytest.raises(ValidationFailed) as exc:
        await service.replace_draft(uow, college_admin, c.id, modules, None, expected_version=1, now=NOW)

    assert violations(exc.value) == [("modules[1].outcomes[1].skills[0].skill_id", "known_skill")]
    untouched = await uow.curricula.require(c.id)
    assert untouched.version == 1
    assert untouched.current_draft.modules == []  # type: ignore[union-attr]


async def test_a_co_author_sees_the_draft_but_may_not_edit_it(
    uow: FakeUnitOfWork, make_curriculum: Any, make_module: Any, firm_a_admin: Principal
) -> None:
    c = await stored(uow, make_curriculum())
    with pytest.raises(Forbidden):
        await service.replace_draft(uow, firm_a_admin, c.id, [make_module("W1")], None, expected_version=None, now=NOW)


async def test_an_outsider_is_told_not_found_rather_than_forbidden(
    uow: FakeUnitOfWork, make_curriculum: Any, make_module: Any, orgs: Any
) -> None:
    c = await stored(uow, make_curriculum())
    with pytest.raises(NotFound):
        await service.replace_draft(
            uow, who(orgs.outsider, Role.COLLEGE_ADMIN), c.id, [make_module("W1")], None, expected_version=None, now=NOW
        )


async def test_a_stale_expected_version_conflicts(
    uow: FakeUnitOfWork, make_curriculum: Any, make_module: Any, college_admin: Principal
) -> None:
    c = await stored(uow, make_curriculum())
    await service.replace_draft(uow, college_admin, c.id, [make_module("W1")], None, expected_version=1, now=NOW)

    with pytest.raises(VersionConflict) as exc:
        await service.replace_draft(uow, college_admin, c.id, [make_module("C1", 5, [(CAD, 1)])], None, 1, now=NOW)

    assert (exc.value.expected, exc.value.actual) == (1, 2)
    kept = await uow.curricula.require(c.id)
    assert kept.version == 2
    assert [m.code for m in kept.current_draft.modules] == ["W1"]  # type: ignore[union-attr]


# ---------------------------------------------------------------------------------- lifecycle and reviews


async def test_the_version_lifecycle_through_the_service(
    uow: FakeUnitOfWork,
    make_curriculum: Any,
    make_module: Any,
    college_admin: Principal,
    firm_a_admin: Principal,
    firm_b_admin: Principal,
    today: date,
) -> None:
    c = await stored(uow, make_curriculum())
    await service.replace_draft(uow, college_admin, c.id, [make_module("W1")], None, 1, now=NOW)
    await service.lifecycle(uow, college_admin, c.id, "submit", 2, now=NOW)
    await service.review_version(uow, firm_a_admin, c.id, ReviewDecision.APPROVE, "", 3, now=NOW)
    after_b = await service.review_version(uow, firm_b_admin, c.id, ReviewDecision.APPROVE, "fine", 4, now=NOW)
    assert after_b.latest_version.status == VersionStatus.APPROVED
    assert uow.events == []  # nothing happened that another service needs to know yet

    published = await service.lifecycle(uow, college_admin, c.id, "publish", 5, now=NOW)
    assert published.version == 6
    assert published.published_version.number == 1  # type: ignore[union-attr]
    assert types(uow) == [CurriculumVersionPublished]
    assert uow.events[0].payload.effective_date == today

    draft = await service.lifecycle(uow, college_admin, c.id, "start_draft", 6, now=NOW)
    assert [(v.number, v.status) for v in draft.versions] == [(1, VersionStatus.PUBLISHED), (2, VersionStatus.DRAFT)]

    retired = await service.lifecycle(uow, college_admin, c.id, "retire", 7, now=NOW, number=1)
    assert retired.versions[0].status == VersionStatus.RETIRED
    assert types(uow) == [CurriculumVersionPublished, CurriculumVersionRetired]
    assert (await uow.curricula.require(c.id)).version == 8
    assert uow.commits == 0


async def test_publishing_a_successor_emits_published_then_retired(
    uow: FakeUnitOfWork, published: Curriculum, make_module: Any, college_admin: Principal, today: date
) -> None:
    published.start_draft(now=NOW)
    published.replace_draft_modules([make_module("W2", 80, [(WELD, 3)])], now=NOW)
    published.submit_for_review(now=NOW)
    for firm in published.co_author_ids:
        published.review_version(firm, ReviewDecision.APPROVE, now=NOW)
    await stored(uow, published)

    await service.lifecycle(uow, college_admin, published.id, "publish", 1, now=NOW)

    assert types(uow) == [CurriculumVersionPublished, CurriculumVersionRetired]
    assert uow.events[0].payload.version_number == 2
    assert uow.events[1].payload.version_number == 1


@pytest.mark.parametrize("action", ["submit", "publish", "start_draft", "retire"])
async def test_lifecycle_steps_belong_to_the_college(
    uow: FakeUnitOfWork, published: Curriculum, firm_a_admin: Principal, orgs: Any, today: date, action: str
) -> None:
    await stored(uow, published)
    for p in (firm_a_admin, who(orgs.college, Role.TEACHER), who(None, Role.OPERATOR)):
        with pytest.raises(Forbidden):
            await service.lifecycle(uow, p, published.id, action, None, now=NOW, number=1)
    assert (await uow.curricula.require(published.id)).version == 1


async def test_lifecycle_with_a_stale_version_conflicts(
    uow: FakeUnitOfWork, published: Curriculum, college_admin: Principal, today: date
) -> None:
    await stored(uow, published)
    with pytest.raises(VersionConflict):
        await service.lifecycle(uow, college_admin, published.id, "start_draft", 7, now=NOW)
    assert len((await uow.curricula.require(published.id)).versions) == 1
    assert uow.events == []


async def test_only_a_co_author_firms_admin_reviews_a_version(
    uow: FakeUnitOfWork, make_curriculum: Any, make_module: Any, college_admin: Principal, orgs: Any
) -> None:
    c = make_curriculum()
    c.replace_draft_modules([make_module("W1")], now=NOW)
    c.submit_for_review(now=NOW)
    await stored(uow, c)
    for p in (college_admin, who(orgs.firm_a, Role.RECRUITER), who(None, Role.OPERATOR)):
        with pytest.raises(Forbidden):
            await service.review_version(uow, p, c.id, ReviewDecision.APPROVE, "", None, now=NOW)
    with pytest.raises(NotFound):  # an outsider does not learn that the draft exists
        await service.review_version(
            uow, who(orgs.outsider, Role.FIRM_ADMIN), c.id, ReviewDecision.APPROVE, "", None, now=NOW
        )
    assert (await uow.curricula.require(c.id)).latest_version.reviews == []


# --------------------------------------------------------------------------------------------- co-authors


async def test_adding_a_verified_enterprise_as_co_author(
    uow: FakeUnitOfWork, make_curriculum: Any, college_admin: Principal, orgs: Any
) -> None:
    c = await stored(uow, make_curriculum(co_authors=[orgs.firm_a]))
    result = await service.change_co_authors(
        uow, college_admin, c.id, orgs.firm_b, add=True, expected_version=1, now=NOW
    )
    assert result.co_author_ids == [orgs.firm_a, orgs.firm_b]
    assert (await uow.curricula.require(c.id)).co_author_ids == [orgs.firm_a, orgs.firm_b]

    await service.change_co_authors(uow, college_admin, c.id, orgs.firm_a, add=False, expected_version=2, now=NOW)
    assert (await uow.curricula.require(c.id)).co_author_ids == [orgs.firm_b]


@pytest.mark.parametrize(("kind", "status"), [("enterprise", "pending"), ("association", "verified")])
async def test_an_added_co_author_must_be_a_verified_enterprise(
    uow: FakeUnitOfWork,
    directory: FakeOrganizationDirectory,
    make_curriculum: Any,
    college_admin: Principal,
    kind: str,
    status: str,
) -> None:
    c = await stored(uow, make_curriculum())
    candidate = directory.put(uuid.uuid4(), kind=kind, status=status)
    with pytest.raises(ValidationFailed) as exc:
        await service.change_co_authors(uow, college_admin, c.id, candidate, add=True, expected_version=None, now=NOW)
    assert violations(exc.value) == [("organization_id", "verified_enterprise_required")]
    assert exc.value.violations[0].message == f"organisation {candidate} is not a verified enterprise"
    assert candidate not in (await uow.curricula.require(c.id)).co_author_ids


async def test_a_co_author_may_not_change_the_co_authors(
    uow: FakeUnitOfWork, make_curriculum: Any, firm_a_admin: Principal, orgs: Any
) -> None:
    c = await stored(uow, make_curriculum())
    with pytest.raises(Forbidden):
        await service.change_co_authors(uow, firm_a_admin, c.id, orgs.firm_b, add=False, expected_version=None, now=NOW)


# ---------------------------------------------------------------------------------------------- proposals


@pytest.fixture
def plc_diff(make_module: Any) -> ModuleDiff:
    """Adds a PLC module to the published version 1 (W1 welding, C1 CAD)."""
    return ModuleDiff(add_modules=[make_module("P1", 20, [(PLC, 3), (WELD, 1)])])


async def proposed(uow: FakeUnitOfWork, published: Curriculum, p: Principal, diff: ModuleDiff) -> ChangeProposal:
    """A submitted proposal (version 1), with the unit of work's events cleared as if committed."""
    await stored(uow, published)
    proposal = await service.submit_proposal(uow, p, published.id, diff, "PLC skills are in demand", None, now=NOW)
    await uow.commit()
    return proposal


async def test_a_co_author_submits_a_proposal(
    uow: FakeUnitOfWork, published: Curriculum, firm_a_admin: Principal, plc_diff: ModuleDiff, orgs: Any
) -> None:
    await stored(uow, published)
    demand = uuid.uuid4()
    proposal = await service.submit_proposal(
        uow, firm_a_admin, published.id, plc_diff, "PLC is in demand", demand, now=NOW
    )

    assert proposal.proposer_org_id == orgs.firm_a
    assert (await uow.proposals.require(proposal.id)).version == 1
    assert types(uow) == [ChangeProposalSubmitted]
    assert uow.events[0].payload.added_skill_ids == [PLC]
    assert uow.events[0].payload.demand_id == demand
    assert uow.commits == 0


async def test_unknown_skills_in_a_diff_are_named_by_path(
    uow: FakeUnitOfWork, published: Curriculum, firm_a_admin: Principal, make_module: Any
) -> None:
    await stored(uow, published)
    diff = ModuleDiff(
        add_modules=[make_module("P1", 20, [(PLC, 3), (BOGUS, 1)])],
        update_modules=[make_module("C1", 30, [(BOGUS, 2)])],
    )
    with pytest.raises(ValidationFailed) as exc:
        await service.submit_proposal(uow, firm_a_admin, published.id, diff, "why not", None, now=NOW)
    assert violations(exc.value) == [("diff.add_modules[0].outcomes[1].skills[0].skill_id", "known_skill")]
    assert uow.proposals.items == {}

    diff = ModuleDiff(update_modules=[make_module("C1", 30, [(BOGUS, 2)])])
    with pytest.raises(ValidationFailed) as exc:
        await service.submit_proposal(uow, firm_a_admin, published.id, diff, "why not", None, now=NOW)
    assert violations(exc.value) == [("diff.update_modules[0].outcomes[0].skills[0].skill_id", "known_skill")]


@pytest.mark.parametrize(
    ("org_attr", "role"),
    [
        ("college", Role.TEACHER),
        ("firm_a", Role.RECRUITER),  # sees drafts, but a proposal binds the firm
        ("outsider", Role.FIRM_ADMIN),  # sees the published curriculum, is no party to it
        (None, Role.OPERATOR),  # has no organisation to propose as
    ],
)
async def test_only_the_parties_admins_propose(
    uow: FakeUnitOfWork, published: Curriculum, plc_diff: ModuleDiff, orgs: Any, org_attr: str | None, role: Role
) -> None:
    await stored(uow, published)
    p = who(getattr(orgs, org_attr) if org_attr else None, role)
    with pytest.raises(Forbidden):
        await service.submit_proposal(uow, p, published.id, plc_diff, "because", None, now=NOW)
    assert uow.proposals.items == {}


async def test_the_proposer_may_not_review_its_own_proposal(
    uow: FakeUnitOfWork, published: Curriculum, firm_a_admin: Principal, plc_diff: ModuleDiff, orgs: Any
) -> None:
    proposal = await proposed(uow, published, firm_a_admin, plc_diff)
    for p in (firm_a_admin, who(orgs.firm_a, Role.COLLEGE_ADMIN, Role.FIRM_ADMIN)):
        with pytest.raises(Forbidden):
            await service.decide_proposal(
                uow, p, proposal.id, "review", None, decision=ReviewDecision.APPROVE, comment="mine", now=NOW
            )
    assert (await uow.proposals.require(proposal.id)).reviews == []


async def test_reviews_then_accept_save_the_proposal_and_the_curriculums_new_draft(
    uow: FakeUnitOfWork,
    published: Curriculum,
    college_admin: Principal,
    firm_a_admin: Principal,
    firm_b_admin: Principal,
    plc_diff: ModuleDiff,
) -> None:
    proposal = await proposed(uow, published, firm_a_admin, plc_diff)
    await service.decide_proposal(
        uow, college_admin, proposal.id, "review", 1, decision=ReviewDecision.APPROVE, now=NOW
    )
    await service.decide_proposal(uow, firm_b_admin, proposal.id, "review", 2, decision=ReviewDecision.APPROVE, now=NOW)
    assert uow.events == []

    accepted = await service.decide_proposal(uow, college_admin, proposal.id, "accept", 3, now=NOW)

    assert accepted.status == ProposalStatus.ACCEPTED
    assert accepted.accepted_version_number == 2
    assert (await uow.proposals.require(proposal.id)).version == 4
    curriculum = await uow.curricula.require(published.id)
    assert curriculum.version == 2  # the new draft was saved with the proposal
    draft = curriculum.current_draft
    assert draft is not None and draft.number == 2 and draft.source_proposal_id == proposal.id
    assert [m.code for m in draft.modules] == ["W1", "C1", "P1"]
    assert types(uow) == [ChangeProposalAccepted]
    assert uow.events[0].payload.new_version_number == 2
    assert uow.commits == 1  # only the one made by `proposed`, standing in for an earlier request


async def test_accept_refuses_a_stale_proposal_version_and_emits_nothing(
    uow: FakeUnitOfWork,
    published: Curriculum,
    college_admin: Principal,
    firm_a_admin: Principal,
    firm_b_admin: Principal,
    plc_diff: ModuleDiff,
) -> None:
    proposal = await proposed(uow, published, firm_a_admin, plc_diff)
    await service.decide_proposal(
        uow, college_admin, proposal.id, "review", 1, decision=ReviewDecision.APPROVE, now=NOW
    )
    await service.decide_proposal(uow, firm_b_admin, proposal.id, "review", 2, decision=ReviewDecision.APPROVE, now=NOW)
    with pytest.raises(VersionConflict):
        await service.decide_proposal(uow, college_admin, proposal.id, "accept", 2, now=NOW)
    assert (await uow.proposals.require(proposal.id)).status == ProposalStatus.SUBMITTED
    assert uow.events == []


async def test_only_the_colleges_admins_accept_or_reject(
    uow: FakeUnitOfWork,
    published: Curriculum,
    firm_a_admin: Principal,
    firm_b_admin: Principal,
    plc_diff: ModuleDiff,
    orgs: Any,
) -> None:
    proposal = await proposed(uow, published, firm_a_admin, plc_diff)
    for action in ("accept", "reject"):
        for p in (firm_a_admin, firm_b_admin, who(orgs.college, Role.TEACHER)):
            with pytest.raises(Forbidden):
                await service.decide_proposal(uow, p, proposal.id, action, None, reason="no", now=NOW)
    assert (await uow.proposals.require(proposal.id)).status == ProposalStatus.SUBMITTED


async def test_the_college_rejects_with_a_reason(
    uow: FakeUnitOfWork, published: Curriculum, college_admin: Principal, firm_a_admin: Principal, plc_diff: ModuleDiff
) -> None:
    proposal = await proposed(uow, published, firm_a_admin, plc_diff)
    rejected = await service.decide_proposal(
        uow, college_admin, proposal.id, "reject", 1, reason="not this year", now=NOW
    )
    assert rejected.status == ProposalStatus.REJECTED
    assert types(uow) == [ChangeProposalRejected]
    assert uow.events[0].payload.reason == "not this year"
    assert (await uow.curricula.require(published.id)).version == 1  # rejecting leaves the curriculum alone


async def test_only_the_proposer_withdraws(
    uow: FakeUnitOfWork, published: Curriculum, college_admin: Principal, firm_a_admin: Principal, plc_diff: ModuleDiff
) -> None:
    proposal = await proposed(uow, published, firm_a_admin, plc_diff)
    with pytest.raises(Forbidden):
        await service.decide_proposal(uow, college_admin, proposal.id, "withdraw", None, now=NOW)

    withdrawn = await service.decide_proposal(uow, firm_a_admin, proposal.id, "withdraw", 1, now=NOW)
    assert withdrawn.status == ProposalStatus.WITHDRAWN
    assert (await uow.proposals.require(proposal.id)).version == 2
    assert [e.type for e in uow.events] == ["dovetail.curricula.proposal.withdrawn.v1"]


async def test_a_proposal_is_invisible_outside_the_partnership(
    uow: FakeUnitOfWork, published: Curriculum, firm_a_admin: Principal, plc_diff: ModuleDiff, orgs: Any
) -> None:
    proposal = await proposed(uow, published, firm_a_admin, plc_diff)
    outsider = who(orgs.outsider, Role.FIRM_ADMIN)
    with pytest.raises(NotFound):
        await service.get_proposal(uow, outsider, proposal.id)
    with pytest.raises(NotFound):
        await service.decide_proposal(uow, outsider, proposal.id, "withdraw", None, now=NOW)
    with pytest.raises(NotFound):
        await service.get_proposal(uow, firm_a_admin, uuid.uuid4())
    assert (await service.get_proposal(uow, who(orgs.college, Role.TEACHER), proposal.id)).id == proposal.id


# ---------------------------------------------------------------------------------------------- operators


async def test_an_operator_reads_everything_but_manages_no_curriculum(
    uow: FakeUnitOfWork,
    published: Curriculum,
    make_module: Any,
    operator: Principal,
    firm_a_admin: Principal,
    plc_diff: ModuleDiff,
    orgs: Any,
    today: date,
) -> None:
    published.start_draft(now=NOW)  # an unpublished version 2 the operator still sees
    proposal = await proposed(uow, published, firm_a_admin, plc_diff)

    assert (await service.get_curriculum(uow, operator, published.id)).id == published.id
    assert (await service.get_proposal(uow, operator, proposal.id)).id == proposal.id

    writes = [
        service.update_details(uow, operator, published.id, {"title": "Taken over"}, None, now=NOW),
        service.replace_draft(uow, operator, published.id, [make_module("W9")], None, None, now=NOW),
        service.lifecycle(uow, operator, published.id, "discard_draft", None, now=NOW),
        service.change_co_authors(uow, operator, published.id, orgs.outsider, add=True, expected_version=None, now=NOW),
        service.change_co_authors(uow, operator, published.id, orgs.firm_a, add=False, expected_version=None, now=NOW),
        service.decide_proposal(uow, operator, proposal.id, "accept", None, now=NOW),
        service.decide_proposal(uow, operator, proposal.id, "reject", None, reason="no", now=NOW),
    ]
    for write in writes:
        with pytest.raises(Forbidden):
            await write
    assert (await uow.curricula.require(published.id)).version == 1
    assert (await uow.proposals.require(proposal.id)).status == ProposalStatus.SUBMITTED
    assert uow.events == []
