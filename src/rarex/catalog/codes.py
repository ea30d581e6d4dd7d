"""Shape rules for control and HS codes: normalise what people type, refuse what is no code.

Pure functions. Whether a well-formed code is *known* is the control list's business, not this
module's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rarex.catalog.errors import MalformedControlCode, MalformedHsCode

# Dual-use control codes: category digit, product-group letter A-E, three digits, then an
# optional sub-entry letter. Deeper levels (``.a.1``) do not occur in the rare-earth entries.
_CONTROL_CODE = re.compile(r"^(?P<base>[0-9][A-E][0-9]{3})(?:\.(?P<sub>[a-z]))?$")
_HS_CODE = re.compile(r"^[0-9]{10}$")
_HS_SEPARATORS = re.compile(r"[\s.]+")


@dataclass(frozen=True, slots=True)
class ParsedControlCode:
    """A control code in canonical spelling; ``sub`` is None for a base code like ``1C902``."""

    base: str
    sub: str | None

    @property
    def code(self) -> str:
        return self.base if self.sub is None else f"{self.base}.{self.sub}"


def parse_control_code(raw: str) -> ParsedControlCode:
    """Accept ``1c902 .A`` as ``1C902.a``: whitespace anywhere is dropped, case is canonicalised.

    Raises MalformedControlCode naming the raw value when the result is not a control code.
    """
    compact = "".join(raw.split())
    base, dot, sub = compact.partition(".")
    candidate = base.upper() + (dot + sub.lower() if dot else "")
    match = _CONTROL_CODE.fullmatch(candidate)
    if match is None:
        raise MalformedControlCode(
            f"{raw!r} is not a control code; expected the form 1C902 or 1C902.a",
            value=raw,
        )
    return ParsedControlCode(base=match["base"], sub=match["sub"])


def normalise_hs_code(raw: str) -> str:
    """Accept ``2846.90.19 93`` as ``2846901993``; anything but ten digits is refused.

    Raises MalformedHsCode naming the raw value.
    """
    compact = _HS_SEPARATORS.sub("", raw)
    if _HS_CODE.fullmatch(compact) is None:
        raise MalformedHsCode(
            f"{raw!r} is not an HS code; expected 10 digits (spaces and dots are ignored)",
            value=raw,
        )
    return compact


def is_canonical_control_code(text: str) -> bool:
    """True when the text is already in canonical spelling, as the data file must be."""
    return _CONTROL_CODE.fullmatch(text) is not None


def is_canonical_hs_code(text: str) -> bool:
    """True for exactly ten ASCII digits, as the data file must store them."""
    return _HS_CODE.fullmatch(text) is not None
