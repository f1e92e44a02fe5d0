"""Committed event JSON Schemas are current, and the compatibility check catches breaking changes."""

import copy

from dovetail_shared.events.schemas import check, current_schemas, incompatibilities


def test_committed_event_schemas_are_current_and_compatible() -> None:
    problems = check()
    assert problems == [], "\n".join(problems)


def test_every_event_type_follows_the_naming_rule() -> None:
    for event_type in current_schemas():
        parts = event_type.split(".")
        assert parts[0] == "dovetail" and len(parts) == 5 and parts[4].startswith("v"), event_type


def _schema() -> dict:
    return copy.deepcopy(current_schemas()["dovetail.curricula.version.published.v1"])


def test_removing_a_field_is_incompatible() -> None:
    new = _schema()
    del new["properties"]["title"]
    assert any("title: removed" in p for p in incompatibilities(_schema(), new))


def test_retyping_a_field_is_incompatible() -> None:
    new = _schema()
    new["properties"]["version_number"] = {"type": "string"}
    assert any("version_number: type changed" in p for p in incompatibilities(_schema(), new))


def test_making_an_optional_field_required_is_incompatible() -> None:
    new = _schema()
    new["required"] = [*new["required"], "consortium_id"]
    assert any("consortium_id: was optional" in p for p in incompatibilities(_schema(), new))


def test_a_nested_field_removed_is_caught() -> None:
    new = _schema()
    del new["$defs"]["SkillCoverage"]["properties"]["hours"]
    assert any("skills[].hours: removed" in p for p in incompatibilities(_schema(), new))


def test_adding_an_optional_field_is_compatible() -> None:
    new = _schema()
    new["properties"]["note"] = {"type": "string"}
    assert incompatibilities(_schema(), new) == []


def test_a_payload_with_a_badly_named_type_is_refused_at_definition() -> None:
    from typing import ClassVar

    import pytest
    from dovetail_shared.events.base import EventPayload

    for bad in ("dovetail.consortia.join_request.submitted.v1", "consortia.member.joined.v1", "dovetail.a.b.c.v0"):
        with pytest.raises(ValueError, match="is not dovetail"):
            type("Bad", (EventPayload,), {"__annotations__": {"event_type": ClassVar[str]}, "event_type": bad})


def test_regenerating_refuses_to_overwrite_a_schema_with_a_breaking_change(tmp_path) -> None:
    import json

    import pytest
    from dovetail_shared.events.schemas import BreakingChange, export

    export(tmp_path)
    target = tmp_path / "dovetail.curricula.version.published.v1.json"
    committed = json.loads(target.read_text())
    committed["properties"]["retired_field"] = {"type": "string"}  # as if the code had dropped a field
    target.write_text(json.dumps(committed))
    with pytest.raises(BreakingChange, match="retired_field: removed"):
        export(tmp_path)
    assert "retired_field" in target.read_text()  # nothing was overwritten
    export(tmp_path, allow_breaking=True)
    assert "retired_field" not in target.read_text()
