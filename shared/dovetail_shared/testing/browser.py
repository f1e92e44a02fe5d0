"""Render a page of a service in headless Chromium with no network beyond loopback (the offline docs test),
or drive one through the DevTools protocol (``run_in_page``: the gateway's GraphiQL runs a query offline).

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
from websockets.sync.client import ClientConnection, connect

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


def _chromium(tmp: str, net_log: Path) -> list[str]:
    """Headless Chromium that resolves no host but loopback and logs every request it makes."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, CHROMIUM_HINT
    return [
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
    ]


def render(url: str, *, budget_ms: int = 20_000) -> Rendered:
    """The DOM after scripts ran (``--dump-dom``), and every URL Chromium requested while rendering."""
    with tempfile.TemporaryDirectory(prefix="dovetail-chromium-") as tmp:
        net_log = Path(tmp) / "net-log.json"
        command = [*_chromium(tmp, net_log), f"--virtual-time-budget={budget_ms}", "--dump-dom", url]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)  # noqa: S603 (fixed argv)
        assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
        requests = _requests_in_net_log(net_log) if net_log.exists() else []
        return Rendered(dom=done.stdout, requests=requests)


@dataclass(frozen=True)
class Ran:
    value: Any  # what the expression's promise resolved to
    requests: list[tuple[str, str]]  # as in Rendered

    def initiated_by(self, origin: str) -> list[str]:
        return sorted({url for url, initiator in self.requests if initiator.startswith(origin)})


class _DevTools:
    """The DevTools protocol over Chromium's browser websocket: commands by id, events kept until asked for."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def call(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv(timeout=120))
            if reply.get("id") == self.next_id:
                assert "error" not in reply, f"{method}: {reply['error']}"
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        while True:
            for i, event in enumerate(self.events):
                if event.get("method") == method:
                    return self.events.pop(i)
            self.events.append(json.loads(self.ws.recv(timeout=120)))


def run_in_page(url: str, expression: str) -> Ran:
    """Loads ``url`` in headless Chromium (no network beyond loopback), then evaluates ``expression`` in the page
    (a JavaScript promise, e.g. one that clicks a button and waits for the answer) and returns its value."""
    with tempfile.TemporaryDirectory(prefix="dovetail-chromium-") as tmp:
        net_log = Path(tmp) / "net-log.json"
        command = [*_chromium(tmp, net_log), "--remote-debugging-port=0", "about:blank"]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # noqa: S603
        try:
            assert proc.stderr is not None
            endpoint = ""
            for line in proc.stderr:
                if "DevTools listening on " in line:
                    endpoint = line.split("DevTools listening on ", 1)[1].strip()
                    break
            assert endpoint, f"chromium exited ({proc.poll()}) before opening DevTools"
            # Keep reading stderr so Chromium never blocks on a full pipe.
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            with connect(endpoint, max_size=None, open_timeout=30) as ws:
                cdp = _DevTools(ws)
                target = cdp.call("Target.createTarget", {"url": "about:blank"})["targetId"]
                session = cdp.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
                cdp.call("Page.enable", session=session)
                cdp.call("Page.navigate", {"url": url}, session=session)
                cdp.wait_for("Page.loadEventFired")
                out = cdp.call(
                    "Runtime.evaluate",
                    {"expression": expression, "awaitPromise": True, "returnByValue": True},
                    session=session,
                )
                # A clean exit finishes the net log (a killed Chromium leaves it cut mid-event).
                ws.send(json.dumps({"id": cdp.next_id + 1, "method": "Browser.close"}))
                proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        assert "exceptionDetails" not in out, f"the page's script failed: {out['exceptionDetails']}"
        requests = _requests_in_net_log(net_log) if net_log.exists() else []
        return Ran(value=out["result"].get("value"), requests=requests)
