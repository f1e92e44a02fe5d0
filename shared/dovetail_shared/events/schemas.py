"""Export event JSON Schemas and check that a change keeps each major version compatible."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from dovetail_shared.events import catalog  # noqa: F401  (fills the registry)
from dovetail_shared.events.base import registered_events

CONTRACT_PACKAGE = "dovetail_shared.events."
SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "events"


def current_schemas() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for event_type, cls in sorted(registered_events().items()):
        if not cls.__module__.startswith(CONTRACT_PACKAGE):
            continue  # test-only payloads are not part of the contract
        schema = cls.model_json_schema(mode="serialization")
        schema["$id"] = f"urn:dovetail:event:{event_type}"
        schema["title"] = event_type
        schema["x-topic-aggregate"] = cls.aggregate
        out[event_type] = schema
    return out


def _render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


class BreakingChange(Exception):
    """Regenerating would overwrite a committed schema with an incompatible one of the same major version."""


def export(directory: Path = SCHEMA_DIR, *, allow_breaking: bool = False) -> list[Path]:
    """Write every schema; refuses (writing nothing) to replace a committed one incompatibly.

    Without the refusal, regenerating would silently "approve" a breaking change and the contract test
    would pass; a breaking change is a new major version (a new type) instead.
    """
    directory.mkdir(parents=True, exist_ok=True)
    current = current_schemas()
    breaking: list[str] = []
    for event_type, schema in current.items():
        path = directory / f"{event_type}.json"
        if path.exists():
            breaking += [f"{event_type}: {p}" for p in incompatibilities(json.loads(path.read_text()), schema)]
    if breaking and not allow_breaking:
        raise BreakingChange("\n".join(breaking))
    written = []
    for event_type, schema in current.items():
        path = directory / f"{event_type}.json"
        path.write_text(_render(schema))
        written.append(path)
    return written


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref and ref.startswith("#/$defs/"):
        return dict(schema.get("$defs", {}).get(ref.split("/")[-1], {}))
    return node


def _types(schema: dict[str, Any], node: dict[str, Any]) -> set[str]:
    node = _resolve(schema, node)
    if "anyOf" in node:
        return set().union(*(_types(schema, n) for n in node["anyOf"]))
    if "type" in node:
        t = node["type"]
        kinds = set(t) if isinstance(t, list) else {t}
        if "format" in node:
            kinds = {f"{k}:{node['format']}" for k in kinds}
        return kinds
    if "properties" in node:
        return {"object"}
    return {"any"}


def incompatibilities(old: dict[str, Any], new: dict[str, Any], path: str = "") -> list[str]:
    """What breaks consumers within a major version: a removed or retyped field, or optional made required."""
    problems: list[str] = []
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_req, new_req = set(old.get("required", [])), set(new.get("required", []))
    for name, old_node in old_props.items():
        where = f"{path}{name}"
        if name not in new_props:
            problems.append(f"{where}: removed")
            continue
        new_node = new_props[name]
        old_t, new_t = _types(old, old_node), _types(new, new_node)
        if not old_t <= new_t and "any" not in new_t:
            problems.append(f"{where}: type changed from {sorted(old_t)} to {sorted(new_t)}")
        if name not in old_req and name in new_req:
            problems.append(f"{where}: was optional, now required")
        old_obj, new_obj = _resolve(old, old_node), _resolve(new, new_node)
        if "properties" in old_obj and "properties" in new_obj:
            problems += incompatibilities({**old, **old_obj}, {**new, **new_obj}, f"{where}.")
        old_items, new_items = old_obj.get("items"), new_obj.get("items")
        if isinstance(old_items, dict) and isinstance(new_items, dict):
            oi, ni = _resolve(old, old_items), _resolve(new, new_items)
            if "properties" in oi and "properties" in ni:
                problems += incompatibilities({**old, **oi}, {**new, **ni}, f"{where}[].")
    for name in new_req - old_req:
        if name not in old_props:
            problems.append(f"{path}{name}: new field is required (add it as optional)")
    return problems


def check(directory: Path = SCHEMA_DIR) -> list[str]:
    """Problems between the committed schemas and the code; empty means compatible and up to date."""
    problems: list[str] = []
    current = current_schemas()
    for event_type, schema in current.items():
        path = directory / f"{event_type}.json"
        if not path.exists():
            problems.append(f"{event_type}: schema not committed (run: make schemas)")
            continue
        committed = json.loads(path.read_text())
        problems += [f"{event_type}: {p}" for p in incompatibilities(committed, schema)]
        if committed != json.loads(_render(schema)):
            problems.append(f"{event_type}: committed schema is stale (run: make schemas)")
    for path in directory.glob("*.json"):
        if path.stem not in current:
            problems.append(f"{path.stem}: committed schema has no payload class (an event type was removed)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["export", "check"])
    parser.add_argument(
        "--allow-breaking", action="store_true", help="overwrite incompatibly (only before a type was ever released)"
    )
    args = parser.parse_args(argv)
    if args.command == "export":
        try:
            paths = export(allow_breaking=args.allow_breaking)
        except BreakingChange as exc:
            print(f"refusing to overwrite committed schemas with breaking changes:\n{exc}", file=sys.stderr)
            print("add a new major version (…v2) instead of changing v1", file=sys.stderr)
            return 1
        for path in paths:
            print(path.relative_to(SCHEMA_DIR.parents[1]))
        return 0
    problems = check()
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
