"""The Curriculum aggregate and its versions: co-authoring, review, approval, publication, retirement."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    ValidationFailed,
    Violation,
    ViolationCollector,
)
from dovetail_shared.events.base import DomainEvent, EventPayload
from dovetail_shared.events.curricula import (
    CurriculumCreated,
    CurriculumUpdated,
    CurriculumVersionPublished,
    CurriculumVersionRetired,
)
from pydantic import BaseModel, ConfigDict, Field

from curricula.domain.rules import Rule, check_text, parse_enum
from curricula.domain.values import (
    Module,
    Review,
    ReviewDecision,
    check_review,
    skill_coverage,
    too_many,
    validate_modules,
)

TITLE_MAX = 200
OCCUPATION_MAX = 500
CO_AUTHORS_MAX = 50  # every one is carried by curriculum.created/updated and version.published
# A version row holds its reviews: one approval per co-author, and one request for changes per review round,
# which only the rounds bound. Past this many rounds the draft is better discarded and restarted (ADR 0012).
REVIEW_ROUNDS_MAX = 100
VERSION_ENTITY = "curriculum version"


class CurriculumLevel(StrEnum):
    SECONDARY_VOCATIONAL = "secondary_vocational"
    HIGHER_VOCATIONAL = "higher_vocational"
    APPLIED_BACHELOR = "applied_bachelor"


class ApprovalRule(StrEnum):
    """Whose approval a version needs beyond the owning college's, which submitting it already expresses."""

    ALL_CO_AUTHORS = "all_co_authors"
    ANY_CO_AUTHOR = "any_co_author"
    COLLEGE_ONLY = "college_only"


class VersionStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    PUBLISHED = "published"
    RETIRED = "retired"


# At most one version is in one of these at a time: parallel drafts would fork the curriculum.
OPEN_STATUSES = frozenset({VersionStatus.DRAFT, VersionStatus.IN_REVIEW, VersionStatus.APPROVED})


class VersionReview(Review):
    """A co-author's decision on a version in review."""


