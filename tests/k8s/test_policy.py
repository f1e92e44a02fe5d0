"""Policy test: every workload in every variant is hardened, probed, limited, on the pinned project image,
and every topic the services declare in code has a KafkaTopic. Each rule is shown to refuse a violation."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from k8s_manifests import VARIANTS, render, service_catalog
from k8s_policy import topic_prefix, violations

Docs = list[dict[str, Any]]


@pytest.fixture(scope="module", params=VARIANTS)
def variant(request: pytest.FixtureRequest) -> tuple[str, Docs]:
    return request.param, render(request.param)


def test_every_variant_complies(variant: tuple[str, Docs]) -> None:
    name, docs = variant
    services = service_catalog(topic_prefix(docs))
    assert services, "no services found"
    assert violations(docs, services) == [], name


def test_dev_runs_kafka_in_cluster_with_every_topic() -> None:
    docs = render("overlays/dev")
    kinds = {d["kind"] for d in docs}
    assert {"Kafka", "KafkaNodePool", "KafkaTopic", "Cluster", "ScheduledBackup"} <= kinds
    declared = {d["spec"]["topicName"] for d in docs if d["kind"] == "KafkaTopic"}
    wanted = {t for s in service_catalog(topic_prefix(docs)) for t in s.topics}
    assert wanted and wanted <= declared
    assert any(t.endswith(".dlt") for t in wanted)


def test_no_secret_objects_in_any_variant(variant: tuple[str, Docs]) -> None:
    _, docs = variant
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "Secret"] == []


def _deployment(docs: Docs, name: str) -> dict[str, Any]:
    return next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == name)


def _container(docs: Docs) -> dict[str, Any]:
    return _deployment(docs, "curricula-api")["spec"]["template"]["spec"]["containers"][0]


def _pod(docs: Docs) -> dict[str, Any]:
    return _deployment(docs, "curricula-consumer")["spec"]["template"]["spec"]


BREAKAGES: dict[str, tuple[Callable[[Docs], None], str]] = {
    "no limits": (lambda d: _container(d)["resources"].pop("limits"), "no cpu and memory limits"),
    "no requests": (lambda d: _container(d)["resources"].pop("requests"), "no cpu and memory requests"),
    "no readiness probe": (lambda d: _container(d).pop("readinessProbe"), "no readinessProbe"),
    "no liveness probe": (lambda d: _container(d).pop("livenessProbe"), "no livenessProbe"),
    "root allowed": (lambda d: _pod(d)["securityContext"].pop("runAsNonRoot"), "runAsNonRoot"),
    "no seccomp": (lambda d: _pod(d)["securityContext"].pop("seccompProfile"), "seccomp"),
    "token mounted": (lambda d: _pod(d).update(automountServiceAccountToken=True), "token is mounted"),
    "writable root": (
        lambda d: _container(d)["securityContext"].update(readOnlyRootFilesystem=False),
        "root filesystem",
    ),
    "escalation": (
        lambda d: _container(d)["securityContext"].update(allowPrivilegeEscalation=True),
        "allowPrivilegeEscalation",
    ),
    "capabilities kept": (lambda d: _container(d)["securityContext"].pop("capabilities"), "capabilities"),
    "latest image": (lambda d: _container(d).update(image="ghcr.io/dovetail/dovetail:latest"), "pinned"),
    "foreign image": (lambda d: _container(d).update(image="docker.io/library/python:3.11"), "pinned"),
    "missing KafkaTopic": (
        lambda d: d.remove(next(x for x in d if x["kind"] == "KafkaTopic" and x["spec"]["topicName"].endswith(".dlt"))),
        "has no KafkaTopic",
    ),
    "missing relay": (lambda d: d.remove(_deployment(d, "consortia-relay")), "no Deployment/consortia-relay"),
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_policy_refuses(breakage: str) -> None:
    docs = copy.deepcopy(render("overlays/dev"))
    services = service_catalog(topic_prefix(docs))
    break_it, message = BREAKAGES[breakage]
    break_it(docs)
    found = violations(docs, services)
    assert any(message in v for v in found), found
