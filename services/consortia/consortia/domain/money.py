"""Currency codes, minor units and exact decimal checks shared by the ledger and benefit sharing."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

from dovetail_shared.errors import ValidationFailed

DEFAULT_CURRENCY = "CNY"

_CURRENCY_CODE = re.compile(r"[A-Z]{3}")

# ISO 4217 currencies whose minor unit is not the usual two decimals. Listing only the exceptions keeps
# the table short; every other well-formed code (CNY first of all) is treated as having cents.
_MINOR_UNIT_EXCEPTIONS: dict[str, int] = {
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "ISK": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "PYG": 0,
    "RWF": 0,
    "UGX": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    "BHD": 3,
    "IQD": 3,
    "JOD": 3,
    "KWD": 3,
    "LYD": 3,
    "OMR": 3,
    "TND": 3,
}


def is_currency_code(code: str) -> bool:
    """Shape check only (three upper-case letters): the ISO list changes, and the shape catches typos."""
    return _CURRENCY_CODE.fullmatch(code) is not None


def normalize_currency(code: str, field: str = "currency") -> str:
    """Upper-cases a code and checks its ISO 4217 shape; raises rule ``currency_iso4217``."""
    normalized = code.strip().upper()
    if not is_currency_code(normalized):
        raise ValidationFailed(field, "currency_iso4217", f"{code!r} is not a three-letter ISO 4217 code")
    return normalized


def minor_unit_exponent(currency: str) -> int:
    """Number of decimals of the currency's minor unit (2 for CNY, 0 for JPY, 3 for KWD)."""
    return _MINOR_UNIT_EXCEPTIONS.get(currency, 2)


def fits_minor_unit(value: Decimal, exponent: int) -> bool:
    """True when ``value`` is a whole number of minor units.

    Judged by value, not by how it was written: ``Decimal("10.500")`` is fine for cents. ``Fraction`` is
    exact for any finite Decimal, so no context precision or rounding can make the answer wrong.
    """
    return (Fraction(value) * 10**exponent).denominator == 1


def to_minor_units(value: Decimal, exponent: int) -> int:
    """Exact count of minor units in ``value``; the caller has checked ``fits_minor_unit``."""
    units = Fraction(value) * 10**exponent
    if units.denominator != 1:
        raise ValueError(f"{value} is not a whole number of 10^-{exponent} units")
    return units.numerator


def from_minor_units(units: int, exponent: int) -> Decimal:
    """Decimal with exactly ``exponent`` places; built from a string so no context rounding applies."""
    return Decimal(f"{units}E-{exponent}")
