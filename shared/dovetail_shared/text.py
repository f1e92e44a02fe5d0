"""The one text type of every request field and parameter: it refuses what PostgreSQL cannot store.

PostgreSQL text holds neither NUL characters nor unpaired UTF-16 surrogates (JSON lets a client send
``"\\ud800"``; Python keeps it as a lone code point that no UTF-8 encoder accepts). Both used to reach the
driver and come back as a 500; ``Text`` refuses them at the boundary as a 422 naming the field and the
rule ``storable_text``. Use it for every ``str`` a client sends (body fields, path and query parameters).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

STORABLE_TEXT = "storable_text"
_SURROGATE = re.compile("[\ud800-\udfff]")
# Documented in OpenAPI so that clients and fuzzers know before sending; the check itself is storable().
STORABLE_PATTERN = r"^[^\u0000]*$"


def storable(value: Any) -> Any:
    """Returns ``value`` unchanged, or raises the ``storable_text`` validation error.

    Runs before the type and length checks, so a lone surrogate is named by this rule rather than by
    pydantic's ``string_unicode``; anything not a string is left to the type check."""
    if not isinstance(value, str):
        return value
    if "\x00" in value:
        raise PydanticCustomError(STORABLE_TEXT, "must not contain NUL characters")
    if _SURROGATE.search(value):
        raise PydanticCustomError(STORABLE_TEXT, "must be valid Unicode (no unpaired surrogate code points)")
    return value


def is_storable(value: str) -> bool:
    return "\x00" not in value and _SURROGATE.search(value) is None


class _StorablePattern:
    """Adds the pattern to the field's JSON Schema, keeping its other keywords (maxLength, description)."""

    def __get_pydantic_json_schema__(self, core: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core)
        schema.setdefault("pattern", STORABLE_PATTERN)
        return schema


Text = Annotated[str, BeforeValidator(storable), _StorablePattern()]
