"""What the Kubernetes tests read: the services (from code), the rendered variants and the Dockerfile."""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
VARIANTS = ("overlays/dev", "overlays/prod")
IMAGE_REPOSITORY = "ghcr.io/dovetail/dovetail"
IMAGE_USER = 10001
GATEWAY = {"command": "dovetail-gateway", "port": 8000}


@dataclass(frozen=True)
class ServiceInfo:
    name: str  # its Kubernetes name (the wire name, ADR 0022)
    port: int
    topics: tuple[str, ...]
    command: str  # dovetail-<registered name>


def service_catalog(topic_prefix: str) -> list[ServiceInfo]:
    """Every service with its API port and every topic it declares (dead letters included).

    The ONE place the tests learn the services from: the service registry (``dovetail.services`` entry points).
    """
    from dovetail_shared import registry
    from dovetail_shared.runner import all_topics

    saved = os.environ.get("DOVETAIL_ENVIRONMENT")
    os.environ["DOVETAIL_ENVIRONMENT"] = "test"  # only to build settings objects; nothing connects
    try:
        out = []
        for spec in registry.specs():
            settings = spec.settings_factory().with_overrides(topic_prefix=topic_prefix)
            name = settings.wire_name  # Kubernetes names allow no '_' (ADR 0022): joint_programs is joint-programs
            topics = tuple(sorted(set(all_topics(spec, settings))))
            out.append(ServiceInfo(name, settings.http_port, topics, f"dovetail-{spec.name}"))
        return out
    finally:
        if saved is None:
            os.environ.pop("DOVETAIL_ENVIRONMENT", None)
        else:
            os.environ["DOVETAIL_ENVIRONMENT"] = saved


@functools.cache
def render(variant: str) -> list[dict[str, Any]]:
    """A variant's objects (cached: copy before changing them).

    From $K8S_RENDERED_DIR (make k8s-validate) or rendered here with kubectl.
    """
    rendered = os.environ.get("K8S_RENDERED_DIR")
    if rendered:
        text = (Path(rendered) / f"{variant.replace('/', '-')}.yaml").read_text()
    else:
        text = subprocess.run(
            ["kubectl", "kustomize", str(K8S / variant)], check=True, capture_output=True, text=True
        ).stdout
    return [d for d in yaml.safe_load_all(text) if d]


def pod_specs(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for d in docs:
        spec = d.get("spec", {})
        if d["kind"] in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            yield f"{d['kind']}/{d['metadata']['name']}", spec["template"]["spec"]
        elif d["kind"] == "CronJob":
            yield f"CronJob/{d['metadata']['name']}", spec["jobTemplate"]["spec"]["template"]["spec"]


def config(docs: list[dict[str, Any]]) -> dict[str, str]:
    return next(d["data"] for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "dovetail-config")
