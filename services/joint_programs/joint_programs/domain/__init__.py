"""Pure domain of the joint programs service: programs, cohorts, learners, enrolments, consents and policy."""

from joint_programs.domain.cohort import Cohort, CohortStatus
from joint_programs.domain.learner import Consent, ConsentPurpose, Enrolment, EnrolmentStatus, Learner
from joint_programs.domain.program import JointProgram, PinFlag, ProgramModel, ProgramStatus
from joint_programs.domain.rules import Rule

__all__ = [
    "Cohort",
    "CohortStatus",
    "Consent",
    "ConsentPurpose",
    "Enrolment",
    "EnrolmentStatus",
    "JointProgram",
    "Learner",
    "PinFlag",
    "ProgramModel",
    "ProgramStatus",
    "Rule",
]
