"""Internships use cases: authorise, load, call the domain, save, emit. Never commits (the boundary does)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from dovetail_shared.clock import local_date
from dovetail_shared.errors import Forbidden, NotFound, NotKnownYet, ValidationFailed, Violation, ViolationCollector
from dovetail_shared.events.internships import EvaluationEvidence, PractisedSkill, RequiredSkill, SkillScore
from dovetail_shared.principal import Principal, Role, account_digest
from dovetail_shared.vocabulary import OrganizationKind

from internships.config import active_rules
from internships.domain import (
    Application,
    ApplicationStatus,
    Evaluation,
    EvaluatorRole,
    Grade,
    KnownLearner,
    LogbookEntry,
    Placement,
    PlacementStatus,
    Posting,
    PostingStatus,
    Rating,
    Rule,
    RuleSet,
    TerminationReason,
    policy,
)
from internships.domain.application import ConsentRequired, check_min_age
from internships.domain.learner import placement_consent
from internships.domain.logbook import rating_summary
from internships.domain.posting import firm_cap
from internships.repository import week_of
from internships.uow import InternshipsUnitOfWork as UoW

NOT_KNOWN_YET = "organization_not_known_yet"


def rules() -> RuleSet:
    return active_rules()


async def my_refs(uow: UoW, p: Principal) -> frozenset[uuid.UUID]:
    """The learner refs linked to a ``learner`` token's subject (through a placement consent, ADR 0028)."""
    if not p.has(Role.LEARNER):
        return frozenset()
    return await uow.learners.refs_of(account_digest(p.sub))


async def _check_firm(uow: UoW, firm_id: uuid.UUID) -> None:
    firm = await uow.organizations.get(firm_id)
    if firm is None:
        raise NotKnownYet([Violation("firm", NOT_KNOWN_YET, "your firm is not known here yet; retry shortly")])
    if not firm.is_verified(OrganizationKind.ENTERPRISE):
        message = "only firms a platform operator verified post internships"
        raise ValidationFailed("firm", Rule.VERIFIED_FIRM_REQUIRED, message)


async def _check_skills(uow: UoW, field: str, ids: Sequence[str]) -> None:
    unknown = await uow.taxonomy.unknown_skills(ids)
    if unknown:
        out = ViolationCollector()
        for i, skill in enumerate(ids):
            if skill in unknown:
                out.add(f"{field}[{i}]", Rule.UNKNOWN_SKILL, "not a skill id of the taxonomy")
        out.raise_if_any()


async def _firm_today(uow: UoW, firm_id: uuid.UUID, now: datetime) -> date:
    firm = await uow.organizations.get(firm_id)
    return local_date(now, firm.time_zone if firm else None)


# -------------------------------------------------------------------------------------------------- postings


async def draft_posting(
    uow: UoW,
    p: Principal,
    *,
    now: datetime,
    title: str,
    positions: int,
    skills: Sequence[RequiredSkill],
    start_date: date,
    end_date: date,
    stipend: Decimal,
    post_wage: Decimal,
    firm_staff: int,
    post_staff: int,
    description: str | None = None,
    region: str | None = None,
    location: str | None = None,
    program_id: uuid.UUID | None = None,
    cohort_id: uuid.UUID | None = None,
) -> Posting:
    if p.org is None or not policy.can_draft_posting(p):
        raise Forbidden("only a firm's admins and recruiters post internships")
    posting = Posting.draft(
        firm_id=p.org,
        title=title,
        positions=positions,
        skills=skills,
        start_date=start_date,
        end_date=end_date,
        stipend=stipend,
        post_wage=post_wage,
        firm_staff=firm_staff,
        post_staff=post_staff,
        description=description,
        region=region,
        location=location,
        program_id=program_id,
        cohort_id=cohort_id,
        now=now,
    )
    await _check_firm(uow, p.org)
    await _check_skills(uow, "skills", [s.skill_id for s in skills])
    await uow.postings.add(posting)
    return posting


async def get_posting(uow: UoW, p: Principal, posting_id: uuid.UUID) -> Posting:
    posting = await uow.postings.get(posting_id)
    if posting is None or not policy.can_view_posting(p, posting):
        raise NotFound(f"posting {posting_id} not found")
    return posting


async def list_postings(
    uow: UoW,
    p: Principal,
    *,
    firm_id: uuid.UUID | None,
    status: PostingStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[Posting], int]:
    return await uow.postings.visible_to(p, firm_id=firm_id, status=status, limit=limit, offset=offset)


