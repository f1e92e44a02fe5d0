"""The consortia unit of work: one transaction, with the repositories bound to its session."""

from __future__ import annotations

from typing import Self

from dovetail_shared.uow import SqlUnitOfWork

from consortia.repository import (
    ConsortiumRepository,
    ContributionRepository,
    DistributionRepository,
    OrganizationRepository,
)


class ConsortiaUnitOfWork(SqlUnitOfWork):
    organizations: OrganizationRepository
    consortia: ConsortiumRepository
    contributions: ContributionRepository
    distributions: DistributionRepository

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.organizations = OrganizationRepository(self.session)
        self.consortia = ConsortiumRepository(self.session)
        self.contributions = ContributionRepository(self.session)
        self.distributions = DistributionRepository(self.session)
        return self
