"""Network policy semantics on the rendered variants: who may talk to what. The gateway reaches the service
APIs and Kafka (its subscriptions read every partition of the topics they follow), never PostgreSQL (it owns
no data); every service reaches PostgreSQL and Kafka."""

from __future__ import annotations

from typing import Any

import pytest
from k8s_manifests import VARIANTS, render

Docs = list[dict[str, Any]]
KAFKA, POSTGRES = 9092, 5432


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for e in selector.get("matchExpressions") or []:
        key, op, values = e["key"], e["operator"], e.get("values", [])
        ok = {
            "In": key in labels and labels[key] in values,
            "NotIn": labels.get(key) not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[op]
        if not ok:
            return False
    return True


def pod_labels(docs: Docs, name: str) -> dict[str, str]:
    for d in docs:
        if d["kind"] == "Deployment" and d["metadata"]["name"] == name:
            labels: dict[str, str] = d["spec"]["template"]["metadata"]["labels"]
            return labels
    raise AssertionError(f"no Deployment {name}")


def egress_ports(docs: Docs, labels: dict[str, str]) -> set[int]:
    """Numeric ports some egress rule of a policy selecting the pod allows (DNS included)."""
    ports: set[int] = set()
    for d in docs:
        spec = d.get("spec") or {}
        if d["kind"] != "NetworkPolicy" or "Egress" not in spec.get("policyTypes", []):
            continue
        if not _selects(spec.get("podSelector") or {}, labels):
            continue
        for rule in spec.get("egress") or []:
            ports |= {p["port"] for p in rule.get("ports") or [] if isinstance(p.get("port"), int)}
    return ports


def reaches_apis(docs: Docs, labels: dict[str, str]) -> bool:
    """Some policy selecting the pod lets it out to the service API pods."""
    for d in docs:
        spec = d.get("spec") or {}
        if d["kind"] != "NetworkPolicy" or not _selects(spec.get("podSelector") or {}, labels):
            continue
        for rule in spec.get("egress") or []:
            for peer in rule.get("to") or []:
                if _selects(peer.get("podSelector") or {}, {"app.kubernetes.io/component": "api"}):
                    return True
    return False


@pytest.fixture(scope="module", params=VARIANTS)
def docs(request: pytest.FixtureRequest) -> Docs:
    return render(request.param)


def test_the_gateway_reaches_kafka_and_the_apis_but_not_postgres(docs: Docs) -> None:
    gateway = pod_labels(docs, "gateway")
    ports = egress_ports(docs, gateway)
    assert KAFKA in ports, "the gateway's subscriptions need Kafka"
    assert POSTGRES not in ports, "the gateway owns no data: no way to the database"
    assert reaches_apis(docs, gateway)


def test_every_service_api_reaches_postgres_and_kafka(docs: Docs) -> None:
    apis = [
        d["spec"]["template"]["metadata"]["labels"]
        for d in docs
        if d["kind"] == "Deployment"
        and d["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == "api"
    ]
    assert apis
    for labels in apis:
        assert {KAFKA, POSTGRES} <= egress_ports(docs, labels), labels
