"""Fixtures for the curricula domain unit tests: a college, two co-author firms, module and curriculum builders."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest
from curricula.domain import ApprovalRule, Curriculum, CurriculumLevel, LearningOutcome, Module, SkillRef

TODAY = date(2025, 9, 1)
NOW = datetime(2025, 9, 1, 9, 0, tzinfo=UTC)  # the instant every step happens at; its UTC date is TODAY

WELD = "http://data.europa.eu/esco/skill/weld"
CAD = "http://data.europa.eu/esco/skill/cad"
PLC = "http://data.europa.eu/esco/skill/plc"
SAFETY = "http://data.europa.eu/esco/skill/safety"

MakeModule = Callable[..., Module]
MakeCurriculum = Callable[..., Curriculum]


@dataclass(frozen=True)
class Orgs:
    college: uuid.UUID = field(default_factory=uuid.uuid4)
    firm_a: uuid.UUID = field(default_factory=uuid.uuid4)
    firm_b: uuid.UUID = field(default_factory=uuid.uuid4)
    outsider: uuid.UUID = field(default_factory=uuid.uuid4)


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def orgs() -> Orgs:
    return Orgs()


@pytest.fixture
def make_module() -> MakeModule:
    """A module with one outcome per (skill_id, level) pair given."""

    def _make(code: str, hours: int = 40, skills: Iterable[tuple[str, int]] = ((WELD, 2),)) -> Module:
        outcomes = [
            LearningOutcome(description=f"apply {sid}", skills=[SkillRef(skill_id=sid, level=lvl)])
            for sid, lvl in skills
        ]
        return Module(code=code, title=f"Module {code}", hours=hours, outcomes=outcomes)

    return _make


@pytest.fixture
def make_curriculum(orgs: Orgs) -> MakeCurriculum:
    """A curriculum owned by ``orgs.college``, co-authored by both firms unless told otherwise."""

    def _make(
        rule: ApprovalRule = ApprovalRule.ALL_CO_AUTHORS,
        co_authors: Iterable[uuid.UUID] | None = None,
    ) -> Curriculum:
        curriculum, _ = Curriculum.create(
            college_id=orgs.college,
            title="Intelligent welding technology",
            target_occupation="http://data.europa.eu/esco/occupation/welder",
            level=CurriculumLevel.HIGHER_VOCATIONAL,
            co_author_ids=[orgs.firm_a, orgs.firm_b] if co_authors is None else co_authors,
            approval_rule=rule,
            now=NOW,
        )
        return curriculum

    return _make


@pytest.fixture
def published(make_curriculum: MakeCurriculum, make_module: MakeModule, orgs: Orgs) -> Curriculum:
    """Version 1 published with modules W1 (welding) and C1 (CAD), approved by both co-authors."""
    curriculum = make_curriculum()
    curriculum.replace_draft_modules([make_module("W1", 60, [(WELD, 2)]), make_module("C1", 30, [(CAD, 1)])], now=NOW)
    curriculum.submit_for_review(now=NOW)
    curriculum.review_version(orgs.firm_a, "approve", now=NOW)
    curriculum.review_version(orgs.firm_b, "approve", now=NOW)
    curriculum.publish(TODAY, now=NOW)
    return curriculum
