"""The ``dovetail-gateway`` console script (what Kubernetes and ``make run`` start) serves on its port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def gateway_process() -> Iterator[str]:
    port, dead = free_port(), free_port()
    env = {
        **os.environ,
        "DOVETAIL_ENVIRONMENT": "test",
        "GATEWAY_HTTP_PORT": str(port),
        # Nothing listens here: the gateway must say so, not hang or crash.
        "GATEWAY_CONSORTIA_URL": f"http://127.0.0.1:{dead}",
        "GATEWAY_BACKEND_READ_RETRIES": "0",
    }
    proc = subprocess.Popen([str(BIN / "dovetail-gateway")], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else ""
            time.sleep(0.25)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_the_command_serves_graphql_health_and_metrics(gateway_process: str) -> None:
    assert httpx.get(f"{gateway_process}/healthz").json() == {"status": "ok"}
    r = httpx.post(f"{gateway_process}/graphql", json={"query": "{ me { sub } }"})
    assert r.json() == {"data": {"me": None}}
    r = httpx.post(f"{gateway_process}/graphql", json={"query": "{ organizations { totalCount } }"})
    assert [e["extensions"]["code"] for e in r.json()["errors"]] == ["SERVICE_UNAVAILABLE"]
    assert "dovetail_gateway_backend_requests_total" in httpx.get(f"{gateway_process}/metrics").text
