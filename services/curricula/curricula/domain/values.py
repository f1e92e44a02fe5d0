"""Value objects a curriculum version is made of (modules, outcomes, skill refs, reviews) and their checks."""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence, Sized
from datetime import datetime
from enum import StrEnum

from dovetail_shared.errors import ViolationCollector
from dovetail_shared.events.curricula import SkillCoverage
from pydantic import BaseModel, ConfigDict, Field

from curricula.domain.rules import Rule, check_text

MODULE_CODE_MAX = 20
MODULE_CODE_RE = re.compile(r"[A-Za-z0-9_-]+")
MODULE_TITLE_MAX = 200
MODULE_HOURS_MIN, MODULE_HOURS_MAX = 1, 2000
OUTCOME_DESCRIPTION_MAX = 2000
SKILL_ID_MAX = 500
SKILL_LEVEL_MIN, SKILL_LEVEL_MAX = 1, 5
COMMENT_MAX = 2000
# Size bounds: a version travels whole in one row, one response and (as its skill coverage) one event, so no
# list in it may grow without limit. A list over its bound is refused whole, before its items are looked at.
MODULES_MAX = 200  # per version
OUTCOMES_MAX = 50  # per module
SKILLS_PER_OUTCOME_MAX = 20
DISTINCT_SKILLS_MAX = 200  # per version: the length of version.published's coverage


class ReviewDecision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"


class _Value(BaseModel):
    # Frozen so that a version copied from another can never change its source by aliasing. Field types are
    # deliberately unconstrained: rules are checked by validate_modules, which names the JSON path and rule id
    # of every violation, and rows stored under older rules still load.
    model_config = ConfigDict(frozen=True, from_attributes=True)


class SkillRef(_Value):
    """A taxonomy skill (e.g. an ESCO skill URI) that an outcome develops, at a proficiency level 1..5.

    Levels follow the first five EQF descriptors, the range vocational programmes teach to:
    1 basic, under direct supervision; 2 basic factual, with some autonomy; 3 completes tasks, adapts to
    circumstances; 4 self-manages within guidelines, supervises routine work of others; 5 comprehensive,
    specialised, solves abstract problems, manages and develops others.
    """

    skill_id: str
    level: int


class LearningOutcome(_Value):
    description: str
    skills: list[SkillRef] = Field(default_factory=list)


class Module(_Value):
    code: str
    title: str
    hours: int
    outcomes: list[LearningOutcome] = Field(default_factory=list)

    def skill_levels(self) -> dict[str, int]:
        """Each skill this module teaches, at the highest level any of its outcomes reaches."""
        levels: dict[str, int] = {}
        for outcome in self.outcomes:
            for skill in outcome.skills:
                levels[skill.skill_id] = max(levels.get(skill.skill_id, 0), skill.level)
        return levels


class Review(_Value):
    """One organisation's decision; the same shape is used for version reviews and proposal reviews."""

    organization_id: uuid.UUID
    decision: ReviewDecision
    comment: str = ""
    at: datetime  # given by the caller: the domain reads no clock


def check_review(out: ViolationCollector, decision: ReviewDecision, comment: str) -> None:
    # An empty request for changes leaves the authors guessing what to fix.
    if decision == ReviewDecision.REQUEST_CHANGES and not comment.strip():
        out.add("comment", Rule.REQUIRED, "say what should change when requesting changes")
    elif len(comment) > COMMENT_MAX:
        out.add("comment", Rule.LENGTH, f"must be at most {COMMENT_MAX} characters")


def too_many(out: ViolationCollector, field: str, items: Sized, max_items: int, what: str) -> bool:
    """Add a ``max_items`` violation when ``items`` is longer than ``max_items``; says whether it did."""
    if len(items) <= max_items:
        return False
    out.add(field, Rule.MAX_ITEMS, f"at most {max_items} {what}, not {len(items)}")
    return True


