"""Joint programs use cases: authorise, load, call the domain, save, emit. Never commits (the boundary does)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from dovetail_shared.errors import (
    Conflict,
    Forbidden,
    NotFound,
    NotKnownYet,
    ValidationFailed,
    Violation,
    ViolationCollector,
)
from dovetail_shared.events.curricula import SkillCoverage
from dovetail_shared.events.joint_programs import CommittedIntake
from dovetail_shared.principal import Principal, Role
from dovetail_shared.projections.memberships import Membership
from dovetail_shared.vocabulary import OrganizationKind

from joint_programs.domain import (
    Cohort,
    Consent,
    ConsentPurpose,
    Enrolment,
    JointProgram,
    Learner,
    PinFlag,
    ProgramModel,
    ProgramStatus,
    Rule,
    policy,
)
from joint_programs.uow import JointProgramsUnitOfWork as UoW

NOT_KNOWN_YET = "organization_not_known_yet"


# ------------------------------------------------------------------------------ facts from other services


async def _check_college(uow: UoW, college_id: uuid.UUID) -> None:
    college = await uow.organizations.get(college_id)
    if college is None:
        raise NotKnownYet([Violation("college_id", NOT_KNOWN_YET, "the college is not known here yet; retry shortly")])
    if not college.is_verified(OrganizationKind.COLLEGE):
        raise ValidationFailed("college_id", "verified_college_required", "the owner must be a verified college")


async def _check_partners(uow: UoW, ids: Sequence[uuid.UUID]) -> None:
    """Partners are enterprises a platform operator verified; one message for every failing case (no probing)."""
    known = await uow.organizations.many(list(ids))
    out, lagging = ViolationCollector(), ViolationCollector()
    for i, org_id in enumerate(ids):
        org = known.get(org_id)
        if org is None:
            lagging.add(
                f"partner_ids[{i}]", NOT_KNOWN_YET, f"organisation {org_id} is not known here yet; retry shortly"
            )
        elif not org.is_verified(OrganizationKind.ENTERPRISE):
            out.add(
                f"partner_ids[{i}]",
                "verified_enterprise_required",
                f"organisation {org_id} is not a verified enterprise",
            )
    out.raise_if_any()
    lagging.raise_not_known_yet_if_any()


async def _check_members(uow: UoW, consortium_id: uuid.UUID, parties: Sequence[tuple[str, uuid.UUID]]) -> None:
    """In a consortium's program the college and every partner are active members (from consortia's events)."""
    out = ViolationCollector()
    for field, org_id in parties:
        membership = await uow.memberships.membership(org_id, consortium_id)
        if membership is Membership.UNKNOWN_CONSORTIUM:
            message = "the consortium is not known here yet; retry shortly"
            raise NotKnownYet([Violation("consortium_id", "consortium_not_known_yet", message)])
        if membership is Membership.DISSOLVED:
            raise ValidationFailed("consortium_id", "active_consortium_required", "the consortium is dissolved")
        if membership is not Membership.ACTIVE:
            out.add(
                field, "consortium_member_required", f"organisation {org_id} is not an active member of the consortium"
            )
    out.raise_if_any()


async def _check_published(uow: UoW, curriculum_id: uuid.UUID, number: int) -> None:
    """The version must be published now. A curriculum or a number above any known one may be projection lag
    (409, retry); a lower number that is retired or was never published is a definite refusal (422)."""
    version = await uow.curriculum_versions.get(curriculum_id, number)
    if version is not None and version.is_published:
        return
    latest = await uow.curriculum_versions.latest_number(curriculum_id)
    if latest is None or (version is None and number > latest):
        message = f"version {number} of curriculum {curriculum_id} is not known here as published yet; retry shortly"
        raise NotKnownYet([Violation("curriculum_version_number", "curriculum_not_known_yet", message)])
    current = await uow.curriculum_versions.current(curriculum_id)
    state = "retired" if version is not None else "not published"
    hint = f"; the published version is {current.number}" if current else "; the curriculum has no published version"
    raise ValidationFailed(
        "curriculum_version_number", Rule.PUBLISHED_VERSION_REQUIRED, f"version {number} is {state}{hint}"
    )


async def _pinned_skills(uow: UoW, program: JointProgram) -> list[SkillCoverage]:
    version = await uow.curriculum_versions.get(program.curriculum_id, program.curriculum_version_number)
    return list(version.skills) if version else []


# -------------------------------------------------------------------------------------------------- programs


async def propose_program(
    uow: UoW,
    p: Principal,
    *,
    now: datetime,
    title: str,
    model: ProgramModel,
    partner_ids: Sequence[uuid.UUID],
    curriculum_id: uuid.UUID,
    curriculum_version_number: int,
    capacity: int,
    title_zh: str | None = None,
    consortium_id: uuid.UUID | None = None,
    committed_intake: Sequence[CommittedIntake] = (),
) -> JointProgram:
    college = p.org
    if college is None or not p.acts_for(college, Role.COLLEGE_ADMIN):
        raise Forbidden("only a college's admin proposes a joint program")
    program, events = JointProgram.propose(
        college_id=college,
        title=title,
        title_zh=title_zh,
        model=model,
        partner_ids=partner_ids,
        consortium_id=consortium_id,
        curriculum_id=curriculum_id,
        curriculum_version_number=curriculum_version_number,
        capacity=capacity,
        committed_intake=committed_intake,
        now=now,
    )
    await _check_college(uow, college)
    await _check_partners(uow, program.partner_ids)
    if consortium_id is not None:
        parties = [("college_id", college), *((f"partner_ids[{i}]", o) for i, o in enumerate(program.partner_ids))]
        await _check_members(uow, consortium_id, parties)
    await _check_published(uow, curriculum_id, curriculum_version_number)
    await uow.programs.add(program)
    uow.emit(*events)
    return program


async def get_program(uow: UoW, p: Principal, program_id: uuid.UUID) -> JointProgram:
    program = await uow.programs.get(program_id)
    if program is None or not policy.can_view_program(p, program):
        raise NotFound(f"joint program {program_id} not found")
    return program


async def list_programs(
    uow: UoW,
    p: Principal,
    *,
    college_id: uuid.UUID | None,
    partner_id: uuid.UUID | None,
    status: ProgramStatus | None,
    limit: int,
    offset: int,
    ids: list[uuid.UUID] | None = None,
) -> tuple[list[JointProgram], int]:
    """The programs ``policy.can_view_program`` lets the caller see, filtered in SQL (tested against it)."""
    return await uow.programs.visible_to(
        p, college_id=college_id, partner_id=partner_id, status=status, ids=ids, limit=limit, offset=offset
    )


async def decide_program(
    uow: UoW,
    p: Principal,
    program_id: uuid.UUID,
    action: str,
    expected_version: int | None,
    *,
    now: datetime,
    reason: str = "",
) -> JointProgram:
    """approve | decline by a partner firm's admin; an approval re-checks consortium membership."""
    program = await get_program(uow, p, program_id)
    if not policy.can_decide_program(p, program) or p.org is None:
        raise Forbidden("only a partner firm's admin approves or declines a program")
    if action == "approve":
        if program.consortium_id is not None:
            await _check_members(
                uow, program.consortium_id, [("organization_id", p.org), ("college_id", program.college_id)]
            )
        events = program.approve(p.org, now)
    else:
        events = program.decline(p.org, reason, now)
    await uow.programs.save(program, expected_version=expected_version)
    uow.emit(*events)
    return program


