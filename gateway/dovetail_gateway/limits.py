"""Abuse limits and error hygiene: query cost from requested page sizes, codes on every error, masking."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dovetail_shared.logging import current_correlation_id, get_logger
from graphql import (
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from strawberry.extensions import MaskErrors, SchemaExtension

log = get_logger(__name__)

# A list inside an object (memberships, co-authors, versions, modules) has no page size to read: count it as
# this many items. The services bound these lists; ten is what a real curriculum or consortium has.
EMBEDDED_LIST_ESTIMATE = 10


class QueryCost:
    """The number of objects a query may fetch: a connection multiplies what is under it by ``first`` (or the
    default page size), an embedded list by ``EMBEDDED_LIST_ESTIMATE``. Like public GraphQL APIs' node limits,
    it is computed before anything runs, with the operation's variables."""

    def __init__(self, schema: Any, document: Any, variables: dict[str, Any] | None, default_page: int) -> None:
        self.schema = schema
        self.variables = variables or {}
        self.default_page = default_page
        self.fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}

    def of_operation(self, operation: OperationDefinitionNode) -> int:
        root = self.schema.get_root_type(operation.operation)
        return self._selection(operation.selection_set, root, 1, in_connection=False, seen=frozenset())

    def _first(self, node: FieldNode) -> int:
        for arg in node.arguments or ():
            if arg.name.value == "first":
                value = arg.value
                if isinstance(value, IntValueNode):
                    return max(int(value.value), 1)
                if isinstance(value, VariableNode):
                    raw = self.variables.get(value.name.value)
                    return max(int(raw), 1) if isinstance(raw, int) else self.default_page
        return self.default_page

    def _selection(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLObjectType,
        multiplier: int,
        *,
        in_connection: bool,
        seen: frozenset[str],
    ) -> int:
        total = 0
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                total += self._field(sel, parent, multiplier, in_connection, seen)
            elif isinstance(sel, InlineFragmentNode):
                cond = self.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                if isinstance(cond, GraphQLObjectType):
                    total += self._selection(
                        sel.selection_set, cond, multiplier, in_connection=in_connection, seen=seen
                    )
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments.get(name)
                cond = self.schema.get_type(fragment.type_condition.name.value) if fragment else None
                if fragment and name not in seen and isinstance(cond, GraphQLObjectType):
                    total += self._selection(
                        fragment.selection_set, cond, multiplier, in_connection=in_connection, seen=seen | {name}
                    )
        return total

    def _field(
        self, node: FieldNode, parent: GraphQLObjectType, multiplier: int, in_connection: bool, seen: frozenset[str]
    ) -> int:
        definition = parent.fields.get(node.name.value)
        if definition is None or node.name.value.startswith("__"):
            return 0
        named = get_named_type(definition.type)
        if not isinstance(named, GraphQLObjectType) or node.selection_set is None:
            return 0
        connection = named.name.endswith("Connection")
        wrapped = definition.type.of_type if isinstance(definition.type, GraphQLNonNull) else definition.type
        if connection:
            count = multiplier * self._first(node)
        elif isinstance(wrapped, GraphQLList) and not in_connection:
            count = multiplier * EMBEDDED_LIST_ESTIMATE
        else:
            count = multiplier
        # Inside a connection, `edges`/`nodes`/`node` are the page itself, already counted.
        inner_connection = connection or (in_connection and named.name.endswith("Edge"))
        own = count if not in_connection else 0
        return own + self._selection(node.selection_set, named, count, in_connection=inner_connection, seen=seen)


class QueryCostLimiter(SchemaExtension):
    """Refuses an operation whose cost exceeds ``max_cost`` before any service is called."""

    def __init__(self, max_cost: int, default_page: int) -> None:
        self.max_cost = max_cost
        self.default_page = default_page

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        document = ec.graphql_document
        if document is not None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if ec.operation_name:
                operations = [o for o in operations if o.name and o.name.value == ec.operation_name]
            cost = QueryCost(ec.schema._schema, document, ec.variables, self.default_page)
            worst = max((cost.of_operation(o) for o in operations[:1]), default=0)
            if worst > self.max_cost:
                ec.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(
                            f"query cost {worst} exceeds the limit of {self.max_cost} objects: ask for smaller pages "
                            "(first) or fewer nested lists",
                            extensions={"code": "QUERY_TOO_COSTLY", "cost": worst, "maxCost": self.max_cost},
                        )
                    ],
                )
        yield


_LIMIT_CODES = (
    (re.compile(r"exceeds maximum operation depth"), "QUERY_TOO_DEEP"),
    (re.compile(r"aliases found\. Allowed"), "TOO_MANY_ALIASES"),
    (re.compile(r"more than \d+ tokens"), "TOO_MANY_TOKENS"),
    (re.compile(r"introspection", re.IGNORECASE), "INTROSPECTION_DISABLED"),
)


def _is_unexpected(error: GraphQLError) -> bool:
    # Errors raised while resolving that are not our typed GraphQL errors are bugs or outages: mask them.
    return error.path is not None and not isinstance(error.original_error, GraphQLError)


class ErrorHygiene(MaskErrors):
    """Every error leaves with ``extensions.code``; an unexpected one is logged with its traceback and
    answered as ``INTERNAL`` with the correlation id that finds it in the logs, never its text."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_unexpected, error_message="Internal error")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        cid = current_correlation_id()
        log.error(
            "graphql.unexpected_error",
            path=error.path,
            error=repr(error.original_error)[:500],
            exc_info=error.original_error,
        )
        masked = super().anonymise_error(error)
        masked.extensions = {"code": "INTERNAL", "correlationId": cid}
        return masked

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        out = super()._process_errors(errors)
        for error in out:
            if not (error.extensions or {}).get("code"):
                code = next((c for rx, c in _LIMIT_CODES if rx.search(error.message)), "GRAPHQL_VALIDATION_FAILED")
                error.extensions = {**(error.extensions or {}), "code": code}
        return out
