"""Pure ASGI middleware: correlation id and trace context in, echoed out, bound to logs."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dovetail_shared.logging import correlation_id_var, new_correlation_id, traceparent_var

HEADER = b"x-correlation-id"
_SAFE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


class CorrelationIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        supplied = headers.get(HEADER, b"").decode("latin-1")
        # Never trust a client-supplied id into our logs unless it looks like an id.
        cid = supplied if _SAFE.match(supplied) else new_correlation_id()
        correlation_id_var.set(cid)
        traceparent = headers.get(b"traceparent", b"").decode("latin-1")
        traceparent_var.set(
            traceparent if re.fullmatch(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}", traceparent) else None
        )

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = list(message["headers"])
                if not any(name.lower() == HEADER for name, _ in headers):
                    headers.append((HEADER, cid.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_id)
