"""The internships unit of work: one transaction, with the repositories bound to its session."""

from __future__ import annotations

from dovetail_shared.taxonomy import TaxonomyLookup
from dovetail_shared.uow import SqlUnitOfWork, bound

from internships.repository import (
    ApplicationRepository,
    EvaluationRepository,
    LearnerDirectory,
    LogbookRepository,
    PlacementRepository,
    PostingRepository,
    RatingRepository,
)
from internships.tables import organizations, taxonomy


class InternshipsUnitOfWork(SqlUnitOfWork):
    postings = bound(PostingRepository)
    applications = bound(ApplicationRepository)
    placements = bound(PlacementRepository)
    logbook = bound(LogbookRepository)
    evaluations = bound(EvaluationRepository)
    ratings = bound(RatingRepository)
    learners = bound(LearnerDirectory)
    organizations = bound(organizations.directory)
    taxonomy = bound(lambda session: TaxonomyLookup(session, taxonomy))
