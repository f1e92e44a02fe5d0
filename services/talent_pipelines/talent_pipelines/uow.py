"""The talent pipelines unit of work: one transaction, with the repositories bound to its session."""

from __future__ import annotations

from dovetail_shared.uow import SqlUnitOfWork, bound

from talent_pipelines.repository import CandidateRepository, DemandRepository, SupplyRepository
from talent_pipelines.tables import organizations


class TalentPipelinesUnitOfWork(SqlUnitOfWork):
    demands = bound(DemandRepository)
    candidates = bound(CandidateRepository)
    supply = bound(SupplyRepository)
    organizations = bound(organizations.directory)
