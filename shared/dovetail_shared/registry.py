"""Every Dovetail service, found through the ``dovetail.services`` entry points: the one list scripts read.

A service registers itself in its own ``pyproject.toml`` (``[project.entry-points."dovetail.services"]``,
``<name> = "<name>.main:SPEC"``); nothing central lists services (ADR 0006). From a shell:

    python -m dovetail_shared.registry list            # names, one a line
    python -m dovetail_shared.registry ports           # "name:port" a line (platform.sh, fuzz.sh)
    python -m dovetail_shared.registry packages        # services/<name>/<name>, one a line (mypy)
    python -m dovetail_shared.registry revision NAME -m "message" [--autogenerate]
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib.metadata import entry_points
from pathlib import Path

from dovetail_shared.runtime import ServiceSpec

GROUP = "dovetail.services"


def names() -> list[str]:
    """Registered names, without importing any service."""
    return sorted(ep.name for ep in entry_points(group=GROUP))


def spec(name: str) -> ServiceSpec:
    found = [ep for ep in entry_points(group=GROUP) if ep.name == name]
    if not found:
        raise KeyError(f"no service {name!r} is registered (known: {', '.join(names())})")
    ep = found[0]
    loaded = ep.load()
    if not isinstance(loaded, ServiceSpec):
        raise TypeError(f"entry point {ep.value} is not a ServiceSpec")
    return loaded


def specs() -> list[ServiceSpec]:
    return [spec(n) for n in names()]


def package_dir(s: ServiceSpec) -> Path:
    """``services/<name>/<name>``, from the migrations folder the spec declares (its sibling)."""
    assert s.migrations is not None
    return Path(s.migrations).parents[1] / s.name


def _revision(name: str, message: str, autogenerate: bool) -> None:
    from alembic import command

    from dovetail_shared.migrations import alembic_config

    s = spec(name)
    command.revision(alembic_config(s, s.settings_factory()), message=message, autogenerate=autogenerate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dovetail_shared.registry", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="service names")
    sub.add_parser("ports", help="name:port of each service (its default HTTP port)")
    sub.add_parser("packages", help="each service's package folder, relative to the repository")
    rev = sub.add_parser("revision", help="a new Alembic revision in a service's migrations/versions")
    rev.add_argument("service")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--autogenerate", action="store_true")
    args = parser.parse_args(argv)
    # Reading settings for a port must not trip the production guard on a developer's machine.
    os.environ.setdefault("DOVETAIL_ENVIRONMENT", "development")
    if args.command == "list":
        print("\n".join(names()))
    elif args.command == "ports":
        print("\n".join(f"{s.name}:{s.settings_factory().http_port}" for s in specs()))
    elif args.command == "packages":
        root = Path.cwd()
        print("\n".join(os.path.relpath(package_dir(s), root) for s in specs()))
    else:
        _revision(args.service, args.message, args.autogenerate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
