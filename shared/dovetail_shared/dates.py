"""The one date type of every request field and parameter: an ISO 8601 calendar date, nothing else.

Pydantic's lax ``date`` also takes a Unix timestamp (``0`` is 1970-01-01, ``1700000000`` a day in 2023), so a
client's typo became a real date instead of a 422. ``IsoDate`` accepts a ``YYYY-MM-DD`` string (or a ``date``
from Python callers) and refuses everything else with the rule ``iso_date``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def iso_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return value  # the date type checks that it is a real day
    raise PydanticCustomError("iso_date", "must be an ISO 8601 date (YYYY-MM-DD)")


IsoDate = Annotated[date, BeforeValidator(iso_date)]
