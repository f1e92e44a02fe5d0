"""The ChangeProposal aggregate: a party's module diff against a curriculum version, reviewed by the others."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

from dovetail_shared.domain import Aggregate
from dovetail_shared.errors import (
    Conflict,
    InvalidTransition,
    ValidationFailed,
    Violation,
    ViolationCollector,
)
from dovetail_shared.events.base import DomainEvent, EventPayload
from dovetail_shared.events.curricula import (
    ChangeProposalAccepted,
    ChangeProposalRejected,
    ChangeProposalSubmitted,
    ChangeProposalWithdrawn,
)
from pydantic import BaseModel, ConfigDict, Field

from curricula.domain.curriculum import ApprovalRule, Curriculum
from curricula.domain.rules import Rule, check_text, parse_enum
from curricula.domain.values import (
    DISTINCT_SKILLS_MAX,
    MODULE_CODE_MAX,
    MODULES_MAX,
    Module,
    Review,
    ReviewDecision,
    check_review,
    skill_ids,
    too_many,
    validate_modules,
)

RATIONALE_MAX = 5000
REASON_MAX = 2000
DIFF_LIST_MAX = 200  # entries in each of add_modules, update_modules and remove_module_codes
PROPOSAL_ENTITY = "change proposal"


class ProposalStatus(StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class ProposalReview(Review):
    """Another party's decision on a proposal; a party's latest review is its standing one."""


class ModuleDiff(BaseModel):
    """Whole-module edits: add new codes, remove codes, replace the module having the same code."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    add_modules: list[Module] = Field(default_factory=list)
    remove_module_codes: list[str] = Field(default_factory=list)
    update_modules: list[Module] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.add_modules or self.remove_module_codes or self.update_modules)

    def check(self, out: ViolationCollector, base: Sequence[Module], path: str = "diff") -> None:
        """Shape of the diff and whether it applies to ``base``; violations are named ``diff.<list>[i]...``.

        A list over ``DIFF_LIST_MAX`` is refused whole: nothing else is looked at.
        """
        too_long = [
            too_many(out, f"{path}.{name}", items, DIFF_LIST_MAX, "entries")
            for name, items in (
                ("add_modules", self.add_modules),
                ("update_modules", self.update_modules),
                ("remove_module_codes", self.remove_module_codes),
            )
        ]
        if any(too_long):
            return
        if self.is_empty:
            out.add(path, Rule.EMPTY_DIFF, "add, remove or update at least one module")
        validate_modules(out, self.add_modules, f"{path}.add_modules", unique_codes=False)
        validate_modules(out, self.update_modules, f"{path}.update_modules", unique_codes=False)
        for i, code in enumerate(self.remove_module_codes):
            if not 1 <= len(code) <= MODULE_CODE_MAX:
                out.add(f"{path}.remove_module_codes[{i}]", Rule.LENGTH, f"must be 1 to {MODULE_CODE_MAX} characters")
        self.check_applies(out, base, path)

    def check_applies(self, out: ViolationCollector, base: Sequence[Module], path: str = "diff") -> None:
        """Only the rules that depend on the base: it can change between submission and acceptance.

        Besides each entry, the version the diff would produce must stay within a version's bounds
        (``MODULES_MAX`` modules, ``DISTINCT_SKILLS_MAX`` distinct skills).
        """
        base_codes = {m.code for m in base}
        # One code, one edit: "remove X and update X" has no single meaning.
        seen: set[str] = set()
        entries = [
            *((f"{path}.add_modules[{i}].code", m.code, True) for i, m in enumerate(self.add_modules)),
            *((f"{path}.remove_module_codes[{i}]", c, False) for i, c in enumerate(self.remove_module_codes)),
            *((f"{path}.update_modules[{i}].code", m.code, False) for i, m in enumerate(self.update_modules)),
        ]
        applies = True
        for field, code, adding in entries:
            if not 1 <= len(code) <= MODULE_CODE_MAX:
                applies = False  # not a module code at all (named by ``check``); not echoed back
            elif code in seen:
                out.add(field, Rule.UNIQUE, f"module {code!r} appears more than once in the diff")
                applies = False
            elif adding and code in base_codes:
                out.add(field, Rule.MODULE_EXISTS, f"module {code!r} already exists; update it instead")
                applies = False
            elif not adding and code not in base_codes:
                out.add(field, Rule.UNKNOWN_MODULE, f"no module {code!r} in the base version")
                applies = False
            seen.add(code)
        if not applies:
            return
        result = self._result(base)
        if len(result) > MODULES_MAX:
            out.add(path, Rule.MAX_ITEMS, f"the new version would have {len(result)} modules; at most {MODULES_MAX}")
        taught = skill_ids(result)
        if len(taught) > DISTINCT_SKILLS_MAX:
            out.add(
                path,
                Rule.MAX_ITEMS,
                f"the new version would teach {len(taught)} distinct skills; at most {DISTINCT_SKILLS_MAX}",
            )

    def _result(self, base: Sequence[Module]) -> list[Module]:
        removed = set(self.remove_module_codes)
        updates = {m.code: m for m in self.update_modules}
        return [*(updates.get(m.code, m) for m in base if m.code not in removed), *self.add_modules]

    def apply(self, base: Sequence[Module]) -> list[Module]:
        """Base order is kept (updates in place), removed modules dropped, added ones appended in order."""
        return [m.model_copy(deep=True) for m in self._result(base)]

    def introduced_skill_ids(self, base: Sequence[Module]) -> list[str]:
        """Skills taught by added or updated modules that the base version does not teach at all (sorted)."""
        return sorted(skill_ids([*self.add_modules, *self.update_modules]) - skill_ids(base))


