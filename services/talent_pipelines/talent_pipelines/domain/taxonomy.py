"""The ESCO graph matching needs (skill labels, occupations' essential/optional skills, the hierarchy); pure.

``talent_pipelines.taxonomy`` reads it from the shared taxonomy directory; the domain only receives it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Relation(StrEnum):
    EXACT = "exact"
    NARROWER = "narrower"  # the evidenced skill is a narrower skill of the required one
    SIBLING = "sibling"  # both share a broader skill or group


@dataclass
class TaxonomyGraph:
    labels: dict[str, str] = field(default_factory=dict)
    occupation_labels: dict[str, str] = field(default_factory=dict)
    essential: dict[str, list[str]] = field(default_factory=dict)
    optional: dict[str, list[str]] = field(default_factory=dict)
    broader: dict[str, set[str]] = field(default_factory=dict)
    narrower: dict[str, set[str]] = field(default_factory=dict)

    def label(self, skill_id: str) -> str:
        return self.labels.get(skill_id, skill_id)

    def is_skill(self, skill_id: str) -> bool:
        return skill_id in self.labels

    def is_occupation(self, occupation_id: str) -> bool:
        return occupation_id in self.occupation_labels

    def relation(self, required: str, evidenced: str) -> Relation | None:
        """How an evidenced skill relates to a required one: exact, narrower (a child), sibling, or unrelated."""
        if required == evidenced:
            return Relation.EXACT
        if evidenced in self.narrower.get(required, ()):
            return Relation.NARROWER
        parents = self.broader.get(required, set())
        if parents and parents & self.broader.get(evidenced, set()):
            return Relation.SIBLING
        return None

    def related(self, required: str) -> set[str]:
        """Every skill that earns partial credit for ``required``: its narrower skills and its siblings."""
        out = set(self.narrower.get(required, ()))
        for parent in self.broader.get(required, ()):
            out |= self.narrower.get(parent, set())
        out.discard(required)
        return out
