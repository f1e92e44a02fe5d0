"""The curricula unit of work: one transaction, with the repositories bound to its session."""

from __future__ import annotations

from dovetail_shared.taxonomy import TaxonomyLookup
from dovetail_shared.uow import SqlUnitOfWork, bound

from curricula.repository import CurriculumRepository, ProposalRepository
from curricula.tables import memberships, organizations, taxonomy


class CurriculaUnitOfWork(SqlUnitOfWork):
    curricula = bound(CurriculumRepository)
    proposals = bound(ProposalRepository)
    organizations = bound(organizations.directory)
    memberships = bound(memberships.directory)
    taxonomy = bound(lambda session: TaxonomyLookup(session, taxonomy))
