"""Pure domain of the internships service: postings, applications, placements, logbooks, rules and policy."""

from internships.domain.application import LIVE, Application, ApplicationStatus
from internships.domain.learner import KnownConsent, KnownLearner
from internships.domain.logbook import EntryStatus, Evaluation, EvaluatorRole, Grade, LogbookEntry, Rating
from internships.domain.placement import Party, Placement, PlacementStatus, TerminationReason
from internships.domain.posting import Posting, PostingStatus
from internships.domain.rules import Rule, RuleSet

__all__ = [
    "LIVE",
    "Application",
    "ApplicationStatus",
    "EntryStatus",
    "Evaluation",
    "EvaluatorRole",
    "Grade",
    "KnownConsent",
    "KnownLearner",
    "LogbookEntry",
    "Party",
    "Placement",
    "PlacementStatus",
    "Posting",
    "PostingStatus",
    "Rating",
    "Rule",
    "RuleSet",
    "TerminationReason",
]
