"""The schema: every service's part merged, with the abuse limits; ``export`` prints the SDL."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from dovetail_gateway.config import GatewaySettings
from dovetail_gateway.context import GatewayContext
from dovetail_gateway.graph.consortia import ConsortiaMutation, ConsortiaQuery, Organization, organization_by_id
from dovetail_gateway.graph.curricula import CurriculaMutation, CurriculaQuery, CurriculaSubscription
from dovetail_gateway.graph.joint_programs import JointProgramsMutation, JointProgramsQuery
from dovetail_gateway.limits import ErrorHygiene, QueryCostLimiter

Info = strawberry.Info[GatewayContext, None]


@strawberry.type(description="Who the gateway verified you as (from your token)")
class Viewer:
    sub: str
    organization_id: uuid.UUID | None
    roles: list[str]

    @strawberry.field
    async def organization(self, info: Info) -> Organization | None:
        return await organization_by_id(info, self.organization_id)


@strawberry.type
class ViewerQuery:
    @strawberry.field(description="The caller, or null without a token")
    def me(self, info: Info) -> Viewer | None:
        p = info.context.principal
        if p is None:
            return None
        return Viewer(sub=p.sub, organization_id=p.org, roles=sorted(str(r) for r in p.roles))


Query = merge_types("Query", (ViewerQuery, ConsortiaQuery, CurriculaQuery, JointProgramsQuery))
Mutation = merge_types("Mutation", (ConsortiaMutation, CurriculaMutation, JointProgramsMutation))
Subscription = merge_types("Subscription", (CurriculaSubscription,))


def build_schema(settings: GatewaySettings) -> strawberry.Schema:
    # Factories, not instances: strawberry makes a fresh extension per request.
    extensions: list[Callable[[], SchemaExtension]] = [
        lambda: QueryDepthLimiter(max_depth=settings.max_depth),
        lambda: MaxAliasesLimiter(max_alias_count=settings.max_aliases),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: QueryCostLimiter(max_cost=settings.max_cost, default_page=settings.default_page_size),
        ErrorHygiene,
    ]
    if not settings.environment.is_local:
        extensions.append(DisableIntrospection)
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        config=StrawberryConfig(auto_camel_case=True),
    )


def sdl() -> str:
    """The SDL as committed in ``gateway/schema.graphql`` (limits do not change it)."""
    return strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription).as_str() + "\n"


__all__ = ["build_schema", "sdl"]
