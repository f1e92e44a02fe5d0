"""The curricula unit of work: one transaction, with the repositories bound to its session."""

from __future__ import annotations

from typing import Self

from dovetail_shared.projections.memberships import MembershipDirectory
from dovetail_shared.projections.organizations import OrganizationDirectory
from dovetail_shared.taxonomy import TaxonomyLookup
from dovetail_shared.uow import SqlUnitOfWork

from curricula.repository import CurriculumRepository, ProposalRepository
from curricula.tables import memberships, organizations, taxonomy


class CurriculaUnitOfWork(SqlUnitOfWork):
    curricula: CurriculumRepository
    proposals: ProposalRepository
    organizations: OrganizationDirectory
    memberships: MembershipDirectory
    taxonomy: TaxonomyLookup

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.curricula = CurriculumRepository(self.session)
        self.proposals = ProposalRepository(self.session)
        self.organizations = organizations.directory(self.session)
        self.memberships = memberships.directory(self.session)
        self.taxonomy = TaxonomyLookup(self.session, taxonomy)
        return self
