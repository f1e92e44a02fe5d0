"""The public view's version and timestamp: moved by what outsiders can see, never by private work."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from curricula.domain import ChangeProposal, Curriculum, ModuleDiff, curriculum_view
from dovetail_shared.principal import Principal

from .conftest import NOW


def public(c: Curriculum) -> tuple[int, Any]:
    return c.public_version, c.public_updated_at


def test_a_new_curriculum_starts_its_public_view_at_its_creation(make_curriculum: Any) -> None:
    c = make_curriculum()
    assert public(c) == (1, c.updated_at)


def test_private_work_leaves_the_public_view_alone(published: Curriculum, make_module: Any, orgs: Any) -> None:
    before = public(published)
    version = published.version
    published.start_draft(now=NOW)
    published.replace_draft_modules([make_module("W1", 80)], now=NOW)
    published.submit_for_review(now=NOW)
    published.review_version(orgs.firm_a, "request_changes", "more welding", now=NOW)
    published.discard_open_version(now=NOW)
    proposal, _ = ChangeProposal.submit(
        published, orgs.firm_a, ModuleDiff(add_modules=[make_module("P1")]), "robots", now=NOW
    )
    proposal.review(published, orgs.college, "approve", now=NOW)
    proposal.review(published, orgs.firm_b, "approve", now=NOW)
    proposal.accept(published, now=NOW)
    assert public(published) == before
    assert published.version == version, "the repository bumps the aggregate version, not the domain"


def test_public_changes_move_the_public_view(published: Curriculum, orgs: Any, today: Any) -> None:
    ticks = (NOW + timedelta(minutes=i) for i in range(1, 100))
    seen = [public(published)]
    published.update_details(title="Welding robots", now=next(ticks))
    seen.append(public(published))
    published.remove_co_author(orgs.firm_b, now=next(ticks))
    seen.append(public(published))
    published.add_co_author(orgs.firm_b, now=next(ticks))
    seen.append(public(published))
    published.start_draft(now=next(ticks))
    published.submit_for_review(now=next(ticks))
    published.review_version(orgs.firm_a, "approve", now=next(ticks))
    published.review_version(orgs.firm_b, "approve", now=next(ticks))
    published.publish(today, now=next(ticks))
    seen.append(public(published))
    published.retire_version(2, now=next(ticks))
    seen.append(public(published))
    assert [n for n, _ in seen] == list(range(seen[0][0], seen[0][0] + 6))
    assert [at for _, at in seen] == sorted({at for _, at in seen}), "each public change stamps its own instant"
    assert published.public_updated_at == published.updated_at


def test_a_no_op_edit_is_not_a_public_change(published: Curriculum) -> None:
    before = public(published)
    published.update_details(title=published.title, now=NOW)
    assert public(published) == before


def test_outsiders_get_the_public_version_and_insiders_the_aggregates(published: Curriculum, orgs: Any) -> None:
    published.version = 7
    insider = Principal(sub="a", org=orgs.college, roles=frozenset({"college_admin"}))
    outsider = Principal(sub="b", org=uuid.uuid4(), roles=frozenset({"firm_admin"}))
    mine, theirs, anonymous = (curriculum_view(p, published) for p in (insider, outsider, None))
    assert (mine.version, mine.updated_at, mine.etag) == (7, published.updated_at, '"7"')
    expected = (published.public_version, published.public_updated_at, f'"p{published.public_version}"')
    assert (theirs.version, theirs.updated_at, theirs.etag) == expected
    assert (anonymous.version, anonymous.updated_at, anonymous.etag) == expected
