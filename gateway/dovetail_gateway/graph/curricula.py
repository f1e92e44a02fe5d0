"""Curricula's part of the graph: curricula, versions, modules, change proposals and their links."""

from __future__ import annotations

import enum
import uuid
from collections.abc import AsyncGenerator
from datetime import date, datetime

import strawberry
from dovetail_shared.events.base import topic_for
from strawberry import UNSET

from dovetail_gateway.clients import ServiceCallFailed
from dovetail_gateway.context import GatewayContext
from dovetail_gateway.graph.common import (
    Connection,
    UserError,
    build,
    list_page,
    load_many,
    load_one,
    read_error,
    read_object,
)
from dovetail_gateway.graph.consortia import Consortium, Organization, organization_by_id
from dovetail_gateway.graph.mutations import OrganizationRef, Reason, command

Info = strawberry.Info[GatewayContext, None]


@strawberry.enum
class CurriculumLevel(enum.Enum):
    SECONDARY_VOCATIONAL = "secondary_vocational"
    HIGHER_VOCATIONAL = "higher_vocational"
    APPLIED_BACHELOR = "applied_bachelor"


@strawberry.enum
class ApprovalRule(enum.Enum):
    ALL_CO_AUTHORS = "all_co_authors"
    ANY_CO_AUTHOR = "any_co_author"
    COLLEGE_ONLY = "college_only"