async def posting_step(
    uow: UoW, p: Principal, posting_id: uuid.UUID, action: str, expected_version: int | None, *, now: datetime
) -> Posting:
    """open | close, by the firm's staff; opening re-checks that the firm is (still) verified."""
    posting = await get_posting(uow, p, posting_id)
    if not policy.can_manage_posting(p, posting):
        raise Forbidden(f"only the posting firm's staff {action} it")
    if action == "open":
        await _check_firm(uow, posting.firm_id)
        events = posting.open(rules(), now)
    else:
        events = posting.close(now)
    await uow.postings.save(posting, expected_version=expected_version)
    uow.emit(*events)
    return posting


async def close_postings_of_rejected_firm(uow: UoW, firm_id: uuid.UUID, *, now: datetime) -> list[Posting]:
    """From consortia's ``organization.rejected`` (no caller); a redelivery finds nothing left to close."""
    closed = []
    for posting in await uow.postings.live_of_firm(firm_id):
        uow.emit(*posting.close(now, reason="firm_rejected"))
        await uow.postings.save(posting)
        closed.append(posting)
    return closed


# ---------------------------------------------------------------------------------------------- applications


async def _applicant(uow: UoW, p: Principal, posting: Posting) -> KnownLearner:
    """The caller's learner record whose consent lets this firm place them; else 403 naming the consent."""
    if not p.has(Role.LEARNER):
        raise Forbidden("only learners apply")
    found: list[KnownLearner] = []
    for ref in sorted(await my_refs(uow, p)):
        learner = await uow.learners.get(ref)
        if learner is not None:
            found.append(learner)
    programs = {c.program_id for learner in found for c in learner.consents if c.program_id}
    partners = await uow.learners.partners_of(programs)
    for learner in found:
        if placement_consent(learner, posting.firm_id, partners):
            return learner
    raise ConsentRequired(posting.firm_id)


async def apply(
    uow: UoW, p: Principal, posting_id: uuid.UUID, *, now: datetime, cover_letter: str | None
) -> Application:
    posting = await get_posting(uow, p, posting_id)
    learner = await _applicant(uow, p, posting)
    partners = await uow.learners.partners_of({c.program_id for c in learner.consents if c.program_id})
    application, events = Application.submit(posting, learner, partners, rules(), now=now, cover_letter=cover_letter)
    await uow.applications.add(application)
    uow.emit(*events)
    return application


async def get_application(uow: UoW, p: Principal, application_id: uuid.UUID) -> Application:
    app = await uow.applications.get(application_id)
    if app is None or not policy.can_view_application(p, app, await my_refs(uow, p)):
        raise NotFound(f"application {application_id} not found")
    return app


async def list_applications(
    uow: UoW,
    p: Principal,
    *,
    posting_id: uuid.UUID | None,
    status: ApplicationStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[Application], int]:
    """The applications ``policy.can_view_application`` lets the caller see, filtered in SQL."""
    mine = await my_refs(uow, p)
    return await uow.applications.visible_to(
        p, mine, posting_id=posting_id, status=status.value if status else None, limit=limit, offset=offset
    )


async def decide_application(
    uow: UoW,
    p: Principal,
    application_id: uuid.UUID,
    action: str,
    expected_version: int | None,
    *,
    now: datetime,
    reason: str | None = None,
) -> Application:
    """shortlist | offer | reject, by the posting firm's staff."""
    app = await get_application(uow, p, application_id)
    if not policy.can_decide_application(p, app):
        raise Forbidden(f"only the posting firm's staff {action} an application")
    if action == "shortlist":
        events = app.shortlist(now)
    elif action == "offer":
        events = app.offer(now)
    else:
        events = app.reject(reason, now)
    await uow.applications.save(app, expected_version=expected_version)
    uow.emit(*events)
    return app


async def withdraw_application(
    uow: UoW, p: Principal, application_id: uuid.UUID, expected_version: int | None, *, now: datetime
) -> Application:
    app = await get_application(uow, p, application_id)
    if not policy.is_learner(p, app.learner_ref, await my_refs(uow, p)):
        raise Forbidden("only the learner withdraws their application")
    events = app.withdraw(now)
    await uow.applications.save(app, expected_version=expected_version)
    uow.emit(*events)
    return app


