"""Quantities and money: their precision (grams and cents), and the one rule by which a figure
is read wherever it enters (a JSON body, a form, an import cell, a command-line option).

The rule, ``parse_amount``:

- **Text** is read as digits, with a point and at least one digit after it when there are
  decimals: ``1250`` or ``1250.5``. Before that, the full-width digits, point and minus
  (U+FF10-U+FF19, U+FF0E, U+FF0D) that a Chinese input method types become their ASCII forms,
  and white space around the figure is dropped, as for every text field. Nothing else is read:
  no ``+``, no exponent (``1e3``), no ``_`` or ``,`` or space inside (``1,000`` may mean one or
  one thousand), no ``.5`` or ``5.``, no digits of other scripts (``٣``), no ``NaN`` or
  ``Infinity``, and at most ``MAX_FIGURE_CHARS`` characters. Only those full-width forms are
  mapped, not all of NFKC: NFKC also turns ``²`` into ``2`` and ``①`` into ``1``, so that
  ``10²`` would be read as 102.
- **A JSON number** is taken at its value: an integer exactly, a float through its shortest
  repr (the decimal that reads back as the same float, never its binary expansion); it must be
  finite, and ``true``/``false`` are not numbers. JSON's own grammar is unambiguous, and a
  float cannot tell ``1e3`` from ``1000.0`` once parsed, so an exponent there is accepted; send
  a string to be read to the last digit.
- **A Decimal** (from code, or a JSON file read with ``parse_float=Decimal``) must be finite.

A leading ``-`` is read, so that a negative figure reaches the check of its field, which says
what that field accepts (``application.quantity_not_positive``) rather than a parse error.
Ranges and decimals per field stay with the services and their own codes.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from rarex.inputs import Token

GRAM = Decimal("0.001")  # kilograms are kept to the gram
CENT = Decimal("0.01")

# Twice the widest amount column (18 digits, a sign and a point): longer is never a figure,
# and a refusal never echoes a megabyte of digits.
MAX_FIGURE_CHARS = 40
INVALID_NUMBER = "input.invalid_number"
RULE = "write digits, with a point before any decimals, such as 1250 or 1250.5"

_FULL_WIDTH = str.maketrans(
    {chr(0xFF10 + d): str(d) for d in range(10)} | {"\uff0e": ".", "\uff0d": "-"}
)
# Unicode White_Space, as pydantic strips a text field; str.strip() would also drop the
# control characters U+001C-U+001F, which the text rule refuses.
_WHITE_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
# [0-9], never \d: \d also matches the digits of every other script.
_PLAIN = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class NotANumber(ValueError):
    """A figure that breaks the rule; the message says what was sent and what is read."""

    code = INVALID_NUMBER


def parse_amount(raw: object) -> Decimal:
    """The exact Decimal a figure denotes under the one rule (see the module), or NotANumber.

    Only notation is checked here: ``-5`` and ``0.0001`` are numbers, refused later by the
    range and precision checks of the field they are given for."""
    if isinstance(raw, bool):  # an int to Python, never a figure to anyone sending it
        raise NotANumber(f"{str(raw).lower()} is not a number: {RULE}")
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise NotANumber(f"{raw} is not a number: {RULE}")
        return raw
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise NotANumber(f"{raw} is not a number: {RULE}")
        return _unsigned_zero(Decimal(repr(raw)))
    if not isinstance(raw, str):
        shown = "null" if raw is None else f"a {type(raw).__name__}"
        raise NotANumber(f"{shown} is not a number: {RULE}")
    text = ascii_figure(raw)
    if len(text) > MAX_FIGURE_CHARS:
        raise NotANumber(
            f"{_shown(raw)} has {len(text)} characters; a figure has at most {MAX_FIGURE_CHARS}"
        )
    if not _PLAIN.fullmatch(text):
        raise NotANumber(f"{_shown(raw)} is not a number: {RULE}{_hint(text)}")
    return _unsigned_zero(Decimal(text))


def ascii_figure(text: str) -> str:
    """The text a figure is read from: full-width digits, point and minus in ASCII, and the
    white space around it dropped (for a reader with a notation of its own, such as the
    statistics files' signed percentages)."""
    return text.translate(_FULL_WIDTH).strip(_WHITE_SPACE)


def _unsigned_zero(value: Decimal) -> Decimal:
    """``-0`` is zero: kept signed, it would be stored and shown as ``-0.00``."""
    return value.copy_abs() if value.is_zero() else value


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= MAX_FIGURE_CHARS else raw[:MAX_FIGURE_CHARS] + "…")


def _hint(text: str) -> str:
    if "," in text:
        return " (a comma may be a decimal point or a thousands separator: neither is read)"
    if any(ch in text for ch in "_ '"):
        return " (no separators between the digits)"
    return ""


def _amount(raw: Any) -> Decimal:
    try:
        return parse_amount(raw)
    except NotANumber as exc:
        # type "invalid_number": the API names it ``input.invalid_number`` beside the field
        raise PydanticCustomError("invalid_number", str(exc)) from None


def _kept_for_later(raw: Any) -> Any:
    """A JSON number read now (so a float becomes its exact decimal); text kept as typed, for a
    room that reads it with ``parse_amount`` while collecting every problem of a document."""
    if isinstance(raw, str):
        return raw
    return _amount(raw)


_SCHEMA = WithJsonSchema(
    {
        "anyOf": [
            {"type": "number"},
            {
                "type": "string",
                "maxLength": MAX_FIGURE_CHARS,
                "pattern": "^[-\uff0d]?[0-9\uff10-\uff19]+([.\uff0e][0-9\uff10-\uff19]+)?$",
            },
        ],
        "description": "Digits with a point before any decimals (1250.5), as a string or a "
        "number; full-width digits are read as ASCII, white space around is dropped",
    },
    mode="validation",
)

# A quantity or an amount of money in an input model: read by the one rule, refused as
# ``input.invalid_number``; the service then checks its range and decimals with its own codes.
Amount = Annotated[Decimal, BeforeValidator(_amount), _SCHEMA]
# The same figure where the room reads text itself (customs): a JSON number is read now, text is
# kept as typed, and ``parse_amount`` reads it in ``customs.validation``.
AmountOrText = Annotated[Decimal | Token, BeforeValidator(_kept_for_later), _SCHEMA]