def validate_modules(
    out: ViolationCollector, modules: Sequence[Module], path: str, *, unique_codes: bool = True
) -> None:
    """Add a violation, named by JSON path (``<path>[i].outcomes[j].skills[k].level``), per broken rule.

    ``modules`` is checked as one version's content: at most ``MODULES_MAX`` modules teaching at most
    ``DISTINCT_SKILLS_MAX`` distinct skills.
    """
    if too_many(out, path, modules, MODULES_MAX, "modules"):
        return
    seen: set[str] = set()
    skills: set[str] = set()
    for i, module in enumerate(modules):
        at = f"{path}[{i}]"
        if not 1 <= len(module.code) <= MODULE_CODE_MAX:
            out.add(f"{at}.code", Rule.LENGTH, f"must be 1 to {MODULE_CODE_MAX} characters")
        elif not MODULE_CODE_RE.fullmatch(module.code):
            out.add(f"{at}.code", Rule.PATTERN, "may contain only letters, digits, '-' and '_'")
        elif unique_codes and module.code in seen:
            out.add(f"{at}.code", Rule.UNIQUE, f"module code {module.code!r} is used twice")
        seen.add(module.code)
        check_text(out, f"{at}.title", module.title, max_len=MODULE_TITLE_MAX)
        if not MODULE_HOURS_MIN <= module.hours <= MODULE_HOURS_MAX:
            out.add(f"{at}.hours", Rule.RANGE, f"must be {MODULE_HOURS_MIN} to {MODULE_HOURS_MAX}")
        if too_many(out, f"{at}.outcomes", module.outcomes, OUTCOMES_MAX, "learning outcomes per module"):
            continue
        for j, outcome in enumerate(module.outcomes):
            _validate_outcome(out, outcome, f"{at}.outcomes[{j}]", skills)
    if len(skills) > DISTINCT_SKILLS_MAX:
        out.add(path, Rule.MAX_ITEMS, f"at most {DISTINCT_SKILLS_MAX} distinct skills per version, not {len(skills)}")


def _validate_outcome(out: ViolationCollector, outcome: LearningOutcome, at: str, skills: set[str]) -> None:
    check_text(out, f"{at}.description", outcome.description, max_len=OUTCOME_DESCRIPTION_MAX)
    if not outcome.skills:
        # An outcome mapped to no skill is invisible to matching, which is the point of the mapping.
        out.add(f"{at}.skills", Rule.MIN_ITEMS, "map the outcome to at least one skill")
    if too_many(out, f"{at}.skills", outcome.skills, SKILLS_PER_OUTCOME_MAX, "skills per learning outcome"):
        return
    seen: set[str] = set()
    for k, skill in enumerate(outcome.skills):
        s_at = f"{at}.skills[{k}]"
        check_text(out, f"{s_at}.skill_id", skill.skill_id, max_len=SKILL_ID_MAX)
        if skill.skill_id in seen and len(skill.skill_id) <= SKILL_ID_MAX:  # an over-long id is not echoed
            out.add(f"{s_at}.skill_id", Rule.UNIQUE, f"skill {skill.skill_id!r} is listed twice")
        seen.add(skill.skill_id)
        if not SKILL_LEVEL_MIN <= skill.level <= SKILL_LEVEL_MAX:
            out.add(f"{s_at}.level", Rule.RANGE, f"must be {SKILL_LEVEL_MIN} to {SKILL_LEVEL_MAX}")
    skills |= seen


def skill_coverage(modules: Sequence[Module]) -> list[SkillCoverage]:
    """Per skill: the highest level taught, and the hours of the modules teaching it (each module once)."""
    levels: dict[str, int] = {}
    hours: dict[str, int] = {}
    for module in modules:
        for skill_id, level in module.skill_levels().items():
            levels[skill_id] = max(levels.get(skill_id, 0), level)
            hours[skill_id] = hours.get(skill_id, 0) + module.hours
    return [SkillCoverage(skill_id=s, level=levels[s], hours=hours[s]) for s in sorted(levels)]


def skill_ids(modules: Sequence[Module]) -> set[str]:
    return {s for module in modules for s in module.skill_levels()}
