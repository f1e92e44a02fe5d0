"""Who may see and do what with demands, matches and pipelines: pure predicates; the use cases enforce them.

``DemandRepository.visibility`` is ``can_view_demand`` in SQL and is tested against it; ``learner_visible`` is
the consent rule ``SupplyRepository.learners_for_firm`` applies in SQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from dovetail_shared.principal import Principal, Role

from talent_pipelines.domain.demand import TalentDemand

COLLEGE_STAFF = (Role.COLLEGE_ADMIN, Role.TEACHER)
FIRM_STAFF = (Role.FIRM_ADMIN, Role.RECRUITER)
# A funnel or gap cell counting fewer people than this is suppressed (it could single a learner out).
SMALL_CELL = 3


def is_firm_staff(p: Principal) -> bool:
    return p.org is not None and p.has(*FIRM_STAFF)


def is_college_staff(p: Principal) -> bool:
    return p.org is not None and p.has(*COLLEGE_STAFF)


def owns(p: Principal, demand: TalentDemand) -> bool:
    """The demand's firm: its admins and recruiters run the demand and its pipeline."""
    return p.acts_for(demand.firm_id, *FIRM_STAFF)


def can_view_demand(p: Principal, demand: TalentDemand) -> bool:
    """Its firm, operators, and colleges (a demand is what their programs are meant to answer); other firms and
    learners are told it does not exist."""
    return owns(p, demand) or p.is_operator or is_college_staff(p)


def can_manage_demand(p: Principal, demand: TalentDemand) -> bool:
    return p.acts_for(demand.firm_id, Role.FIRM_ADMIN)


def sees_learners(p: Principal, demand: TalentDemand) -> bool:
    """Ranked learners (consenting ones only) are for the demand's firm; colleges and operators see cohorts."""
    return owns(p, demand)


def cohort_visible(p: Principal, demand: TalentDemand, college_id: uuid.UUID) -> bool:
    """The firm and operators see every ranked cohort; a college sees where its own cohorts rank."""
    return owns(p, demand) or p.is_operator or (is_college_staff(p) and p.org == college_id)


def learner_visible(
    firm_id: uuid.UUID, consent_firms: Iterable[uuid.UUID | None], consent_program_partners: Iterable[uuid.UUID]
) -> bool:
    """A learner is ranked for a firm only under an active ``matching`` consent naming the firm, or naming a
    program the firm is a partner of."""
    return firm_id in set(consent_firms) or firm_id in set(consent_program_partners)


def suppress(count: int) -> int | None:
    """A count small enough to point at a person is not shown (None); zero is shown."""
    return None if 0 < count < SMALL_CELL else count