@strawberry.enum
class VersionStatus(enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"
    RETIRED = "retired"


@strawberry.enum
class ReviewDecision(enum.Enum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"


@strawberry.enum
class ProposalStatus(enum.Enum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


# ------------------------------------------------------------------------------------------------- types


@strawberry.type(description="A taxonomy (ESCO) skill at a level")
class SkillRef:
    skill_id: str
    level: int


@strawberry.type
class LearningOutcome:
    description: str
    skills: list[SkillRef]


@strawberry.type
class Module:
    code: str
    title: str
    hours: int
    outcomes: list[LearningOutcome]


@strawberry.type(description="Hours a version spends on a skill, at the highest level it reaches")
class SkillCoverage:
    skill_id: str
    level: int
    hours: int


@strawberry.type
class Review:
    organization_id: uuid.UUID
    decision: ReviewDecision
    comment: str | None
    at: datetime | None

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.organization_id)


@strawberry.type
class CurriculumVersion:
    id: uuid.UUID
    number: int
    status: VersionStatus
    effective_date: date | None
    base_version_number: int | None
    source_proposal_id: uuid.UUID | None
    modules: list[Module]
    skills: list[SkillCoverage]
    total_hours: int
    reviews: list[Review]
    published_at: datetime | None
    retired_at: datetime | None


@strawberry.type(description="A curriculum co-designed by a college and co-author firms, in versions")
class Curriculum:
    id: uuid.UUID
    title: str
    title_zh: str | None
    target_occupation: str
    level: CurriculumLevel
    approval_rule: ApprovalRule
    college_id: uuid.UUID
    consortium_id: uuid.UUID | None
    co_author_ids: list[uuid.UUID]
    published_version_number: int | None
    versions: list[CurriculumVersion] = strawberry.field(description="Outsiders see only the published version")
    created_at: datetime
    updated_at: datetime
    version: int = strawberry.field(description="Optimistic-concurrency version: pass it as expectedVersion")

    @strawberry.field
    def published_version(self) -> CurriculumVersion | None:
        return next((v for v in self.versions if v.number == self.published_version_number), None)

    @strawberry.field(description="The owning college")
    async def college(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.college_id)

    @strawberry.field
    async def consortium(self, info: Info) -> Consortium | None:
        return await load_one(info.context.consortia, Consortium, self.consortium_id)

    @strawberry.field(description="The co-author firms you may see")
    async def co_authors(self, info: Info) -> list[Organization]:
        return await load_many(info.context.organizations, Organization, self.co_author_ids)

    @strawberry.field(description="Change proposals (the college and co-authors only)")
    async def proposals(self, info: Info, first: int | None = None, after: str | None = None) -> Connection[Proposal]:
        return await list_page(info, Proposal, "curricula", f"/curricula/{self.id}/proposals", first, after)


@strawberry.type
class ModuleDiff:
    add_modules: list[Module]
    update_modules: list[Module]
    remove_module_codes: list[str]


@strawberry.type(description="A proposed change to a curriculum's modules, reviewed by the other parties")
class Proposal:
    id: uuid.UUID
    curriculum_id: uuid.UUID
    proposer_org_id: uuid.UUID
    base_version_number: int
    accepted_version_number: int | None
    status: ProposalStatus
    rationale: str
    demand_id: uuid.UUID | None
    diff: ModuleDiff
    reviews: list[Review]
    decided_at: datetime | None
    decided_reason: str | None
    created_at: datetime
    updated_at: datetime
    version: int

    @strawberry.field
    async def curriculum(self, info: Info) -> Curriculum | None:
        return await load_one(info.context.curricula, Curriculum, self.curriculum_id)

    @strawberry.field
    async def proposer(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.proposer_org_id)


# ------------------------------------------------------------------------------------------------ inputs


@strawberry.input
class CreateCurriculumInput:
    title: str
    target_occupation: str = strawberry.field(description="Taxonomy (ESCO) occupation id")
    level: CurriculumLevel
    title_zh: str | None = UNSET
    college_id: uuid.UUID | None = strawberry.field(default=UNSET, description="Defaults to your organisation")
    consortium_id: uuid.UUID | None = UNSET
    co_author_ids: list[uuid.UUID] | None = UNSET
    approval_rule: ApprovalRule | None = UNSET


@strawberry.input(description="Only the fields you set change; null clears titleZh or consortiumId")
class UpdateCurriculumInput:
    title: str | None = UNSET
    title_zh: str | None = UNSET
    approval_rule: ApprovalRule | None = UNSET
    consortium_id: uuid.UUID | None = UNSET


@strawberry.input
class SkillRefInput:
    skill_id: str
    level: int


@strawberry.input
class LearningOutcomeInput:
    description: str
    skills: list[SkillRefInput] | None = UNSET


@strawberry.input
class ModuleInput:
    code: str
    title: str
    hours: int
    outcomes: list[LearningOutcomeInput] | None = UNSET


@strawberry.input
class DraftInput:
    modules: list[ModuleInput]
    effective_date: date | None = UNSET


@strawberry.input
class ModuleDiffInput:
    add_modules: list[ModuleInput] | None = UNSET
    update_modules: list[ModuleInput] | None = UNSET
    remove_module_codes: list[str] | None = UNSET


@strawberry.input
class ProposalInput:
    diff: ModuleDiffInput
    rationale: str
    demand_id: uuid.UUID | None = strawberry.field(
        default=UNSET, description="The talent demand that motivated the change"
    )


@strawberry.input
class ReviewInput:
    decision: ReviewDecision
    comment: str | None = UNSET


# ---------------------------------------------------------------------------------------------- payloads


@strawberry.type
class CurriculumPayload:
    curriculum: Curriculum | None
    user_errors: list[UserError]


@strawberry.type
class ProposalPayload:
    proposal: Proposal | None
    user_errors: list[UserError]


# --------------------------------------------------------------------------------------------- the roots


@strawberry.type
class CurriculaQuery:
    @strawberry.field(description="A curriculum you may see (published ones for everyone), or null")
    async def curriculum(self, info: Info, id: uuid.UUID) -> Curriculum | None:
        return await load_one(info.context.curricula, Curriculum, id)

    @strawberry.field
    async def curricula(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        college_id: uuid.UUID | None = None,
        occupation: str | None = None,
    ) -> Connection[Curriculum]:
        filters = {"college_id": college_id, "occupation": occupation}
        return await list_page(info, Curriculum, "curricula", "/curricula", first, after, filters)

    @strawberry.field
    async def curriculum_version(self, info: Info, curriculum_id: uuid.UUID, number: int) -> CurriculumVersion | None:
        return await read_object(info, CurriculumVersion, "curricula", f"/curricula/{curriculum_id}/versions/{number}")

    @strawberry.field
    async def proposal(self, info: Info, id: uuid.UUID) -> Proposal | None:
        return await read_object(info, Proposal, "curricula", f"/proposals/{id}")


@strawberry.type
class CurriculaMutation:
    @strawberry.mutation(description="A college admin creates a curriculum (with an empty draft version 1)")
    async def create_curriculum(self, info: Info, input: CreateCurriculumInput) -> CurriculumPayload:
        return await command(info, CurriculumPayload, "curricula", "POST", "/curricula", input=input)

    @strawberry.mutation(description="The owning college edits title, Chinese title, approval rule or consortium")
    async def update_curriculum(
        self, info: Info, id: uuid.UUID, input: UpdateCurriculumInput, expected_version: int | None = None
    ) -> CurriculumPayload:
        return await command(
            info,
            CurriculumPayload,
            "curricula",
            "PATCH",
            f"/curricula/{id}",
            input=input,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="Replace the modules of the current draft")
    async def replace_draft(
        self, info: Info, id: uuid.UUID, input: DraftInput, expected_version: int | None = None
    ) -> CurriculumPayload:
        return await command(
            info,
            CurriculumPayload,
            "curricula",
            "PUT",
            f"/curricula/{id}/draft",
            input=input,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="Start a new draft from the published version")
    async def start_draft(self, info: Info, id: uuid.UUID, expected_version: int | None = None) -> CurriculumPayload:
        return await command(
            info,
            CurriculumPayload,
            "curricula",
            "POST",
            f"/curricula/{id}/draft",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation(description="Discard the unpublished version so work restarts from the published one")
    async def discard_draft(self, info: Info, id: uuid.UUID, expected_version: int | None = None) -> CurriculumPayload:
        return await command(
            info,
            CurriculumPayload,
            "curricula",
            "DELETE",
            f"/curricula/{id}/draft",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation(description="Draft → in review (→ approved at once when no co-author approval is needed)")
    async def submit_for_review(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> CurriculumPayload:
        return await command(
            info,
            CurriculumPayload,
            "curricula",
            "POST",
            f"/curricula/{id}/draft/submit",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation(description="A co-author firm approves the version in review or requests changes")
    async def review_version(
        self, info: Info, id: uuid.UUID, input: ReviewInput, expected_version: int | None = None
    ) -> CurriculumPayload:
        return await command(
            info,
            CurriculumPayload,
            "curricula",
            "POST",
            f"/curricula/{id}/draft/reviews",
            input=input,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="Approved → published; the previously published version is retired")
    async def publish_curriculum(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> CurriculumPayload:
        return await command(
            info,
            CurriculumPayload,
            "curricula",
            "POST",
            f"/curricula/{id}/publish",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation
    async def retire_version(
        self, info: Info, id: uuid.UUID, number: int, expected_version: int | None = None
    ) -> CurriculumPayload:
        return await command(
            info,
            CurriculumPayload,
            "curricula",
            "POST",
            f"/curricula/{id}/versions/{number}/retire",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation(description="Add a verified enterprise as co-author")
    async def add_co_author(
        self, info: Info, id: uuid.UUID, organization_id: uuid.UUID, expected_version: int | None = None
    ) -> CurriculumPayload:
        return await command(
            info,
            CurriculumPayload,
            "curricula",
            "POST",
            f"/curricula/{id}/co-authors",
            input=OrganizationRef(organization_id),
            input_argument=None,
            expected_version=expected_version,
        )

    @strawberry.mutation
    async def remove_co_author(
        self, info: Info, id: uuid.UUID, organization_id: uuid.UUID, expected_version: int | None = None
    ) -> CurriculumPayload:
        return await command(
            info,
            CurriculumPayload,
            "curricula",
            "DELETE",
            f"/curricula/{id}/co-authors/{organization_id}",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation(description="The college or a co-author firm proposes a change")
    async def submit_proposal(self, info: Info, curriculum_id: uuid.UUID, input: ProposalInput) -> ProposalPayload:
        return await command(
            info, ProposalPayload, "curricula", "POST", f"/curricula/{curriculum_id}/proposals", input=input
        )

    @strawberry.mutation
    async def review_proposal(
        self, info: Info, id: uuid.UUID, input: ReviewInput, expected_version: int | None = None
    ) -> ProposalPayload:
        return await command(
            info,
            ProposalPayload,
            "curricula",
            "POST",
            f"/proposals/{id}/reviews",
            input=input,
            expected_version=expected_version,
        )

    @strawberry.mutation(description="Accepting produces the curriculum's next draft with the diff applied")
    async def accept_proposal(self, info: Info, id: uuid.UUID, expected_version: int | None = None) -> ProposalPayload:
        return await command(
            info,
            ProposalPayload,
            "curricula",
            "POST",
            f"/proposals/{id}/accept",
            expected_version=expected_version,
            input_argument=None,
        )

    @strawberry.mutation
    async def reject_proposal(
        self, info: Info, id: uuid.UUID, reason: str, expected_version: int | None = None
    ) -> ProposalPayload:
        return await command(
            info,
            ProposalPayload,
            "curricula",
            "POST",
            f"/proposals/{id}/reject",
            input=Reason(reason),
            input_argument=None,
            expected_version=expected_version,
        )

    @strawberry.mutation
    async def withdraw_proposal(
        self, info: Info, id: uuid.UUID, expected_version: int | None = None
    ) -> ProposalPayload:
        return await command(
            info,
            ProposalPayload,
            "curricula",
            "POST",
            f"/proposals/{id}/withdraw",
            expected_version=expected_version,
            input_argument=None,
        )


# ----------------------------------------------------------------------------------------- subscriptions


@strawberry.type(description="Something happened to a change proposal on a curriculum you may see")
class ProposalEvent:
    type: str = strawberry.field(description="The event type, e.g. dovetail.curricula.proposal.submitted.v1")
    proposal: Proposal


@strawberry.type
class CurriculaSubscription:
    @strawberry.subscription(
        description="Proposals submitted, accepted, rejected or withdrawn on the curricula you author (as the "
        "college or a co-author). Needs a token in connection_init."
    )
    async def proposal_on_my_curricula(self, info: Info) -> AsyncGenerator[ProposalEvent, None]:
        ctx = info.context
        await ctx.authenticate_subscription()
        assert ctx.feed is not None
        topic = topic_for(ctx.settings.topic_prefix, "curricula", "proposal")
        async for event in ctx.feed.events(topic):
            # Who may see it is curricula's decision: the proposal is read with the subscriber's own token,
            # and one it does not show them is not theirs to hear about.
            try:
                data = await ctx.call("curricula", "GET", f"/proposals/{event.subject}")
            except ServiceCallFailed as failure:
                if failure.problem.status in (403, 404):
                    continue
                raise read_error(failure) from failure
            yield ProposalEvent(type=event.event_type, proposal=build(Proposal, data))
