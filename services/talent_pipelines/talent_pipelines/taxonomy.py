"""Reads the ESCO graph once per process from ``dovetail_shared.taxonomy.taxonomy_dir()``.

The extract beside the repository, or the committed sample: ids are always real ESCO ids. Request ids are
checked against the taxonomy tables in the service's schema (as curricula does); this graph answers what those
tables cannot: which skills an occupation needs, which skill is narrower than or a sibling of another.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from dovetail_shared.taxonomy import taxonomy_dir

from talent_pipelines.domain.taxonomy import TaxonomyGraph


def read_graph(directory: Path) -> TaxonomyGraph:
    g = TaxonomyGraph()
    if not (directory / "skills.csv").exists():
        return g
    with open(directory / "skills.csv", newline="") as f:
        g.labels = {r["id"]: r["label"] for r in csv.DictReader(f)}
    with open(directory / "occupations.csv", newline="") as f:
        g.occupation_labels = {r["id"]: r["label"] for r in csv.DictReader(f)}
    essential: dict[str, list[str]] = defaultdict(list)
    optional: dict[str, list[str]] = defaultdict(list)
    relations = directory / "occupation_skills.csv"
    if relations.exists():
        with open(relations, newline="") as f:
            for r in csv.DictReader(f):
                (essential if r["relation"] == "essential" else optional)[r["occupation_id"]].append(r["skill_id"])
    g.essential = {k: sorted(v) for k, v in essential.items()}
    g.optional = {k: sorted(v) for k, v in optional.items()}
    broader: dict[str, set[str]] = defaultdict(set)
    narrower: dict[str, set[str]] = defaultdict(set)
    hierarchy = directory / "skill_hierarchy.csv"
    if hierarchy.exists():
        with open(hierarchy, newline="") as f:
            for r in csv.DictReader(f):
                broader[r["id"]].add(r["broader_id"])
                narrower[r["broader_id"]].add(r["id"])
    g.broader, g.narrower = dict(broader), dict(narrower)
    return g


@lru_cache(maxsize=1)
def graph() -> TaxonomyGraph:
    """The process's graph (loaded on first use: about 160,000 rows, under a second)."""
    return read_graph(taxonomy_dir())
