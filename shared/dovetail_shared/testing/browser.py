"""Render a page of a service in headless Chromium with no network beyond loopback (the offline docs test).

The app is served by uvicorn on an ephemeral loopback port in a thread; Chromium resolves no other host
(``--host-resolver-rules``), and its net log is read afterwards to prove that every URL it requested was on
that loopback origin. Chromium is Debian's package, installed by ``scripts/infra/chromium.sh``.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

CHROMIUM_HINT = "chromium is not installed: run `bash scripts/infra/chromium.sh` (make test does)"


@dataclass(frozen=True)
class Rendered:
    dom: str
    requests: list[tuple[str, str]]  # (url, initiator) of every request in Chromium's net log

    def initiated_by(self, origin: str) -> list[str]:
        """Every URL the page itself requested (subresources, fetches of the OpenAPI document)."""
        return sorted({url for url, initiator in self.requests if initiator.startswith(origin)})


@contextmanager
def serve_on_loopback(app: Any) -> Iterator[str]:
    """Yields ``http://127.0.0.1:<port>`` while uvicorn serves ``app`` there (real lifespan)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def _requests_in_net_log(path: Path) -> list[tuple[str, str]]:
    text = path.read_text(errors="replace").rstrip().rstrip(",")
    if not text.endswith("}"):
        text += "]}"  # Chromium may be killed before closing the array
    try:
        log = json.loads(text)
    except json.JSONDecodeError:
        log = json.loads(text.rsplit(",", 1)[0] + "]}")
    # Chromium's own background traffic (update checks, account probes) has no initiator; what the page asked
    # for carries the page's origin as initiator. Both are listed; the caller judges the page's.
    urls = []
    for event in log.get("events", []):
        params = event.get("params") or {}
        url = params.get("url")
        if isinstance(url, str):
            urls.append((url, str(params.get("initiator", ""))))
    return urls


def render(url: str, *, budget_ms: int = 20_000) -> Rendered:
    """The DOM after scripts ran (``--dump-dom``), and every URL Chromium requested while rendering."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, CHROMIUM_HINT
    with tempfile.TemporaryDirectory(prefix="dovetail-chromium-") as tmp:
        net_log = Path(tmp) / "net-log.json"
        command = [
            chromium,
            "--headless",
            "--no-sandbox",  # CI containers run as root
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={tmp}/profile",
            f"--log-net-log={net_log}",
            f"--virtual-time-budget={budget_ms}",
            "--dump-dom",
            url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603 (fixed argv)
        assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
        requests = _requests_in_net_log(net_log) if net_log.exists() else []
        return Rendered(dom=done.stdout, requests=requests)
