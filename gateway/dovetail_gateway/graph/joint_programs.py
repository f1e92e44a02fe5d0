"""Joint programs' part of the graph: programs, cohorts, the roster, enrolments, consent and consented profiles.

Joint programs is the only owner of learners' personal data, and it decides who sees what: the gateway shows a
learner's fields exactly as the service returns them (the full record to the college's staff and the learner,
a consented profile without student number or date of birth to firms) and never joins personal data itself.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from datetime import date, datetime

import strawberry
from strawberry import UNSET

from dovetail_gateway.context import GatewayContext
from dovetail_gateway.graph.common import (
    Connection,
    UserError,
    build,
    list_page,
    load_many,
    load_one,
    read_object,
)
from dovetail_gateway.graph.consortia import Consortium, Organization, organization_by_id
from dovetail_gateway.graph.curricula import Curriculum, CurriculumVersion
from dovetail_gateway.graph.mutations import Reason, command

Info = strawberry.Info[GatewayContext, None]
SERVICE = "joint_programs"


async def program_by_id(info: Info, program_id: uuid.UUID | None) -> Program | None:
    return await load_one(info.context.programs, Program, program_id)


async def pinned_version(info: Info, curriculum_id: uuid.UUID, number: int) -> CurriculumVersion | None:
    """A version as curricula shows it to the caller (outsiders see only the published one), through the
    batched curricula loader: many programs on one curriculum cost one call."""
    data = await info.context.curricula.load(curriculum_id)
    found = next((v for v in (data or {}).get("versions", []) if v.get("number") == number), None)
    return build(CurriculumVersion, found) if found else None


# ------------------------------------------------------------------------------------------------- enums


@strawberry.enum(description="订单班, 现代学徒制, 产业学院 or a joint lab")
class ProgramModel(enum.Enum):
    ORDER_CLASS = "order_class"
    MODERN_APPRENTICESHIP = "modern_apprenticeship"
    INDUSTRY_COLLEGE = "industry_college"
    JOINT_LAB = "joint_lab"


@strawberry.enum
class ProgramStatus(enum.Enum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    DECLINED = "declined"
    RUNNING = "running"
    CLOSED = "closed"


@strawberry.enum(description="Why the pinned curriculum version needs a re-pin")
class PinFlag(enum.Enum):
    RETIRED = "retired"
    SUPERSEDED = "superseded"


@strawberry.enum
class CohortStatus(enum.Enum):
    PLANNED = "planned"
    OPEN = "open"
    RUNNING = "running"
    GRADUATED = "graduated"


@strawberry.enum
class EnrolmentStatus(enum.Enum):
    ENROLLED = "enrolled"
    GRADUATED = "graduated"
    WITHDRAWN = "withdrawn"


@strawberry.enum(description="What a consent lets a firm do: rank the learner for a demand, or place them")
class ConsentPurpose(enum.Enum):
    MATCHING = "matching"
    PLACEMENT = "placement"


# ------------------------------------------------------------------------------------------------- types


@strawberry.type(description="The intake a partner firm commits to hire from an order class")
class CommittedIntake:
    firm_id: uuid.UUID
    headcount: int

    @strawberry.field
    async def firm(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.firm_id)


@strawberry.type(description="A program a college runs with partner firms on a pinned curriculum version")
class Program:
    id: uuid.UUID
    college_id: uuid.UUID
    title: str
    title_zh: str | None
    model: ProgramModel
    partner_ids: list[uuid.UUID]
    consortium_id: uuid.UUID | None
    curriculum_id: uuid.UUID
    curriculum_version_number: int
    capacity: int
    committed_intake: list[CommittedIntake]
    status: ProgramStatus
    approved_by: list[uuid.UUID] = strawberry.field(description="Partner firms that approved so far")
    declined_by: uuid.UUID | None
    decline_reason: str | None
    pin_flag: PinFlag | None = strawberry.field(description="Set when the pinned version was retired or superseded")
    flagged_at: datetime | None
    launched_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(description="Optimistic-concurrency version: pass it as expectedVersion")

    @strawberry.field(description="The owning college")
    async def college(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.college_id)

    @strawberry.field(description="The partner firms you may see")
    async def partners(self, info: Info) -> list[Organization]:
        return await load_many(info.context.organizations, Organization, self.partner_ids)

    @strawberry.field
    async def consortium(self, info: Info) -> Consortium | None:
        return await load_one(info.context.consortia, Consortium, self.consortium_id)

    @strawberry.field(description="The curriculum the program teaches (null if curricula does not show it to you)")
    async def curriculum(self, info: Info) -> Curriculum | None:
        return await load_one(info.context.curricula, Curriculum, self.curriculum_id)

    @strawberry.field(description="The pinned curriculum version, as curricula shows it to you")
    async def curriculum_version(self, info: Info) -> CurriculumVersion | None:
        return await pinned_version(info, self.curriculum_id, self.curriculum_version_number)

    @strawberry.field
    async def cohorts(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Cohort]:
        return await list_page(info, Cohort, SERVICE, f"/programs/{self.id}/cohorts", first, after)


@strawberry.type(description="An intake of a program: a term, a seat limit and the learners enrolled")
class Cohort:
    id: uuid.UUID
    program_id: uuid.UUID
    college_id: uuid.UUID
    intake_term: str
    seat_limit: int
    enrolled_count: int = strawberry.field(description="Seats taken by learners enrolled or graduated")
    start_date: date
    graduation_date: date
    status: CohortStatus
    created_at: datetime
    updated_at: datetime
    version: int

    @strawberry.field
    async def program(self, info: Info) -> Program | None:
        return await program_by_id(info, self.program_id)

    @strawberry.field(description="The curriculum version the cohort is taught from (its program's pin)")
    async def curriculum_version(self, info: Info) -> CurriculumVersion | None:
        program = await program_by_id(info, self.program_id)
        if program is None:
            return None
        return await pinned_version(info, program.curriculum_id, program.curriculum_version_number)

    @strawberry.field(description="Enrolments; the owning college's staff only")
    async def enrolments(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Enrolment]:
        return await list_page(info, Enrolment, SERVICE, f"/cohorts/{self.id}/enrolments", first, after)


@strawberry.type(description="A learner's seat in a cohort; learnerRef is the pseudonym other services know")
class Enrolment:
    id: uuid.UUID
    cohort_id: uuid.UUID
    program_id: uuid.UUID
    learner_id: uuid.UUID
    learner_ref: uuid.UUID
    status: EnrolmentStatus
    enrolled_on: date
    ended_on: date | None
    created_at: datetime
    updated_at: datetime
    version: int

    @strawberry.field
    async def cohort(self, info: Info) -> Cohort | None:
        return await load_one(info.context.cohorts, Cohort, self.cohort_id)

    @strawberry.field
    async def program(self, info: Info) -> Program | None:
        return await program_by_id(info, self.program_id)

    @strawberry.field(description="The roster record (null unless you are the college's staff or the learner)")
    async def learner(self, info: Info) -> Learner | None:
        return await load_one(info.context.learners, Learner, self.learner_id)


@strawberry.type(description="A learner's consent: one firm, or every partner of a program, may see them")
class Consent:
    id: uuid.UUID
    learner_id: uuid.UUID
    firm_id: uuid.UUID | None
    program_id: uuid.UUID | None
    purpose: ConsentPurpose
    given_at: datetime
    withdrawn_at: datetime | None
    version: int

    @strawberry.field
    async def firm(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.firm_id)

    @strawberry.field
    async def program(self, info: Info) -> Program | None:
        return await program_by_id(info, self.program_id)


@strawberry.type(
    description="A roster record: the college's staff and the learner only. Personal fields are null after "
    "erasure; the ref and the enrolments stay, pseudonymous."
)
class Learner:
    id: uuid.UUID
    ref: uuid.UUID = strawberry.field(description="The pseudonymous id other services know the learner by")
    college_id: uuid.UUID
    name: str | None
    name_zh: str | None
    student_number: str | None
    date_of_birth: date | None
    contact: str | None
    account_subject: str | None
    erased_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int

    @strawberry.field
    async def college(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.college_id)

    @strawberry.field(description="The learner's consents, withdrawn ones included")
    async def consents(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Consent]:
        return await list_page(info, Consent, SERVICE, f"/learners/{self.id}/consents", first, after)


@strawberry.type(description="A learner as your firm sees them under their consent (no student number or birth date)")
class Profile:
    ref: uuid.UUID
    college_id: uuid.UUID
    name: str | None
    name_zh: str | None
    contact: str | None
    purposes: list[ConsentPurpose] = strawberry.field(description="What the consent to your firm covers")

    @strawberry.field
    async def college(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.college_id)


# ------------------------------------------------------------------------------------------------ inputs


@strawberry.input
class CommittedIntakeInput:
    firm_id: uuid.UUID
    headcount: int


@strawberry.input(description="The owning college is your organisation")
class ProposeProgramInput:
    title: str
    model: ProgramModel
    partner_ids: list[uuid.UUID] = strawberry.field(description="Verified enterprises; at least one")
    curriculum_id: uuid.UUID
    curriculum_version_number: int = strawberry.field(description="A published version of the curriculum")
    capacity: int
    title_zh: str | None = UNSET
    consortium_id: uuid.UUID | None = strawberry.field(
        default=UNSET, description="Then the college and every partner must be active members"
    )
    committed_intake: list[CommittedIntakeInput] | None = strawberry.field(
        default=UNSET, description="Order classes only"
    )


@strawberry.input
class PlanCohortInput:
    intake_term: str = strawberry.field(description="A year with an optional season, e.g. 2026-autumn")
    seat_limit: int
    start_date: date
    graduation_date: date


@strawberry.input(description="A learner on your college's roster")
class RegisterLearnerInput:
    name: str
    student_number: str = strawberry.field(description="Unique within the college")
    date_of_birth: date
    name_zh: str | None = UNSET
    contact: str | None = strawberry.field(default=UNSET, description="e-mail or phone")
    account_subject: str | None = strawberry.field(
        default=UNSET, description="The `sub` of the learner's own account, so they can manage their consent"
    )


@strawberry.input(description="Name one firm (firmId) or a program you are enrolled in (programId)")
class GiveConsentInput:
    purpose: ConsentPurpose
    firm_id: uuid.UUID | None = UNSET
    program_id: uuid.UUID | None = UNSET


@dataclasses.dataclass
class _LearnerRef:
    learner_id: uuid.UUID


# ---------------------------------------------------------------------------------------------- payloads


@strawberry.type
class ProgramPayload:
    program: Program | None
    user_errors: list[UserError]


@strawberry.type
class CohortPayload:
    cohort: Cohort | None
    user_errors: list[UserError]


@strawberry.type
class EnrolmentPayload:
    enrolment: Enrolment | None
    user_errors: list[UserError]


@strawberry.type
class LearnerPayload:
    learner: Learner | None
    user_errors: list[UserError]


@strawberry.type
class ConsentPayload:
    consent: Consent | None
    user_errors: list[UserError]


# --------------------------------------------------------------------------------------------- the roots


@strawberry.type
class JointProgramsQuery:
    @strawberry.field(description="A program of your partnership (operators: any), or null")
    async def program(self, info: Info, id: uuid.UUID) -> Program | None:
        return await program_by_id(info, id)

    @strawberry.field(description="Programs of your college, programs your firm partners in; operators see all")
    async def programs(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        college_id: uuid.UUID | None = None,
        partner_id: uuid.UUID | None = None,
        status: ProgramStatus | None = None,
    ) -> Connection[Program]:
        filters = {"college_id": college_id, "partner_id": partner_id, "status": status}
        prime = info.context.programs
        return await list_page(info, Program, SERVICE, "/programs", first, after, filters, prime=prime)

    @strawberry.field
    async def cohort(self, info: Info, id: uuid.UUID) -> Cohort | None:
        return await load_one(info.context.cohorts, Cohort, id)

    @strawberry.field(description="A roster record (the college's staff and the learner), or null")
    async def learner(self, info: Info, id: uuid.UUID) -> Learner | None:
        return await load_one(info.context.learners, Learner, id)

    @strawberry.field(description="Your college's roster (admins and teachers)")
    async def learners(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Learner]:
        return await list_page(info, Learner, SERVICE, "/learners", first, after)

    @strawberry.field(description="As a learner: your own roster record, or null when none is linked to you")
    async def my_learner_record(self, info: Info) -> Learner | None:
        return await read_object(info, Learner, SERVICE, "/me")

    @strawberry.field(description="For firms: learners whose active consent covers your firm")
    async def profiles(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Profile]:
        return await list_page(info, Profile, SERVICE, "/profiles", first, after)

    @strawberry.field
    async def profile(self, info: Info, learner_ref: uuid.UUID) -> Profile | None:
        return await read_object(info, Profile, SERVICE, f"/profiles/{learner_ref}")


@strawberry.type
class JointProgramsMutation:
    @strawberry.mutation(description="A college admin proposes a program with partner firms on a published version")
    async def propose_program(self, info: Info, input: ProposeProgramInput) -> ProgramPayload:
        return await command(info, ProgramPayload, SERVICE, "POST", "/programs", input=input)

    @strawberry.mutation(description="A partner firm's admin approves; when every partner has, it is approved")
    async def approve_program(self, info: Info, id: uuid.UUID, expected_version: int | None = None) -> ProgramPayload:
        path = f"/programs/{id}/approve"
        return await command(info, ProgramPayload, SERVICE, "POST", path, expected_version=expected_version)

    @strawberry.mutation(description="A partner firm's admin declines, saying why; the program ends declined")
    async def decline_program(
        self, info: Info, id: uuid.UUID, reason: str, expected_version: int | None = None
    ) -> ProgramPayload:
        return await command(
            info,
            ProgramPayload,
            SERVICE,
            "POST",
            f"/programs/{id}/decline",
            input=Reason(reason),
            input_argument=None,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="Approved → running; refused while the pinned version is retired")
    async def launch_program(self, info: Info, id: uuid.UUID, expected_version: int | None = None) -> ProgramPayload:
        path = f"/programs/{id}/launch"
        return await command(info, ProgramPayload, SERVICE, "POST", path, expected_version=expected_version)

    @strawberry.mutation
    async def close_program(self, info: Info, id: uuid.UUID, expected_version: int | None = None) -> ProgramPayload:
        path = f"/programs/{id}/close"
        return await command(info, ProgramPayload, SERVICE, "POST", path, expected_version=expected_version)

    @strawberry.mutation(description="Pin the program to its curriculum's current published version")
    async def repin_program(self, info: Info, id: uuid.UUID, expected_version: int | None = None) -> ProgramPayload:
        path = f"/programs/{id}/repin"
        return await command(info, ProgramPayload, SERVICE, "POST", path, expected_version=expected_version)

    @strawberry.mutation(description="The college's staff plan a cohort (seat limit at most the capacity)")
    async def plan_cohort(self, info: Info, program_id: uuid.UUID, input: PlanCohortInput) -> CohortPayload:
        return await command(info, CohortPayload, SERVICE, "POST", f"/programs/{program_id}/cohorts", input=input)

    @strawberry.mutation(description="Planned → open (enrolling); the partners must have approved the program")
    async def open_cohort(self, info: Info, id: uuid.UUID, expected_version: int | None = None) -> CohortPayload:
        path = f"/cohorts/{id}/open"
        return await command(info, CohortPayload, SERVICE, "POST", path, expected_version=expected_version)

    @strawberry.mutation(description="Open → running; the program must be running")
    async def start_cohort(self, info: Info, id: uuid.UUID, expected_version: int | None = None) -> CohortPayload:
        path = f"/cohorts/{id}/start"
        return await command(info, CohortPayload, SERVICE, "POST", path, expected_version=expected_version)

    @strawberry.mutation
    async def graduate_cohort(self, info: Info, id: uuid.UUID, expected_version: int | None = None) -> CohortPayload:
        path = f"/cohorts/{id}/graduate"
        return await command(info, CohortPayload, SERVICE, "POST", path, expected_version=expected_version)

    @strawberry.mutation(description="Take one seat for a roster learner (userError seats_full when none is left)")
    async def enrol_learner(self, info: Info, cohort_id: uuid.UUID, learner_id: uuid.UUID) -> EnrolmentPayload:
        return await command(
            info,
            EnrolmentPayload,
            SERVICE,
            "POST",
            f"/cohorts/{cohort_id}/enrolments",
            input=_LearnerRef(learner_id),
            input_argument=None,
        )

    @strawberry.mutation
    async def graduate_enrolment(self, info: Info, id: uuid.UUID) -> EnrolmentPayload:
        return await command(info, EnrolmentPayload, SERVICE, "POST", f"/enrolments/{id}/graduate")

    @strawberry.mutation(description="End an enrolment early; frees the seat")
    async def withdraw_enrolment(self, info: Info, id: uuid.UUID) -> EnrolmentPayload:
        return await command(info, EnrolmentPayload, SERVICE, "POST", f"/enrolments/{id}/withdraw")

    @strawberry.mutation(description="A college's admin or teacher adds a learner to the roster")
    async def register_learner(self, info: Info, input: RegisterLearnerInput) -> LearnerPayload:
        return await command(info, LearnerPayload, SERVICE, "POST", "/learners", input=input)

    @strawberry.mutation(
        description="Right to erasure (college admin): personal fields deleted, pseudonymous facts kept, "
        "learner.erased published"
    )
    async def erase_learner(self, info: Info, id: uuid.UUID) -> LearnerPayload:
        return await command(info, LearnerPayload, SERVICE, "DELETE", f"/learners/{id}")

    @strawberry.mutation(description="The learner lets one firm, or every partner of a program, see their profile")
    async def give_consent(self, info: Info, learner_id: uuid.UUID, input: GiveConsentInput) -> ConsentPayload:
        return await command(info, ConsentPayload, SERVICE, "POST", f"/learners/{learner_id}/consents", input=input)

    @strawberry.mutation(description="Effective at once: the firm's next read no longer shows the learner")
    async def withdraw_consent(self, info: Info, id: uuid.UUID) -> ConsentPayload:
        return await command(info, ConsentPayload, SERVICE, "POST", f"/consents/{id}/withdraw")