async def accept_offer(
    uow: UoW, p: Principal, application_id: uuid.UUID, expected_version: int | None, *, now: datetime
) -> tuple[Application, Placement]:
    """The learner accepts: a placement is confirmed, the posting may fill, the learner's other live applications
    are withdrawn (``superseded``). The intern-share and age rules are checked here, where the intern is added."""
    app = await get_application(uow, p, application_id)
    if not policy.is_learner(p, app.learner_ref, await my_refs(uow, p)):
        raise Forbidden("only the learner accepts an offer")
    posting = await uow.postings.require(app.posting_id, for_update=True)
    learner = await uow.learners.get(app.learner_ref)
    if learner is None or learner.erased:
        raise ValidationFailed("learner", Rule.LEARNER_ERASED, "the learner is no longer known")
    ruleset = rules()
    check_min_age(learner, posting.start_date, ruleset)
    cap = firm_cap(posting, ruleset)
    if cap is not None and await uow.placements.live_count_of_firm(posting.firm_id) + 1 > cap:
        message = (
            f"interns may be at most {ruleset.firm_staff_share_max:.0%} of the firm's {posting.firm_staff} staff: "
            f"at most {cap} at a time (rule set {ruleset.name})"
        )
        raise ValidationFailed("firm_staff", Rule.FIRM_STAFF_SHARE, message)
    events = app.accept(now)
    events += posting.place_one(now)
    placement, confirmed = Placement.confirm(posting, app, now)
    events += confirmed
    await uow.applications.save(app, expected_version=expected_version)
    await uow.postings.save(posting)
    await uow.placements.add(placement)
    for other in await uow.applications.live_of_learner(app.learner_ref):
        if other.id != app.id:
            events += other.withdraw(now, superseded=True)
            await uow.applications.save(other)
    uow.emit(*events)
    return app, placement


# ------------------------------------------------------------------------------------------------ placements


async def get_placement(uow: UoW, p: Principal, placement_id: uuid.UUID) -> tuple[Placement, frozenset[uuid.UUID]]:
    mine = await my_refs(uow, p)
    placement = await uow.placements.get(placement_id)
    if placement is None or not policy.can_view_placement(p, placement, mine):
        raise NotFound(f"placement {placement_id} not found")
    return placement, mine


async def list_placements(
    uow: UoW, p: Principal, *, status: PlacementStatus | None, limit: int, offset: int
) -> tuple[list[Placement], int]:
    mine = await my_refs(uow, p)
    return await uow.placements.visible_to(p, mine, status=status, limit=limit, offset=offset)


async def assign(
    uow: UoW,
    p: Principal,
    placement_id: uuid.UUID,
    expected_version: int | None,
    *,
    now: datetime,
    mentor_sub: str | None = None,
    teacher_sub: str | None = None,
) -> Placement:
    """The firm's admin names the mentor; the college's admin names the supervising teacher."""
    placement, _mine = await get_placement(uow, p, placement_id)
    if mentor_sub is not None and not policy.can_assign_mentor(p, placement):
        raise Forbidden("only the firm's admin names the mentor")
    if teacher_sub is not None and not policy.can_assign_teacher(p, placement):
        raise Forbidden("only the college's admin names the supervising teacher")
    placement.assign(now=now, mentor_sub=mentor_sub, teacher_sub=teacher_sub)
    await uow.placements.save(placement, expected_version=expected_version)
    return placement


async def sign_agreement(
    uow: UoW, p: Principal, placement_id: uuid.UUID, expected_version: int | None, *, now: datetime
) -> Placement:
    placement, mine = await get_placement(uow, p, placement_id)
    party = policy.signing_party(p, placement, mine)
    if party is None:
        raise Forbidden("the agreement is signed by the learner, the firm's admin and the college's admin")
    placement.sign(party, now)
    await uow.placements.save(placement, expected_version=expected_version)
    return placement


async def record_insurance(
    uow: UoW,
    p: Principal,
    placement_id: uuid.UUID,
    expected_version: int | None,
    *,
    now: datetime,
    policy_number: str,
    insurer: str,
    valid_from: date,
    valid_to: date,
) -> Placement:
    placement, _mine = await get_placement(uow, p, placement_id)
    if not policy.can_insure_or_activate(p, placement):
        raise Forbidden("the college's or the firm's admin records the insurance")
    placement.insure(policy_number=policy_number, insurer=insurer, valid_from=valid_from, valid_to=valid_to, now=now)
    await uow.placements.save(placement, expected_version=expected_version)
    return placement