class CurriculumVersion(BaseModel):
    """One numbered state of the curriculum's content; nested in the aggregate (stored as JSONB or child rows)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    number: int
    status: VersionStatus = VersionStatus.DRAFT
    effective_date: date | None = None
    modules: list[Module] = Field(default_factory=list)
    # Approvals of the current review round plus every request for changes ever made: a request for changes
    # sends the version back to draft and drops the round's approvals, but its comment stays as history.
    reviews: list[VersionReview] = Field(default_factory=list)
    # Lineage: the version this one was copied from, and the change proposal that produced it, if any.
    base_version_number: int | None = None
    source_proposal_id: uuid.UUID | None = None
    created_at: datetime
    published_at: datetime | None = None
    retired_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def total_hours(self) -> int:
        return sum(m.hours for m in self.modules)

    def approving_org_ids(self) -> set[uuid.UUID]:
        return {r.organization_id for r in self.reviews if r.decision == ReviewDecision.APPROVE}


def _violation_conflict(detail: str, field: str, rule: Rule) -> Conflict:
    return Conflict(detail, violations=[Violation(field, rule, detail)])


class Curriculum(Aggregate):
    """A college's curriculum for one target occupation, co-authored with firms, with its numbered versions.

    Invariants: ``versions`` is never empty and numbers are 1..n in creation order; at most one version is
    open (draft, in_review or approved); at most one is published; ``co_author_ids`` is unique and never
    holds the college.

    ``public_version``/``public_updated_at`` describe what outsiders see (the curriculum's own facts and its
    published version): they move on publish, retire and changes of those facts, never on private work
    (drafts, reviews, proposals), so an outsider cannot watch the partnership's activity (ADR 0009).
    """

    college_id: uuid.UUID
    title: str
    title_zh: str | None = None
    target_occupation: str
    level: CurriculumLevel
    consortium_id: uuid.UUID | None = None
    co_author_ids: list[uuid.UUID] = Field(default_factory=list)
    approval_rule: ApprovalRule = ApprovalRule.ALL_CO_AUTHORS
    versions: list[CurriculumVersion] = Field(default_factory=list)
    public_version: int = 1
    public_updated_at: datetime

    # ---- creation -------------------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        *,
        college_id: uuid.UUID,
        title: str,
        target_occupation: str,
        level: CurriculumLevel | str,
        title_zh: str | None = None,
        consortium_id: uuid.UUID | None = None,
        co_author_ids: Iterable[uuid.UUID] = (),
        approval_rule: ApprovalRule | str = ApprovalRule.ALL_CO_AUTHORS,
        now: datetime,
    ) -> tuple[Curriculum, list[DomainEvent]]:
        """A new curriculum with an empty draft version 1. Every violation is reported at once."""
        level = parse_enum(CurriculumLevel, level, "level")
        approval_rule = parse_enum(ApprovalRule, approval_rule, "approval_rule")
        co_authors = list(co_author_ids)
        out = ViolationCollector()
        check_text(out, "title", title, max_len=TITLE_MAX)
        if title_zh is not None:
            check_text(out, "title_zh", title_zh, max_len=TITLE_MAX)
        check_text(out, "target_occupation", target_occupation, max_len=OCCUPATION_MAX)
        if not too_many(out, "co_author_ids", co_authors, CO_AUTHORS_MAX, "co-authors"):
            seen: set[uuid.UUID] = set()
            for i, org_id in enumerate(co_authors):
                if org_id == college_id:
                    out.add(f"co_author_ids[{i}]", Rule.CO_AUTHOR_IS_COLLEGE, "the owning college is not a co-author")
                elif org_id in seen:
                    out.add(f"co_author_ids[{i}]", Rule.UNIQUE, "listed twice")
                seen.add(org_id)
        out.raise_if_any()

        curriculum = cls(
            college_id=college_id,
            title=title,
            title_zh=title_zh,
            target_occupation=target_occupation,
            level=level,
            consortium_id=consortium_id,
            co_author_ids=co_authors,
            approval_rule=approval_rule,
            versions=[CurriculumVersion(number=1, created_at=now)],
            created_at=now,
            updated_at=now,
            public_updated_at=now,
        )
        event = CurriculumCreated(
            curriculum_id=curriculum.id,
            college_id=college_id,
            title=title,
            target_occupation=target_occupation,
            level=str(level),
            consortium_id=consortium_id,
            co_author_ids=list(co_authors),
        )
        return curriculum, [curriculum._event(event, now)]

    # ---- queries --------------------------------------------------------------------------------------

    @property
    def effective_approval_rule(self) -> ApprovalRule:
        # A rule asking for co-authors' approval cannot be met when there are none; the college decides alone.
        return self.approval_rule if self.co_author_ids else ApprovalRule.COLLEGE_ONLY

    @property
    def party_ids(self) -> set[uuid.UUID]:
        """The organisations with a say in the content: the owning college and the co-authors."""
        return {self.college_id, *self.co_author_ids}

    @property
    def latest_version(self) -> CurriculumVersion:
        return max(self.versions, key=lambda v: v.number)

    @property
    def published_version(self) -> CurriculumVersion | None:
        return next((v for v in self.versions if v.status == VersionStatus.PUBLISHED), None)

    @property
    def open_version(self) -> CurriculumVersion | None:
        """The version being worked on (draft, in_review or approved), if any."""
        return next((v for v in self.versions if v.is_open), None)

    @property
    def current_draft(self) -> CurriculumVersion | None:
        v = self.open_version
        return v if v is not None and v.status == VersionStatus.DRAFT else None

    @property
    def base_version(self) -> CurriculumVersion:
        """What new work starts from: the published version, or else the latest one."""
        return self.published_version or self.latest_version

    def get_version(self, number: int) -> CurriculumVersion:
        for v in self.versions:
            if v.number == number:
                return v
        raise NotFound(f"curriculum {self.id} has no version {number}")

    def is_approved(self, version: CurriculumVersion) -> bool:
        """Whether the co-authors' approvals of ``version`` satisfy the effective rule."""
        rule = self.effective_approval_rule
        approvers = version.approving_org_ids() & set(self.co_author_ids)
        if rule == ApprovalRule.ALL_CO_AUTHORS:
            return set(self.co_author_ids) <= approvers
        if rule == ApprovalRule.ANY_CO_AUTHOR:
            return bool(approvers)
        return True

    # ---- co-authors -----------------------------------------------------------------------------------

    def add_co_author(self, org_id: uuid.UUID, *, now: datetime) -> list[DomainEvent]:
        """A version already in review then also waits for the new co-author under all_co_authors."""
        if org_id == self.college_id:
            raise ValidationFailed(
                "organization_id", Rule.CO_AUTHOR_IS_COLLEGE, "the owning college is not a co-author"
            )
        if org_id in self.co_author_ids:
            raise Conflict(f"organisation {org_id} already co-authors this curriculum")
        if len(self.co_author_ids) >= CO_AUTHORS_MAX:
            raise ValidationFailed(
                "co_author_ids", Rule.MAX_ITEMS, f"a curriculum has at most {CO_AUTHORS_MAX} co-authors"
            )
        self.co_author_ids.append(org_id)
        self._touch_public(now)
        return [self._event(self._updated_payload(), now)]

    def remove_co_author(self, org_id: uuid.UUID, *, now: datetime) -> list[DomainEvent]:
        """Removal is allowed mid-review: a departed firm must not block the others' version forever."""
        if org_id not in self.co_author_ids:
            raise ValidationFailed("organization_id", Rule.NOT_CO_AUTHOR, "not a co-author of this curriculum")
        self.co_author_ids.remove(org_id)
        # The remaining co-authors' approvals may now satisfy the rule.
        v = self.open_version
        if v is not None and v.status == VersionStatus.IN_REVIEW and self.is_approved(v):
            v.status = VersionStatus.APPROVED
        self._touch_public(now)
        return [self._event(self._updated_payload(), now)]

    def update_details(
        self,
        *,
        title: str | None = None,
        title_zh: str | None = None,
        approval_rule: ApprovalRule | str | None = None,
        consortium_id: uuid.UUID | None = None,
        clear: frozenset[str] = frozenset(),
        now: datetime,
    ) -> list[DomainEvent]:
        """Change the curriculum's own facts; ``clear`` names optional fields to empty (``title_zh``,
        ``consortium_id``). A stricter approval rule applies to the version in review from now on."""
        out = ViolationCollector()
        if title is not None:
            check_text(out, "title", title, max_len=TITLE_MAX)
        if title_zh is not None:
            check_text(out, "title_zh", title_zh, max_len=TITLE_MAX)
        out.raise_if_any()
        rule = parse_enum(ApprovalRule, approval_rule, "approval_rule") if approval_rule is not None else None
        before = (self.title, self.title_zh, self.approval_rule, self.consortium_id)
        self.title = title if title is not None else self.title
        self.title_zh = None if "title_zh" in clear else (title_zh if title_zh is not None else self.title_zh)
        self.approval_rule = rule or self.approval_rule
        if "consortium_id" in clear:
            self.consortium_id = None
        elif consortium_id is not None:
            self.consortium_id = consortium_id
        if (self.title, self.title_zh, self.approval_rule, self.consortium_id) == before:
            return []
        version = self.open_version
        if version is not None and version.status == VersionStatus.IN_REVIEW and self.is_approved(version):
            version.status = VersionStatus.APPROVED  # a looser rule may already be met
        self._touch_public(now)
        return [self._event(self._updated_payload(), now)]

    def discard_open_version(self, *, now: datetime) -> list[DomainEvent]:
        """Drop the draft (or the version in review or approved) so work can restart from the published one.

        Version 1 of a never-published curriculum cannot be dropped: it is where the curriculum starts.
        """
        version = self.open_version
        if version is None:
            raise InvalidTransition(VERSION_ENTITY, self.latest_version.status, "discard")
        if self.published_version is None and len(self.versions) == 1:
            raise ValidationFailed("versions", Rule.ONLY_VERSION, "the first version cannot be discarded; edit it")
        self.versions = [v for v in self.versions if v.id != version.id]
        self.touch(now)
        return []

    # ---- version lifecycle ----------------------------------------------------------------------------

    def replace_draft_modules(
        self, modules: Sequence[Module], effective_date: date | None = None, *, now: datetime
    ) -> list[DomainEvent]:
        """Replace the current draft's content whole: edits are made on a copy, never in review."""
        draft = self._require_open(VersionStatus.DRAFT, "edit")
        out = ViolationCollector()
        validate_modules(out, modules, "modules")
        out.raise_if_any()
        draft.modules = [m.model_copy(deep=True) for m in modules]
        draft.effective_date = effective_date
        self.touch(now)
        return []

    def submit_for_review(self, *, now: datetime) -> list[DomainEvent]:
        """Draft → in_review, or straight to approved when the college decides alone."""
        draft = self._require_open(VersionStatus.DRAFT, "submit for review")
        out = ViolationCollector()
        if not draft.modules:
            out.add("modules", Rule.MIN_ITEMS, "a version needs at least one module before review")
        # Content may predate today's rules (copied from an older version, loaded from storage): check again.
        validate_modules(out, draft.modules, "modules")
        out.raise_if_any()
        draft.status = VersionStatus.IN_REVIEW
        if self.is_approved(draft):
            draft.status = VersionStatus.APPROVED
        self.touch(now)
        return []

    def review_version(
        self, org_id: uuid.UUID, decision: ReviewDecision | str, comment: str = "", *, now: datetime
    ) -> list[DomainEvent]:
        """A co-author approves or requests changes on the version in review.

        A request for changes sends the version back to draft and drops the round's approvals, since the
        content they approved is about to change. A co-author may approve more than once; it counts once and
        is kept once (the latest), so repeating it cannot grow the version without bound.
        """
        version = self._require_open(VersionStatus.IN_REVIEW, "review")
        decision = parse_enum(ReviewDecision, decision, "decision")
        if org_id not in self.co_author_ids:
            raise ValidationFailed("organization_id", Rule.NOT_CO_AUTHOR, "only co-authors review a curriculum version")
        out = ViolationCollector()
        check_review(out, decision, comment)
        out.raise_if_any()
        review = VersionReview(organization_id=org_id, decision=decision, comment=comment, at=now)
        if decision == ReviewDecision.REQUEST_CHANGES:
            rounds = sum(1 for r in version.reviews if r.decision == ReviewDecision.REQUEST_CHANGES)
            if rounds >= REVIEW_ROUNDS_MAX:
                raise ValidationFailed(
                    "reviews",
                    Rule.MAX_ITEMS,
                    f"this version was sent back {rounds} times, the most one version keeps; "
                    "discard it and start a new draft",
                )
            version.reviews = [r for r in version.reviews if r.decision != ReviewDecision.APPROVE]
            version.reviews.append(review)
            version.status = VersionStatus.DRAFT
        else:
            version.reviews = [
                r for r in version.reviews if not (r.organization_id == org_id and r.decision == ReviewDecision.APPROVE)
            ]
            version.reviews.append(review)
            if self.is_approved(version):
                version.status = VersionStatus.APPROVED
        self.touch(now)
        return []

    def publish(self, today: date, *, now: datetime) -> list[DomainEvent]:
        """Approved → published; the version published before is retired in the same step.

        ``today`` is the college's local date (the service knows its time zone, the domain does not): it
        becomes the effective date when none was set. ``now`` is the instant, for ``published_at``. Published
        is emitted before Retired so that a consumer projecting "the current version" never sees a curriculum
        with none.
        """
        version = self._require_open(VersionStatus.APPROVED, "publish")
        previous = self.published_version
        version.status = VersionStatus.PUBLISHED
        version.published_at = now
        if version.effective_date is None:
            version.effective_date = today
        events = [self._event(self._published_payload(version), now)]
        if previous is not None:
            events.append(self._retire(previous, now))
        self._touch_public(now)
        return events

    def retire_version(self, number: int, *, now: datetime) -> list[DomainEvent]:
        """Withdraw the published version without a successor (e.g. the programme closes)."""
        version = self.get_version(number)
        if version.status != VersionStatus.PUBLISHED:
            raise InvalidTransition(VERSION_ENTITY, version.status, "retire")
        event = self._retire(version, now)
        self._touch_public(now)
        return [event]

    def start_draft(self, *, now: datetime) -> list[DomainEvent]:
        """A new draft copied from the published version (or, if none, the latest one)."""
        base = self.base_version
        self.add_draft(base.modules, base_version_number=base.number, now=now)
        return []

    def add_draft(
        self,
        modules: Sequence[Module],
        *,
        base_version_number: int,
        source_proposal_id: uuid.UUID | None = None,
        now: datetime,
    ) -> CurriculumVersion:
        """Append draft version max+1 holding a copy of ``modules`` (used by start_draft and proposal accept).

        The effective date is not carried over: the base's date has usually passed and must be chosen anew.
        """
        self.ensure_no_open_version()
        version = CurriculumVersion(
            number=self.latest_version.number + 1,
            modules=[m.model_copy(deep=True) for m in modules],
            base_version_number=base_version_number,
            source_proposal_id=source_proposal_id,
            created_at=now,
        )
        self.versions.append(version)
        self.touch(now)
        return version

    def ensure_no_open_version(self) -> None:
        open_version = self.open_version
        if open_version is not None:
            raise _violation_conflict(
                f"version {open_version.number} is still {open_version.status}: publish it before opening another",
                "versions",
                Rule.OPEN_VERSION_EXISTS,
            )

    # ---- internals ------------------------------------------------------------------------------------

    def _touch_public(self, now: datetime) -> None:
        """A change outsiders can see: the public view gets a new version and the same instant as the root."""
        self.touch(now)
        self.public_version += 1
        self.public_updated_at = self.updated_at

    def _require_open(self, status: VersionStatus, action: str) -> CurriculumVersion:
        version = self.open_version
        if version is None or version.status != status:
            current = (version or self.latest_version).status
            raise InvalidTransition(VERSION_ENTITY, current, action)
        return version

    def _retire(self, version: CurriculumVersion, now: datetime) -> DomainEvent:
        version.status = VersionStatus.RETIRED
        version.retired_at = now
        return self._event(
            CurriculumVersionRetired(curriculum_id=self.id, version_id=version.id, version_number=version.number), now
        )

    def _published_payload(self, version: CurriculumVersion) -> CurriculumVersionPublished:
        return CurriculumVersionPublished(
            curriculum_id=self.id,
            version_id=version.id,
            version_number=version.number,
            college_id=self.college_id,
            title=self.title,
            target_occupation=self.target_occupation,
            level=str(self.level),
            consortium_id=self.consortium_id,
            co_author_ids=list(self.co_author_ids),
            effective_date=version.effective_date,
            total_hours=version.total_hours,
            skills=skill_coverage(version.modules),
        )

    def _updated_payload(self) -> CurriculumUpdated:
        return CurriculumUpdated(
            curriculum_id=self.id,
            title=self.title,
            title_zh=self.title_zh,
            consortium_id=self.consortium_id,
            approval_rule=str(self.approval_rule),
            co_author_ids=list(self.co_author_ids),
        )

    def _event(self, payload: EventPayload, now: datetime) -> DomainEvent:
        return DomainEvent(payload=payload, subject=self.id, time=now)