class ChangeProposal(Aggregate):
    """A proposal by the college or a co-author firm to change a curriculum's modules.

    Accepting it requires, counting the proposer's own submission as its approval:

    - no other party's standing (latest) review is ``request_changes``;
    - the owning college has approved, unless it is the proposer;
    - co-authors by the curriculum's effective approval rule: ``all_co_authors`` every co-author,
      ``any_co_author`` at least one co-author (a proposing co-author is that one), ``college_only`` none.

    So a college's own proposal under ``college_only`` (or with no co-authors) needs no one else, exactly as
    the college could edit its draft alone, and every other case needs at least one other party's approval.
    The rule and the parties are read from the curriculum at acceptance, so co-authors added or removed in
    the meantime count as they are then. The new draft still goes through the version review before it can
    be published: accepting is consent to work on the change, not to publish it.
    """

    curriculum_id: uuid.UUID
    proposer_org_id: uuid.UUID
    base_version_number: int
    demand_id: uuid.UUID | None = None
    rationale: str
    diff: ModuleDiff
    status: ProposalStatus = ProposalStatus.SUBMITTED
    reviews: list[ProposalReview] = Field(default_factory=list)
    decided_reason: str | None = None
    decided_at: datetime | None = None
    accepted_version_number: int | None = None

    @classmethod
    def submit(
        cls,
        curriculum: Curriculum,
        proposer_org_id: uuid.UUID,
        diff: ModuleDiff,
        rationale: str,
        demand_id: uuid.UUID | None = None,
        *,
        now: datetime,
    ) -> tuple[ChangeProposal, list[DomainEvent]]:
        """Propose ``diff`` against the curriculum's base version (the published one, else the latest)."""
        if proposer_org_id not in curriculum.party_ids:
            raise ValidationFailed(
                "proposer_org_id", Rule.NOT_A_PARTY, "only the college or a co-author proposes changes"
            )
        base = curriculum.base_version
        out = ViolationCollector()
        check_text(out, "rationale", rationale, max_len=RATIONALE_MAX)
        diff.check(out, base.modules)
        out.raise_if_any()

        proposal = cls(
            curriculum_id=curriculum.id,
            proposer_org_id=proposer_org_id,
            base_version_number=base.number,
            demand_id=demand_id,
            rationale=rationale,
            diff=diff.model_copy(deep=True),
            created_at=now,
            updated_at=now,
        )
        event = ChangeProposalSubmitted(
            proposal_id=proposal.id,
            curriculum_id=curriculum.id,
            proposer_org_id=proposer_org_id,
            base_version_number=base.number,
            demand_id=demand_id,
            rationale=rationale,
            added_skill_ids=diff.introduced_skill_ids(base.modules),
        )
        return proposal, [proposal._event(event, now)]

    def standing_reviews(self) -> dict[uuid.UUID, ProposalReview]:
        """Each reviewer's latest review: a party may change its mind while the proposal is open."""
        return {r.organization_id: r for r in self.reviews}

    def review(
        self,
        curriculum: Curriculum,
        org_id: uuid.UUID,
        decision: ReviewDecision | str,
        comment: str = "",
        *,
        now: datetime,
    ) -> list[DomainEvent]:
        """The other parties (the college and co-authors, not the proposer) approve or request changes."""
        self._require_submitted("review")
        self._require_curriculum(curriculum)
        decision = parse_enum(ReviewDecision, decision, "decision")
        if org_id == self.proposer_org_id:
            raise ValidationFailed("organization_id", Rule.OWN_PROPOSAL, "a party cannot review its own proposal")
        if org_id not in curriculum.party_ids:
            raise ValidationFailed(
                "organization_id", Rule.NOT_A_PARTY, "only the college and co-authors review proposals"
            )
        out = ViolationCollector()
        check_review(out, decision, comment)
        out.raise_if_any()
        self.reviews.append(ProposalReview(organization_id=org_id, decision=decision, comment=comment, at=now))
        self.touch(now)
        return []

    def missing_approvals(self, curriculum: Curriculum) -> list[Violation]:
        """Why the proposal cannot be accepted yet (empty when it can); see the class docstring."""
        parties = curriculum.party_ids
        standing = {
            org: r for org, r in self.standing_reviews().items() if org in parties and org != self.proposer_org_id
        }
        problems = [
            Violation("reviews", Rule.CHANGES_REQUESTED, f"organisation {org} requested changes")
            for org, r in standing.items()
            if r.decision == ReviewDecision.REQUEST_CHANGES
        ]
        approvers = {org for org, r in standing.items() if r.decision == ReviewDecision.APPROVE}
        if self.proposer_org_id in parties:
            approvers.add(self.proposer_org_id)
        missing = [curriculum.college_id] if curriculum.college_id not in approvers else []
        rule = curriculum.effective_approval_rule
        if rule == ApprovalRule.ALL_CO_AUTHORS:
            missing += [org for org in curriculum.co_author_ids if org not in approvers]
        if missing:
            who = ", ".join(str(org) for org in missing)
            problems.append(Violation("reviews", Rule.APPROVALS_MISSING, f"approval missing from {who}"))
        if rule == ApprovalRule.ANY_CO_AUTHOR and not approvers & set(curriculum.co_author_ids):
            problems.append(
                Violation("reviews", Rule.APPROVALS_MISSING, "approval missing from at least one co-author")
            )
        return problems

    def accept(self, curriculum: Curriculum, *, now: datetime) -> list[DomainEvent]:
        """Apply the diff to the base version's modules as the curriculum's next draft version."""
        self._require_submitted("accept")
        self._require_curriculum(curriculum)
        problems = self.missing_approvals(curriculum)
        if problems:
            err = ValidationFailed(problems[0].field, problems[0].rule, problems[0].message)
            err.violations = problems
            raise err
        curriculum.ensure_no_open_version()
        # Building on an older base would silently drop what was published since; the proposer must redo
        # the diff against the current version instead.
        current = curriculum.base_version
        if current.number != self.base_version_number:
            detail = (
                f"proposal is based on version {self.base_version_number} but version {current.number} "
                "has been published since: submit it again against the current version"
            )
            raise Conflict(detail, violations=[Violation("base_version_number", Rule.BASE_OUTDATED, detail)])
        # A never-published base can still change between submission and acceptance.
        out = ViolationCollector()
        self.diff.check_applies(out, current.modules)
        if out.violations:
            raise Conflict(f"the diff no longer applies to version {current.number}", violations=out.violations)

        version = curriculum.add_draft(
            self.diff.apply(current.modules),
            base_version_number=current.number,
            source_proposal_id=self.id,
            now=now,
        )
        self.status = ProposalStatus.ACCEPTED
        self.decided_at = now
        self.accepted_version_number = version.number
        self.touch(now)
        event = ChangeProposalAccepted(
            proposal_id=self.id,
            curriculum_id=self.curriculum_id,
            demand_id=self.demand_id,
            new_version_number=version.number,
        )
        return [self._event(event, now)]

    def reject(self, reason: str, *, now: datetime) -> list[DomainEvent]:
        self._require_submitted("reject")
        out = ViolationCollector()
        check_text(out, "reason", reason, max_len=REASON_MAX)
        out.raise_if_any()
        self.status = ProposalStatus.REJECTED
        self.decided_reason = reason
        self.decided_at = now
        self.touch(now)
        event = ChangeProposalRejected(
            proposal_id=self.id, curriculum_id=self.curriculum_id, demand_id=self.demand_id, reason=reason
        )
        return [self._event(event, now)]

    def withdraw(self, *, now: datetime) -> list[DomainEvent]:
        """By the proposer (checked by the service with policy.can_withdraw_proposal)."""
        self._require_submitted("withdraw")
        self.status = ProposalStatus.WITHDRAWN
        self.decided_at = now
        self.touch(now)
        event = ChangeProposalWithdrawn(proposal_id=self.id, curriculum_id=self.curriculum_id, demand_id=self.demand_id)
        return [self._event(event, now)]

    def _require_submitted(self, action: str) -> None:
        if self.status != ProposalStatus.SUBMITTED:
            raise InvalidTransition(PROPOSAL_ENTITY, self.status, action)

    def _require_curriculum(self, curriculum: Curriculum) -> None:
        if curriculum.id != self.curriculum_id:
            raise ValidationFailed(
                "curriculum_id", Rule.CURRICULUM_MISMATCH, "the proposal belongs to another curriculum"
            )

    def _event(self, payload: EventPayload, now: datetime) -> DomainEvent:
        return DomainEvent(payload=payload, subject=self.id, time=now)