async def activate(
    uow: UoW, p: Principal, placement_id: uuid.UUID, expected_version: int | None, *, now: datetime
) -> Placement:
    placement, _mine = await get_placement(uow, p, placement_id)
    if not policy.can_insure_or_activate(p, placement):
        raise Forbidden("the college's or the firm's admin activates a placement")
    events = placement.activate(now)
    await uow.placements.save(placement, expected_version=expected_version)
    uow.emit(*events)
    return placement


async def evidence(uow: UoW, placement: Placement) -> tuple[float, list[PractisedSkill], list[EvaluationEvidence]]:
    """Signed hours in total and per skill practised (an entry's hours count for each of its skills), and the
    evaluations' scores: what ``placement.completed`` tells talent matching."""
    entries = await uow.logbook.signed_of(placement.id)
    per_skill: dict[str, int] = defaultdict(int)
    for entry in entries:
        for skill in entry.skills:
            per_skill[skill] += entry.minutes
    practised = [PractisedSkill(skill_id=s, signed_hours=round(m / 60, 2)) for s, m in sorted(per_skill.items())]
    evaluations = [
        EvaluationEvidence(evaluator_role=str(e.evaluator_role), scores=list(e.scores), grade=str(e.grade))
        for e in await uow.evaluations.for_placement(placement.id)
    ]
    return round(sum(e.minutes for e in entries) / 60, 2), practised, evaluations


async def complete(
    uow: UoW, p: Principal, placement_id: uuid.UUID, expected_version: int | None, *, now: datetime
) -> Placement:
    placement, _mine = await get_placement(uow, p, placement_id)
    if not policy.can_complete(p, placement):
        raise Forbidden("the college's admin or the supervising teacher completes a placement")
    hours, practised, evaluations = await evidence(uow, placement)
    today = await _firm_today(uow, placement.firm_id, now)
    events = placement.complete(today=today, now=now, signed_hours=hours, practised=practised, evaluations=evaluations)
    await uow.placements.save(placement, expected_version=expected_version)
    uow.emit(*events)
    return placement


async def terminate(
    uow: UoW,
    p: Principal,
    placement_id: uuid.UUID,
    expected_version: int | None,
    *,
    now: datetime,
    reason: TerminationReason,
) -> Placement:
    placement, _mine = await get_placement(uow, p, placement_id)
    if not policy.can_terminate(p, placement):
        raise Forbidden("the college's or the firm's admin ends a placement early")
    today = await _firm_today(uow, placement.firm_id, now)
    events = placement.terminate(reason, today=today, now=now)
    await uow.placements.save(placement, expected_version=expected_version)
    uow.emit(*events)
    return placement


# --------------------------------------------------------------------------------------------------- logbook


async def add_entry(
    uow: UoW,
    p: Principal,
    placement_id: uuid.UUID,
    *,
    now: datetime,
    entry_date: date,
    start_time: time,
    end_time: time,
    break_minutes: int,
    tasks: str,
    skills: Sequence[str],
) -> LogbookEntry:
    placement, mine = await get_placement(uow, p, placement_id)
    if not policy.is_learner(p, placement.learner_ref, mine):
        raise Forbidden("only the learner writes their logbook")
    # The placement row is locked so two entries of one day cannot both pass the daily limit.
    placement = await uow.placements.require(placement.id, for_update=True)
    learner = await uow.learners.get(placement.learner_ref)
    if learner is None:
        raise NotFound(f"placement {placement_id} not found")
    await _check_skills(uow, "skills", skills)
    monday, sunday = week_of(entry_date)
    entry = LogbookEntry.submit(
        placement,
        learner,
        rules(),
        entry_date=entry_date,
        start_time=start_time,
        end_time=end_time,
        break_minutes=break_minutes,
        tasks=tasks,
        skills=skills,
        day_minutes=await uow.logbook.logged_minutes(placement.id, entry_date, entry_date),
        week_minutes=await uow.logbook.logged_minutes(placement.id, monday, sunday),
        today=await _firm_today(uow, placement.firm_id, now),
        now=now,
    )
    await uow.logbook.add(entry)
    return entry


async def _readable(uow: UoW, p: Principal, placement_id: uuid.UUID) -> Placement:
    placement, mine = await get_placement(uow, p, placement_id)
    if not policy.can_read_logbook(p, placement, mine):
        raise Forbidden("the logbook is for the learner, the mentor, the supervising teacher and the college")
    return placement


