"""Curricula use cases: authorise, load, call the domain, save, emit. Never commits (the boundary does)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from dovetail_shared.clock import DEFAULT_TIME_ZONE, local_date
from dovetail_shared.errors import Forbidden, NotFound, NotKnownYet, ValidationFailed, Violation, ViolationCollector
from dovetail_shared.principal import Principal, Role
from dovetail_shared.projections.memberships import Membership
from dovetail_shared.vocabulary import OrganizationKind

from curricula.domain import (
    ApprovalRule,
    ChangeProposal,
    Curriculum,
    CurriculumLevel,
    CurriculumVersion,
    CurriculumView,
    Module,
    ModuleDiff,
    ReviewDecision,
    can_manage,
    can_propose,
    can_review_proposal,
    can_review_version,
    can_view_drafts,
    can_withdraw_proposal,
    curriculum_view,
)
from curricula.uow import CurriculaUnitOfWork

# Rule ids of the checks against consortia's facts (from the projections).
NOT_KNOWN_YET = "organization_not_known_yet"


def _deny(action: str) -> Forbidden:
    return Forbidden(f"you may not {action} this curriculum")


async def _check_co_authors(uow: CurriculaUnitOfWork, ids: Sequence[uuid.UUID], field: str) -> None:
    """Co-authors must be enterprises that a platform operator verified (fake employers are the top complaint).

    One message for every failing case: telling unknown, non-enterprise and unverified apart would let any
    college admin probe the kind and vetting status of organisations the platform does not show them.
    """
    known = await uow.organizations.many(list(ids))
    out, lagging = ViolationCollector(), ViolationCollector()
    for i, org_id in enumerate(ids):
        org = known.get(org_id)
        where = f"{field}[{i}]" if len(ids) > 1 or field.endswith("_ids") else field
        if org is None:
            lagging.add(where, NOT_KNOWN_YET, f"organisation {org_id} is not known here yet; retry shortly")
        elif not org.is_verified(OrganizationKind.ENTERPRISE):
            out.add(where, "verified_enterprise_required", f"organisation {org_id} is not a verified enterprise")
    out.raise_if_any()  # a definite refusal first: retrying would not help
    lagging.raise_not_known_yet_if_any()


async def _check_college(uow: CurriculaUnitOfWork, college_id: uuid.UUID) -> None:
    """A curriculum is owned by a college a platform operator verified (from consortia's events)."""
    college = await uow.organizations.get(college_id)
    if college is None:
        raise NotKnownYet([Violation("college_id", NOT_KNOWN_YET, "the college is not known here yet; retry shortly")])
    if not college.is_verified(OrganizationKind.COLLEGE):
        raise ValidationFailed("college_id", "verified_college_required", "the owner must be a verified college")


async def _check_consortium(uow: CurriculaUnitOfWork, college_id: uuid.UUID, consortium_id: uuid.UUID) -> None:
    """A named consortium is one the owning college is an active member of."""
    membership = await uow.memberships.membership(college_id, consortium_id)
    if membership is Membership.UNKNOWN_CONSORTIUM:
        message = "the consortium is not known here yet; retry shortly"
        raise NotKnownYet([Violation("consortium_id", "consortium_not_known_yet", message)])
    if membership is Membership.DISSOLVED:
        raise ValidationFailed("consortium_id", "active_consortium_required", "the consortium is dissolved")
    if membership is not Membership.ACTIVE:
        message = "the college is not an active member of this consortium"
        raise ValidationFailed("consortium_id", "consortium_member_required", message)


async def _check_taxonomy(uow: CurriculaUnitOfWork, modules: Sequence[Module], path: str = "modules") -> None:
    ids = {s.skill_id for m in modules for o in m.outcomes for s in o.skills}
    unknown = await uow.taxonomy.unknown_skills(ids)
    if not unknown:
        return
    out = ViolationCollector()
    for i, m in enumerate(modules):
        for j, o in enumerate(m.outcomes):
            for k, s in enumerate(o.skills):
                if s.skill_id in unknown:
                    out.add(f"{path}[{i}].outcomes[{j}].skills[{k}].skill_id", "known_skill", "not a taxonomy skill id")
    out.raise_if_any()


async def create_curriculum(
    uow: CurriculaUnitOfWork,
    p: Principal,
    *,
    college_id: uuid.UUID | None,
    title: str,
    target_occupation: str,
    level: CurriculumLevel,
    title_zh: str | None = None,
    consortium_id: uuid.UUID | None = None,
    co_author_ids: Sequence[uuid.UUID] = (),
    approval_rule: ApprovalRule = ApprovalRule.ALL_CO_AUTHORS,
    now: datetime,
) -> Curriculum:
    college = college_id or p.org
    if college is None:
        raise ValidationFailed("college_id", "required", "give the owning college (your token has no organisation)")
    # Operators read everything but do not author content: a curriculum is created by its own college.
    if not p.acts_for(college, Role.COLLEGE_ADMIN):
        raise Forbidden("only an admin of the owning college creates its curricula")
    if await uow.taxonomy.unknown_occupation(target_occupation):
        raise ValidationFailed("target_occupation", "known_occupation", "not a taxonomy occupation id")
    await _check_college(uow, college)
    if consortium_id is not None:
        await _check_consortium(uow, college, consortium_id)
    curriculum, events = Curriculum.create(
        college_id=college,
        title=title,
        title_zh=title_zh,
        target_occupation=target_occupation,
        level=level,
        consortium_id=consortium_id,
        co_author_ids=co_author_ids,
        approval_rule=approval_rule,
        now=now,
    )
    await _check_co_authors(uow, curriculum.co_author_ids, "co_author_ids")
    await uow.curricula.add(curriculum)
    uow.emit(*events)
    return curriculum


async def get_curriculum(uow: CurriculaUnitOfWork, p: Principal | None, curriculum_id: uuid.UUID) -> Curriculum:
    curriculum = await uow.curricula.get(curriculum_id)
    if curriculum is None or not (curriculum.published_version or (p and can_view_drafts(p, curriculum))):
        # Unpublished curricula are invisible to outsiders, including the fact that they exist.
        raise NotFound(f"curriculum {curriculum_id} not found")
    return curriculum


def view(p: Principal | None, c: Curriculum) -> CurriculumView:
    """What the caller may see of a curriculum (policy.curriculum_view); every route answers with this."""
    return curriculum_view(p, c)


async def list_curricula(
    uow: CurriculaUnitOfWork,
    p: Principal | None,
    *,
    college_id: uuid.UUID | None,
    occupation: str | None,
    limit: int,
    offset: int,
    ids: list[uuid.UUID] | None = None,
) -> tuple[list[CurriculumView], int]:
    """Published curricula for everyone; unpublished ones as ``can_view_drafts`` allows, filtered in SQL
    (``CurriculumRepository.visible_to``, tested against the predicate)."""
    items, total = await uow.curricula.visible_to(
        p, college_id=college_id, occupation=occupation, ids=ids, limit=limit, offset=offset
    )
    return [curriculum_view(p, c) for c in items], total


async def get_version(
    uow: CurriculaUnitOfWork, p: Principal | None, curriculum_id: uuid.UUID, number: int
) -> tuple[Curriculum, CurriculumVersion]:
    """A version the caller may see; an invisible one is as absent as a missing one."""
    c = await get_curriculum(uow, p, curriculum_id)
    for v in curriculum_view(p, c).versions:
        if v.number == number:
            return c, v
    raise NotFound(f"curriculum {curriculum_id} has no visible version {number}")


async def _college_today(uow: CurriculaUnitOfWork, curriculum: Curriculum, now: datetime) -> date:
    """The owning college's local date at ``now`` (its time zone from consortia's events; UTC if none came)."""
    college = await uow.organizations.get(curriculum.college_id)
    return local_date(now, college.time_zone if college is not None else DEFAULT_TIME_ZONE)


async def _managed(uow: CurriculaUnitOfWork, p: Principal, curriculum_id: uuid.UUID, action: str) -> Curriculum:
    curriculum = await get_curriculum(uow, p, curriculum_id)
    if not can_manage(p, curriculum):
        raise _deny(action)
    return curriculum


async def update_details(
    uow: CurriculaUnitOfWork,
    p: Principal,
    curriculum_id: uuid.UUID,
    changes: dict[str, object],
    expected_version: int | None,
    *,
    now: datetime,
) -> Curriculum:
    """Title, Chinese title, approval rule and consortium; fields sent as null are cleared."""
    curriculum = await _managed(uow, p, curriculum_id, "edit")
    clear = frozenset(k for k, v in changes.items() if v is None and k in ("title_zh", "consortium_id"))
    values = {k: v for k, v in changes.items() if v is not None}
    consortium_id = values.get("consortium_id")
    if isinstance(consortium_id, uuid.UUID) and consortium_id != curriculum.consortium_id:
        await _check_consortium(uow, curriculum.college_id, consortium_id)
    events = curriculum.update_details(clear=clear, now=now, **values)
    await uow.curricula.save(curriculum, expected_version=expected_version)
    uow.emit(*events)
    return curriculum


async def replace_draft(
    uow: CurriculaUnitOfWork,
    p: Principal,
    curriculum_id: uuid.UUID,
    modules: Sequence[Module],
    effective_date: date | None,
    expected_version: int | None,
    *,
    now: datetime,
) -> Curriculum:
    curriculum = await _managed(uow, p, curriculum_id, "edit")
    events = curriculum.replace_draft_modules(modules, effective_date, now=now)
    await _check_taxonomy(uow, modules)
    await uow.curricula.save(curriculum, expected_version=expected_version)
    uow.emit(*events)
    return curriculum


async def lifecycle(
    uow: CurriculaUnitOfWork,
    p: Principal,
    curriculum_id: uuid.UUID,
    action: str,
    expected_version: int | None,
    *,
    now: datetime,
    number: int | None = None,
) -> Curriculum:
    """submit | publish | start_draft | discard_draft | retire: college-managed steps of the version lifecycle."""
    curriculum = await _managed(uow, p, curriculum_id, action.replace("_", " "))
    if action == "submit":
        events = curriculum.submit_for_review(now=now)
    elif action == "publish":
        events = curriculum.publish(await _college_today(uow, curriculum, now), now=now)
    elif action == "start_draft":
        events = curriculum.start_draft(now=now)
    elif action == "discard_draft":
        events = curriculum.discard_open_version(now=now)
    elif action == "retire" and number is not None:
        events = curriculum.retire_version(number, now=now)
    else:  # pragma: no cover - the API only routes the actions above
        raise ValueError(action)
    await uow.curricula.save(curriculum, expected_version=expected_version)
    uow.emit(*events)
    return curriculum


async def review_version(
    uow: CurriculaUnitOfWork,
    p: Principal,
    curriculum_id: uuid.UUID,
    decision: ReviewDecision,
    comment: str,
    expected_version: int | None,
    *,
    now: datetime,
) -> Curriculum:
    curriculum = await get_curriculum(uow, p, curriculum_id)
    if not can_review_version(p, curriculum) or p.org is None:
        raise Forbidden("only a co-author firm's admin reviews a version")
    events = curriculum.review_version(p.org, decision, comment, now=now)
    await uow.curricula.save(curriculum, expected_version=expected_version)
    uow.emit(*events)
    return curriculum


async def change_co_authors(
    uow: CurriculaUnitOfWork,
    p: Principal,
    curriculum_id: uuid.UUID,
    org_id: uuid.UUID,
    *,
    add: bool,
    expected_version: int | None,
    now: datetime,
) -> Curriculum:
    curriculum = await _managed(uow, p, curriculum_id, "change the co-authors of")
    if add:
        await _check_co_authors(uow, [org_id], "organization_id")
        events = curriculum.add_co_author(org_id, now=now)
    else:
        events = curriculum.remove_co_author(org_id, now=now)
    await uow.curricula.save(curriculum, expected_version=expected_version)
    uow.emit(*events)
    return curriculum


async def submit_proposal(
    uow: CurriculaUnitOfWork,
    p: Principal,
    curriculum_id: uuid.UUID,
    diff: ModuleDiff,
    rationale: str,
    demand_id: uuid.UUID | None,
    *,
    now: datetime,
) -> ChangeProposal:
    curriculum = await get_curriculum(uow, p, curriculum_id)
    if not can_propose(p, curriculum) or p.org is None:
        raise Forbidden("only the college's admins and co-author firms' admins propose changes")
    # The domain's checks (bounds included) come first: only a diff of sane size reaches the taxonomy query.
    proposal, events = ChangeProposal.submit(curriculum, p.org, diff, rationale, demand_id, now=now)
    await _check_taxonomy(uow, diff.add_modules, "diff.add_modules")
    await _check_taxonomy(uow, diff.update_modules, "diff.update_modules")
    await uow.proposals.add(proposal)
    uow.emit(*events)
    return proposal


async def list_proposals(
    uow: CurriculaUnitOfWork, p: Principal, curriculum_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[ChangeProposal], int]:
    """Proposals stay inside the partnership: others get an empty page of a curriculum they may see."""
    curriculum = await get_curriculum(uow, p, curriculum_id)
    if not can_view_drafts(p, curriculum):
        return [], 0
    return await uow.proposals.for_curriculum(curriculum_id, limit=limit, offset=offset)


async def get_proposal(uow: CurriculaUnitOfWork, p: Principal, proposal_id: uuid.UUID) -> ChangeProposal:
    proposal = await uow.proposals.get(proposal_id)
    if proposal is None:
        raise NotFound(f"change proposal {proposal_id} not found")
    curriculum = await uow.curricula.get(proposal.curriculum_id)
    if curriculum is None or not can_view_drafts(p, curriculum):
        raise NotFound(f"change proposal {proposal_id} not found")
    return proposal


async def decide_proposal(
    uow: CurriculaUnitOfWork,
    p: Principal,
    proposal_id: uuid.UUID,
    action: str,
    expected_version: int | None,
    *,
    now: datetime,
    decision: ReviewDecision | None = None,
    comment: str = "",
    reason: str = "",
) -> ChangeProposal:
    """review | accept | reject | withdraw a proposal; accepting also saves the curriculum's new draft."""
    proposal = await get_proposal(uow, p, proposal_id)
    curriculum = await uow.curricula.require(proposal.curriculum_id)
    if action == "review":
        if not can_review_proposal(p, curriculum, proposal) or p.org is None or decision is None:
            raise Forbidden("only the other parties' admins review a proposal")
        events = proposal.review(curriculum, p.org, decision, comment, now=now)
    elif action == "withdraw":
        if not can_withdraw_proposal(p, proposal):
            raise Forbidden("only the proposer withdraws a proposal")
        events = proposal.withdraw(now=now)
    elif action in ("accept", "reject"):
        if not can_manage(p, curriculum):
            raise Forbidden("only the owning college's admins accept or reject proposals")
        events = proposal.accept(curriculum, now=now) if action == "accept" else proposal.reject(reason, now=now)
    else:  # pragma: no cover - the API only routes the actions above
        raise ValueError(action)
    await uow.proposals.save(proposal, expected_version=expected_version)
    if action == "accept":
        await uow.curricula.save(curriculum)  # the new draft version the proposal produced
    uow.emit(*events)
    return proposal
