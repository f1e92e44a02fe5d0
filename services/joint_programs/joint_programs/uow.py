"""The joint programs unit of work: one transaction, with the repositories bound to its session."""

from __future__ import annotations

from dovetail_shared.uow import SqlUnitOfWork, bound

from joint_programs.repository import (
    CohortRepository,
    ConsentRepository,
    EnrolmentRepository,
    LearnerRepository,
    ProgramRepository,
)
from joint_programs.tables import curriculum_versions, memberships, organizations


class JointProgramsUnitOfWork(SqlUnitOfWork):
    programs = bound(ProgramRepository)
    cohorts = bound(CohortRepository)
    learners = bound(LearnerRepository)
    enrolments = bound(EnrolmentRepository)
    consents = bound(ConsentRepository)
    organizations = bound(organizations.directory)
    memberships = bound(memberships.directory)
    curriculum_versions = bound(curriculum_versions.directory)