async def list_entries(
    uow: UoW, p: Principal, placement_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[LogbookEntry], int]:
    placement = await _readable(uow, p, placement_id)
    return await uow.logbook.for_placement(placement.id, limit=limit, offset=offset)


@dataclass(frozen=True)
class WeekTotal:
    week_of: date
    signed_hours: float
    pending_hours: float


async def weekly_totals(uow: UoW, p: Principal, placement_id: uuid.UUID) -> list[WeekTotal]:
    placement = await _readable(uow, p, placement_id)
    return [
        WeekTotal(monday, round(signed / 60, 2), round(pending / 60, 2))
        for monday, signed, pending in await uow.logbook.weekly_totals(placement.id)
    ]


async def review_entry(
    uow: UoW, p: Principal, entry_id: uuid.UUID, action: str, *, now: datetime, comment: str | None = None
) -> LogbookEntry:
    """sign | return (with a comment), by the placement's mentor."""
    entry = await uow.logbook.get(entry_id, for_update=True)
    if entry is None:
        raise NotFound(f"logbook entry {entry_id} not found")
    placement, mine = await get_placement(uow, p, entry.placement_id)
    if not policy.can_read_logbook(p, placement, mine):
        raise NotFound(f"logbook entry {entry_id} not found")
    if not policy.is_mentor(p, placement):
        raise Forbidden("only the placement's mentor signs or returns logbook entries")
    if action == "sign":
        uow.emit(*entry.sign(placement, p.sub, now))
    else:
        entry.return_(comment or "", now)
    await uow.logbook.save(entry)
    return entry


# ----------------------------------------------------------------------------------------------- evaluations


async def evaluate(
    uow: UoW,
    p: Principal,
    placement_id: uuid.UUID,
    *,
    now: datetime,
    scores: Sequence[SkillScore],
    grade: Grade,
    comment: str | None,
) -> Evaluation:
    placement, _mine = await get_placement(uow, p, placement_id)
    if policy.is_mentor(p, placement):
        role = EvaluatorRole.MENTOR
    elif policy.is_supervising_teacher(p, placement):
        role = EvaluatorRole.TEACHER
    else:
        raise Forbidden("the mentor and the supervising teacher evaluate a placement")
    await _check_skills(uow, "scores", [s.skill_id for s in scores])
    evaluation, events = Evaluation.submit(
        placement, role=role, evaluator_sub=p.sub, scores=scores, grade=grade, comment=comment, now=now
    )
    await uow.evaluations.add(evaluation)
    uow.emit(*events)
    return evaluation


async def list_evaluations(uow: UoW, p: Principal, placement_id: uuid.UUID) -> list[Evaluation]:
    placement = await _readable(uow, p, placement_id)
    return await uow.evaluations.for_placement(placement.id)


async def rate(
    uow: UoW, p: Principal, placement_id: uuid.UUID, *, now: datetime, score: int, comment: str | None
) -> Rating:
    placement, mine = await get_placement(uow, p, placement_id)
    if not policy.is_learner(p, placement.learner_ref, mine):
        raise Forbidden("only the learner rates their placement")
    rating = Rating.give(placement, score=score, comment=comment, now=now)
    await uow.ratings.add(rating)
    return rating


@dataclass(frozen=True)
class RatingSummary:
    firm_id: uuid.UUID
    count: int | None
    mean_score: float | None


async def firm_rating(uow: UoW, p: Principal, firm_id: uuid.UUID) -> RatingSummary:
    """Anyone signed in sees a firm's mean rating, and only over enough ratings that none can be singled out."""
    count, mean = rating_summary(*await uow.ratings.summary(firm_id))
    return RatingSummary(firm_id, count, mean)


# --------------------------------------------------------------------------------------------------- erasure


async def erase_learner(uow: UoW, ref: uuid.UUID, college_id: uuid.UUID, *, now: datetime) -> None:
    """``learner.erased``: the account link, age facts and consents go; cover letters, reasons, logbook tasks,
    comments and rating comments go; live applications are withdrawn. Placements, hours, scores stay pseudonymous."""
    await uow.learners.erase(ref, college_id, now)
    for app in await uow.applications.of_learner(ref):
        if app.live:
            uow.emit(*app.withdraw(now))
        app.purge(now)
        await uow.applications.save(app)
    await uow.logbook.purge_learner(ref, now)
    await uow.evaluations.purge_learner(ref, now)
    await uow.ratings.purge_learner(ref, now)
