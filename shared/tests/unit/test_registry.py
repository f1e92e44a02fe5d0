"""Invariants of every registered service, checked in one place (a new service is covered by registering)."""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from dovetail_shared import registry
from dovetail_shared.events import catalog  # noqa: F401 - every payload module, so the registry is complete
from dovetail_shared.events.base import registered_events
from dovetail_shared.migrations import alembic_config
from dovetail_shared.runtime import ServiceSpec
from dovetail_shared.settings import wire_name

SPECS = registry.specs()
TOPIC = re.compile(r"^(?P<prefix>[a-z0-9-]+)\.(?P<service>[a-z]+(-[a-z]+)*)\.(?P<aggregate>[a-z]+(-[a-z]+)*)$")


def test_the_known_services_are_registered() -> None:
    assert {"curricula", "consortia"} <= set(registry.names())
    assert [s.name for s in SPECS] == registry.names()


def test_ports_are_unique() -> None:
    ports = [s.settings_factory().http_port for s in SPECS]
    assert len(ports) == len(set(ports)), ports


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_table_lives_in_the_services_own_schema(spec: ServiceSpec) -> None:
    settings = spec.settings_factory()
    assert spec.schema == settings.db_schema == settings.service_name == spec.name
    assert spec.metadata is not None and spec.metadata.tables
    own = [t for t in spec.metadata.tables.values() if t.schema == settings.db_schema]
    # SQLModel's metadata is one per process, shared by every service imported: only ours must be there.
    assert {"outbox", "inbox"} <= {t.name for t in own}
    assert all(t.schema in set(registry.names()) for t in spec.metadata.tables.values())


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_migrations_exist_and_have_one_head(spec: ServiceSpec) -> None:
    assert spec.migrations is not None and Path(spec.migrations).is_dir()
    scripts = ScriptDirectory.from_config(alembic_config(spec, spec.settings_factory()))
    assert len(scripts.get_heads()) == 1, scripts.get_heads()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_topics_follow_the_naming_rule(spec: ServiceSpec) -> None:
    settings = spec.settings_factory().with_overrides(topic_prefix="dev")
    for topic in spec.published_topics(settings):
        m = TOPIC.match(topic)
        assert m and m["prefix"] == "dev" and m["service"] == wire_name(spec.name), topic
    purposes = [c.purpose for c in spec.consumers]
    assert len(purposes) == len(set(purposes)), purposes
    # A consumed topic belongs to a registered service, or to a service whose event contract is committed first
    # (internships' events were, so talent pipelines could build against them while internships was built).
    contracts = {t.split(".")[1] for t in registered_events()}
    producers = {wire_name(n) for n in registry.names()} | contracts
    for consumer in spec.consumers:
        for topic in consumer.topics(settings):
            m = TOPIC.match(topic)
            assert m and m["prefix"] == "dev" and m["service"] in producers, topic


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_each_service_has_its_command(spec: ServiceSpec) -> None:
    (script,) = [ep for ep in entry_points(group="console_scripts") if ep.name == f"dovetail-{spec.name}"]
    assert script.load() == spec.cli
    assert registry.package_dir(spec).joinpath("main.py").is_file()
