"""The consortia unit of work: one transaction, with the repositories bound to its session."""

from __future__ import annotations

from dovetail_shared.uow import SqlUnitOfWork, bound

from consortia.repository import (
    ConsortiumRepository,
    ContributionRepository,
    DistributionRepository,
    OrganizationRepository,
)


class ConsortiaUnitOfWork(SqlUnitOfWork):
    organizations = bound(OrganizationRepository)
    consortia = bound(ConsortiumRepository)
    contributions = bound(ContributionRepository)
    distributions = bound(DistributionRepository)