async def _managed(uow: UoW, p: Principal, program_id: uuid.UUID, action: str) -> JointProgram:
    program = await get_program(uow, p, program_id)
    if not policy.can_manage_program(p, program):
        raise Forbidden(f"only the owning college's admins {action} a program")
    return program


async def program_step(
    uow: UoW, p: Principal, program_id: uuid.UUID, action: str, expected_version: int | None, *, now: datetime
) -> JointProgram:
    """launch | close | repin, by the owning college's admins."""
    program = await _managed(uow, p, program_id, action)
    if action == "launch":
        pinned = await uow.curriculum_versions.get(program.curriculum_id, program.curriculum_version_number)
        events = program.launch(pinned_published=pinned is not None and pinned.is_published, now=now)
    elif action == "close":
        events = program.close(now)
    elif action == "repin":
        current = await uow.curriculum_versions.current(program.curriculum_id)
        if current is None:
            message = "the curriculum has no published version to re-pin to"
            raise ValidationFailed("curriculum_version_number", Rule.PUBLISHED_VERSION_REQUIRED, message)
        events = program.repin(current.number, now)
    else:  # pragma: no cover - the API only routes the actions above
        raise ValueError(action)
    await uow.programs.save(program, expected_version=expected_version)
    uow.emit(*events)
    return program


