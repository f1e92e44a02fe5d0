"""Who may do what to programs, cohorts and learners: pure predicates; the use cases enforce them.

``LearnerRepository.profiles_for_firm`` is ``firm_may_see`` in SQL and is tested against it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping

from dovetail_shared.principal import Principal, Role

from joint_programs.domain.learner import Consent, Learner
from joint_programs.domain.program import JointProgram

COLLEGE_STAFF = (Role.COLLEGE_ADMIN, Role.TEACHER)
FIRM_STAFF = (Role.FIRM_ADMIN, Role.RECRUITER)


def is_college_staff(p: Principal, college_id: uuid.UUID) -> bool:
    return p.acts_for(college_id, *COLLEGE_STAFF)


def can_manage_program(p: Principal, program: JointProgram) -> bool:
    """Lifecycle and re-pinning: the owning college's admins (operators read, they do not run programs)."""
    return p.acts_for(program.college_id, Role.COLLEGE_ADMIN)


def is_partner(p: Principal, program: JointProgram) -> bool:
    return p.org is not None and p.org in program.partner_ids and p.has(*FIRM_STAFF)


def can_view_program(p: Principal, program: JointProgram) -> bool:
    """The partnership and operators; everyone else is told the program does not exist."""
    return p.is_operator or is_college_staff(p, program.college_id) or is_partner(p, program)


def can_decide_program(p: Principal, program: JointProgram) -> bool:
    """An approval or a decline binds the firm, so only its admin gives it."""
    return p.org is not None and p.org in program.partner_ids and p.has(Role.FIRM_ADMIN)


def can_manage_cohorts(p: Principal, program: JointProgram) -> bool:
    """Plan, open, start and graduate cohorts, enrol learners: the college's admins and teachers."""
    return is_college_staff(p, program.college_id)


def can_manage_roster(p: Principal, college_id: uuid.UUID) -> bool:
    return is_college_staff(p, college_id)


def can_erase(p: Principal, learner: Learner) -> bool:
    """Erasure is irreversible: the college's admins only."""
    return p.acts_for(learner.college_id, Role.COLLEGE_ADMIN)


def is_self(p: Principal, learner: Learner) -> bool:
    """A ``learner`` token whose ``sub`` is the roster entry's account subject."""
    return p.has(Role.LEARNER) and learner.account_subject is not None and p.sub == learner.account_subject


def can_view_record(p: Principal, learner: Learner) -> bool:
    """The full roster record (student number, date of birth): the college's staff and the learner."""
    return is_college_staff(p, learner.college_id) or is_self(p, learner)


def consent_grants(consent: Consent, firm_id: uuid.UUID, partners_of: Mapping[uuid.UUID, Iterable[uuid.UUID]]) -> bool:
    """An active consent naming the firm, or naming a program the firm is a partner of."""
    if not consent.active:
        return False
    if consent.firm_id is not None:
        return consent.firm_id == firm_id
    return consent.program_id is not None and firm_id in set(partners_of.get(consent.program_id, ()))


def firm_may_see(
    p: Principal,
    learner: Learner,
    consents: Iterable[Consent],
    partners_of: Mapping[uuid.UUID, Iterable[uuid.UUID]],
) -> bool:
    """A firm's staff see a learner's profile only under the learner's active consent; never an erased learner."""
    if p.org is None or not p.has(*FIRM_STAFF) or learner.erased:
        return False
    return any(c.learner_id == learner.id and consent_grants(c, p.org, partners_of) for c in consents)
