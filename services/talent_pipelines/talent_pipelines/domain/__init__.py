"""Pure domain of the talent pipelines service: demands, matching, candidates, policy and the taxonomy graph."""

from talent_pipelines.domain.candidate import Candidate, DropReason, Stage
from talent_pipelines.domain.demand import DemandStatus, TalentDemand
from talent_pipelines.domain.rules import Rule

__all__ = ["Candidate", "DemandStatus", "DropReason", "Rule", "Stage", "TalentDemand"]