async def flag_pinned_programs(uow: UoW, curriculum_id: uuid.UUID, number: int, *, now: datetime) -> list[JointProgram]:
    """Curricula retired a version: flag the live programs pinned to it (from the consumer, no caller)."""
    current = await uow.curriculum_versions.current(curriculum_id)
    reason = PinFlag.SUPERSEDED if current is not None and current.number > number else PinFlag.RETIRED
    flagged = []
    for program in await uow.programs.pinned_to(curriculum_id, number):
        events = program.flag(reason, now)
        if events:
            await uow.programs.save(program)
            uow.emit(*events)
            flagged.append(program)
    return flagged


# --------------------------------------------------------------------------------------------------- cohorts


async def plan_cohort(
    uow: UoW,
    p: Principal,
    program_id: uuid.UUID,
    *,
    now: datetime,
    intake_term: str,
    seat_limit: int,
    start_date: date,
    graduation_date: date,
) -> Cohort:
    program = await get_program(uow, p, program_id)
    if not policy.can_manage_cohorts(p, program):
        raise Forbidden("only the owning college's admins and teachers plan cohorts")
    cohort = Cohort.plan(
        program,
        intake_term=intake_term,
        seat_limit=seat_limit,
        start_date=start_date,
        graduation_date=graduation_date,
        now=now,
    )
    await uow.cohorts.add(cohort)
    return cohort


async def get_cohort(uow: UoW, p: Principal, cohort_id: uuid.UUID) -> tuple[Cohort, JointProgram]:
    cohort = await uow.cohorts.get(cohort_id)
    if cohort is None:
        raise NotFound(f"cohort {cohort_id} not found")
    program = await uow.programs.get(cohort.program_id)
    if program is None or not policy.can_view_program(p, program):
        raise NotFound(f"cohort {cohort_id} not found")
    return cohort, program


async def list_cohorts(
    uow: UoW, p: Principal, program_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[Cohort], int]:
    await get_program(uow, p, program_id)
    return await uow.cohorts.for_program(program_id, limit=limit, offset=offset)


async def cohort_step(
    uow: UoW, p: Principal, cohort_id: uuid.UUID, action: str, expected_version: int | None, *, now: datetime
) -> Cohort:
    """open | start | graduate; the events carry the pinned version's skills for matching."""
    cohort, program = await get_cohort(uow, p, cohort_id)
    if not policy.can_manage_cohorts(p, program):
        raise Forbidden("only the owning college's admins and teachers run cohorts")
    skills = await _pinned_skills(uow, program)
    if action == "open":
        events = cohort.open(program, skills, now)
    elif action == "start":
        events = cohort.start(program, skills, now)
    elif action == "graduate":
        events = cohort.graduate(program, skills, now)
    else:  # pragma: no cover - the API only routes the actions above
        raise ValueError(action)
    await uow.cohorts.save(cohort, expected_version=expected_version)
    uow.emit(*events)
    return cohort


# -------------------------------------------------------------------------------------------------- learners


async def register_learner(
    uow: UoW,
    p: Principal,
    *,
    now: datetime,
    today: date,
    name: str,
    student_number: str,
    date_of_birth: date,
    name_zh: str | None = None,
    contact: str | None = None,
    account_subject: str | None = None,
) -> Learner:
    college = p.org
    if college is None or not policy.can_manage_roster(p, college):
        raise Forbidden("only a college's admins and teachers add learners to its roster")
    learner, events = Learner.register(
        college_id=college,
        name=name,
        name_zh=name_zh,
        student_number=student_number,
        date_of_birth=date_of_birth,
        contact=contact,
        account_subject=account_subject,
        now=now,
        today=today,
    )
    await uow.learners.add(learner)
    uow.emit(*events)
    return learner


