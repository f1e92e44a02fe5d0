"""The per-request context: the verified caller, its token, and DataLoaders over the shared service clients."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

from dovetail_shared.auth import TokenVerifier
from dovetail_shared.errors import Unauthorized
from dovetail_shared.principal import Principal
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from dovetail_gateway.clients import Backends, ServiceCallFailed
from dovetail_gateway.config import GatewaySettings
from dovetail_gateway.feed import EventFeed
from dovetail_gateway.graph.common import Json, read_error


class GatewayContext(BaseContext):
    """Made for each request, so a DataLoader's cache never serves one caller's view to another."""

    def __init__(
        self,
        settings: GatewaySettings,
        backends: Backends,
        principal: Principal | None,
        token: str | None,
        feed: EventFeed | None = None,
        verifier: TokenVerifier | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.backends = backends
        self.principal = principal
        self.token = token
        self.feed = feed
        self.verifier = verifier
        batch = settings.max_page_size
        self.organizations: DataLoader[uuid.UUID, Json | None] = DataLoader(
            self._batch("consortia", "/organizations"), max_batch_size=batch
        )
        self.consortia: DataLoader[uuid.UUID, Json | None] = DataLoader(
            self._batch("consortia", "/consortia"), max_batch_size=batch
        )
        self.curricula: DataLoader[uuid.UUID, Json | None] = DataLoader(
            self._batch("curricula", "/curricula"), max_batch_size=batch
        )
        self.programs: DataLoader[uuid.UUID, Json | None] = DataLoader(
            self._batch("joint_programs", "/programs"), max_batch_size=batch
        )
        # Joint programs has no batch lookup of cohorts or learners: a link to one is one concurrent read each.
        self.cohorts: DataLoader[uuid.UUID, Json | None] = DataLoader(self._each("joint_programs", "/cohorts/{}"))
        self.learners: DataLoader[uuid.UUID, Json | None] = DataLoader(self._each("joint_programs", "/learners/{}"))

    async def authenticate_subscription(self) -> None:
        """Over a websocket the token comes in ``connection_init``'s payload (browsers cannot set headers on
        a websocket): ``{"authorization": "Bearer <token>"}``. A subscription needs one."""
        from dovetail_gateway.graph.common import GatewayError

        if self.principal is None:
            params = self.connection_params if isinstance(self.connection_params, dict) else {}
            scheme, _, token = str(params.get("authorization", "")).partition(" ")
            if scheme.lower() != "bearer" or not token.strip() or self.verifier is None:
                raise GatewayError("a subscription needs a bearer token in connection_init", "UNAUTHENTICATED")
            try:
                self.principal = await self.verifier.verify(token.strip())
            except Unauthorized as exc:
                raise GatewayError(str(exc), "UNAUTHENTICATED") from exc
            self.token = token.strip()

    # ------------------------------------------------------------------------------------------- calls

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        params: Any = None,
        json: Any = None,
        expected_version: int | None = None,
    ) -> Any:
        return await self.backends[service].request(
            method, path, token=self.token, params=params, json=json, expected_version=expected_version
        )

    async def read(self, service: str, path: str, params: Any = None) -> Any:
        """A GET whose failures become GraphQL errors (the caller learns why, with a code)."""
        try:
            return await self.call(service, "GET", path, params=params)
        except ServiceCallFailed as failure:
            raise read_error(failure) from failure

    async def read_one(self, service: str, path: str) -> Json | None:
        """A single object, or None when it does not exist or is not the caller's to see (a 404 either way)."""
        try:
            body: Json = await self.call(service, "GET", path)
        except ServiceCallFailed as failure:
            if failure.problem.status == 404:
                return None
            raise read_error(failure) from failure
        return body

    # ----------------------------------------------------------------------------------------- loaders

    def _batch(self, service: str, path: str) -> Any:
        """One list call with ``?ids=`` for every id the level asked for; the service applies the same
        visibility as to a single read, so an id the caller may not see is simply absent (→ null)."""

        async def load(ids: list[uuid.UUID]) -> Sequence[Json | None]:
            unique = list(dict.fromkeys(ids))
            page = await self.read(service, path, params={"ids": [str(i) for i in unique], "limit": len(unique)})
            by_id = {item["id"]: item for item in page["items"]}
            return [by_id.get(str(i)) for i in ids]

        return load

    def _each(self, service: str, template: str) -> Any:
        """Concurrent single reads, for the links whose service has no batch lookup (yet)."""

        async def load(ids: list[uuid.UUID]) -> Sequence[Json | None]:
            return await asyncio.gather(*(self.read_one(service, template.format(i)) for i in ids))

        return load
