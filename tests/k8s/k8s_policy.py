"""The deployment policy, as a function from rendered objects to violations (empty list: compliant)."""

from __future__ import annotations

import re
from typing import Any

from k8s_manifests import IMAGE_REPOSITORY, ServiceInfo, config, pod_specs

PINNED = re.compile(rf"^{re.escape(IMAGE_REPOSITORY)}(:(?!latest$)[\w.-]+|@sha256:[0-9a-f]{{64}})$")


def _container_violations(where: str, c: dict[str, Any], job: bool) -> list[str]:
    v = []
    name = f"{where}/{c.get('name')}"
    if not PINNED.match(c.get("image", "")):
        v.append(f"{name}: image {c.get('image')!r} is not the project image at a pinned tag or digest")
    res = c.get("resources", {})
    for kind in ("requests", "limits"):
        if not {"cpu", "memory"} <= set(res.get(kind, {})):
            v.append(f"{name}: no cpu and memory {kind}")
    if not job:
        for probe in ("readinessProbe", "livenessProbe"):
            if probe not in c:
                v.append(f"{name}: no {probe}")
    sc = c.get("securityContext", {})
    if sc.get("allowPrivilegeEscalation") is not False:
        v.append(f"{name}: allowPrivilegeEscalation is not false")
    if sc.get("readOnlyRootFilesystem") is not True:
        v.append(f"{name}: root filesystem is not read-only")
    if sc.get("privileged"):
        v.append(f"{name}: privileged")
    if sc.get("capabilities", {}).get("drop") != ["ALL"] or sc.get("capabilities", {}).get("add"):
        v.append(f"{name}: capabilities are not all dropped")
    return v


def workload_violations(docs: list[dict[str, Any]]) -> list[str]:
    v = []
    for where, pod in pod_specs(docs):
        sc = pod.get("securityContext", {})
        if sc.get("runAsNonRoot") is not True:
            v.append(f"{where}: runAsNonRoot is not true")
        if sc.get("seccompProfile", {}).get("type") != "RuntimeDefault":
            v.append(f"{where}: seccomp profile is not RuntimeDefault")
        if pod.get("automountServiceAccountToken") is not False:
            v.append(f"{where}: service account token is mounted")
        for vol in pod.get("volumes", []):
            if "hostPath" in vol:
                v.append(f"{where}: hostPath volume {vol['name']}")
        for c in pod.get("initContainers", []) + pod.get("containers", []):
            v += _container_violations(where, c, job=where.startswith(("Job/", "CronJob/")))
    return v


def topic_violations(docs: list[dict[str, Any]], services: list[ServiceInfo]) -> list[str]:
    """With in-cluster Kafka, every topic a service declares in code has a KafkaTopic."""
    if not any(d["kind"] == "Kafka" for d in docs):
        return []
    declared = {d["spec"].get("topicName", d["metadata"]["name"]) for d in docs if d["kind"] == "KafkaTopic"}
    return [f"{s.name}: topic {t} has no KafkaTopic" for s in services for t in s.topics if t not in declared]


def service_violations(docs: list[dict[str, Any]], services: list[ServiceInfo]) -> list[str]:
    """Every service has its API, relay and consumer Deployments, migrate Job and Service on its port."""
    v = []
    names = {(d["kind"], d["metadata"]["name"]): d for d in docs}
    for s in services:
        for kind, name in (
            ("Deployment", f"{s.name}-api"),
            ("Deployment", f"{s.name}-relay"),
            ("Deployment", f"{s.name}-consumer"),
            ("Job", f"{s.name}-migrate"),
            ("Service", s.name),
            ("PodDisruptionBudget", f"{s.name}-api"),
            ("HorizontalPodAutoscaler", f"{s.name}-api"),
        ):
            if (kind, name) not in names:
                v.append(f"{s.name}: no {kind}/{name}")
        svc = names.get(("Service", s.name))
        if svc and [p["port"] for p in svc["spec"]["ports"]] != [s.port]:
            v.append(f"{s.name}: Service port is not {s.port}")
    for kind in ("NetworkPolicy",):
        if not any(d["kind"] == kind and d["metadata"]["name"] == "default-deny" for d in docs):
            v.append("no default-deny NetworkPolicy")
    return v


def violations(docs: list[dict[str, Any]], services: list[ServiceInfo]) -> list[str]:
    return workload_violations(docs) + topic_violations(docs, services) + service_violations(docs, services)


def topic_prefix(docs: list[dict[str, Any]]) -> str:
    return config(docs)["DOVETAIL_TOPIC_PREFIX"]