async def get_learner(uow: UoW, p: Principal, learner_id: uuid.UUID) -> Learner:
    """The full record, for the college's staff and the learner; to anyone else it does not exist."""
    learner = await uow.learners.get(learner_id)
    if learner is None or not policy.can_view_record(p, learner):
        raise NotFound(f"learner {learner_id} not found")
    return learner


async def me(uow: UoW, p: Principal) -> Learner:
    learner = await uow.learners.by_account(p.sub) if p.has(Role.LEARNER) else None
    if learner is None:
        raise NotFound("no roster entry is linked to your account")
    return learner


async def list_roster(uow: UoW, p: Principal, *, limit: int, offset: int) -> tuple[list[Learner], int]:
    if p.org is None or not policy.can_manage_roster(p, p.org):
        raise Forbidden("only a college's admins and teachers read its roster")
    return await uow.learners.roster(p.org, limit=limit, offset=offset)


async def erase_learner(uow: UoW, p: Principal, learner_id: uuid.UUID, *, now: datetime) -> Learner:
    """Right to erasure: personal data deleted here, consents with it; enrolments stay under the pseudonym."""
    learner = await uow.learners.get(learner_id, for_update=True)
    if learner is None or not policy.can_view_record(p, learner):
        raise NotFound(f"learner {learner_id} not found")
    if not policy.can_erase(p, learner):
        raise Forbidden("only the college's admins erase a learner")
    events = learner.erase(now)
    await uow.consents.delete_for(learner.id)
    await uow.learners.save(learner)
    uow.emit(*events)
    return learner


# ------------------------------------------------------------------------------------------------- enrolment


async def enrol(
    uow: UoW, p: Principal, cohort_id: uuid.UUID, learner_id: uuid.UUID, *, today: date, now: datetime
) -> Enrolment:
    cohort, program = await get_cohort(uow, p, cohort_id)
    if not policy.can_manage_cohorts(p, program):
        raise Forbidden("only the owning college's admins and teachers enrol learners")
    learner = await uow.learners.get(learner_id)
    if learner is None or learner.college_id != program.college_id:
        raise ValidationFailed("learner_id", Rule.OTHER_COLLEGE, "not a learner on this college's roster")
    enrolment, events = Enrolment.enrol(cohort, learner, today=today, now=now)
    await uow.enrolments.add(enrolment)
    if await uow.cohorts.take_seat(cohort.id) is None:
        detail = f"all {cohort.seat_limit} seats of the cohort are taken"
        raise Conflict(detail, violations=[Violation("cohort", Rule.SEATS_FULL, detail)])
    uow.emit(*events)
    return enrolment


async def list_enrolments(
    uow: UoW, p: Principal, cohort_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[Enrolment], int]:
    cohort, program = await get_cohort(uow, p, cohort_id)
    if not policy.can_manage_cohorts(p, program):
        raise Forbidden("only the owning college's staff read a cohort's enrolments")
    return await uow.enrolments.for_cohort(cohort.id, limit=limit, offset=offset)


async def end_enrolment(
    uow: UoW, p: Principal, enrolment_id: uuid.UUID, action: str, *, today: date, now: datetime
) -> Enrolment:
    """graduate | withdraw; a withdrawal frees the seat."""
    enrolment = await uow.enrolments.get(enrolment_id)
    if enrolment is None:
        raise NotFound(f"enrolment {enrolment_id} not found")
    cohort, program = await get_cohort(uow, p, enrolment.cohort_id)
    if not policy.can_manage_cohorts(p, program):
        raise Forbidden("only the owning college's admins and teachers end enrolments")
    if action == "graduate":
        events = enrolment.graduate(program, await _pinned_skills(uow, program), today=today, now=now)
    else:
        events = enrolment.withdraw(today=today, now=now)
        await uow.cohorts.release_seat(cohort.id)
    await uow.enrolments.save(enrolment)
    uow.emit(*events)
    return enrolment


# --------------------------------------------------------------------------------------------------- consent


async def give_consent(
    uow: UoW,
    p: Principal,
    learner_id: uuid.UUID,
    *,
    now: datetime,
    purpose: ConsentPurpose,
    firm_id: uuid.UUID | None,
    program_id: uuid.UUID | None,
) -> Consent:
    """The learner, for themself only: consent is theirs to give, not their college's."""
    learner = await get_learner(uow, p, learner_id)
    if not policy.is_self(p, learner):
        raise Forbidden("only the learner gives consent")
    if firm_id is not None:
        org = await uow.organizations.get(firm_id)
        if org is None:
            raise NotKnownYet([Violation("firm_id", NOT_KNOWN_YET, "the firm is not known here yet; retry shortly")])
        if not org.is_verified(OrganizationKind.ENTERPRISE):
            raise ValidationFailed("firm_id", "verified_enterprise_required", "not a verified enterprise")
    if program_id is not None:
        enrolled = {e.program_id for e in await uow.enrolments.for_learner(learner.id)}
        if program_id not in enrolled:
            message = "you can consent for the partners of a program you are enrolled in only"
            raise ValidationFailed("program_id", Rule.CONSENT_SCOPE, message)
    consent, events = Consent.give(learner, purpose=purpose, firm_id=firm_id, program_id=program_id, now=now)
    await uow.consents.add(consent)
    uow.emit(*events)
    return consent


async def list_consents(
    uow: UoW, p: Principal, learner_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[Consent], int]:
    learner = await get_learner(uow, p, learner_id)
    return await uow.consents.for_learner(learner.id, limit=limit, offset=offset)


async def withdraw_consent(uow: UoW, p: Principal, consent_id: uuid.UUID, *, now: datetime) -> Consent:
    consent = await uow.consents.get(consent_id, for_update=True)
    learner = None if consent is None else await uow.learners.get(consent.learner_id)
    if consent is None or learner is None or not policy.can_view_record(p, learner):
        raise NotFound(f"consent {consent_id} not found")
    if not policy.is_self(p, learner):
        raise Forbidden("only the learner withdraws their consent")
    events = consent.withdraw(now)
    await uow.consents.save(consent)
    uow.emit(*events)
    return consent


# ------------------------------------------------------------------------------------- what firms may see


@dataclass(frozen=True)
class Profile:
    """A learner as a consenting firm sees them: no student number, no date of birth, no roster id."""

    learner: Learner
    purposes: list[ConsentPurpose]


async def _profiles(uow: UoW, p: Principal, learners: list[Learner]) -> list[Profile]:
    consents = await uow.consents.active_for([learner.id for learner in learners])
    partners = await uow.programs.partners_of({c.program_id for c in consents if c.program_id})
    out = []
    for learner in learners:
        mine = [c for c in consents if c.learner_id == learner.id]
        if policy.firm_may_see(p, learner, mine, partners):
            assert p.org is not None
            granted = sorted({c.purpose for c in mine if policy.consent_grants(c, p.org, partners)})
            out.append(Profile(learner, granted))
    return out


async def list_profiles(uow: UoW, p: Principal, *, limit: int, offset: int) -> tuple[list[Profile], int]:
    """The learners who consented to the caller's firm (SQL: ``LearnerRepository.firm_filter``)."""
    if p.org is None or not p.has(*policy.FIRM_STAFF):
        raise Forbidden("learner profiles are shown to firms' staff under the learner's consent")
    learners, total = await uow.learners.profiles_for_firm(p.org, limit=limit, offset=offset)
    return await _profiles(uow, p, learners), total


async def get_profile(uow: UoW, p: Principal, ref: uuid.UUID) -> Profile:
    learner = await uow.learners.by_ref(ref)
    found = [] if learner is None else await _profiles(uow, p, [learner])
    if not found:
        raise NotFound(f"learner profile {ref} not found")
    return found[0]
