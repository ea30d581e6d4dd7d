"""Party identifiers: China's unified social credit code, ISO 3166-1 countries, and the
identifiers of companies abroad (LEI, EU VAT, EORI, a register entry).

Pure functions: they normalise what a person typed and refuse what cannot be a real identifier,
so that a mistyped code never reaches screening or a licence.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import pycountry
from stdnum import lei as stdnum_lei
from stdnum.eu import vat as stdnum_vat
from stdnum.exceptions import ValidationError as StdnumError

from rarex.errors import InvalidInput

# GB 32100-2015: digits and upper-case letters without I, O, Z, S, V. A character's value is its
# index here, which is what the check-character arithmetic works on.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_LENGTH = 18
_USCC_VALUES = {char: value for value, char in enumerate(USCC_CHARSET)}
# 3**i mod 31 for positions 1..17 (GB/T 17710, ISO 7064 style, modulus 31).
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# GB 11714 organisation code (positions 9-17 of a USCC): eight body characters, then a check
# character computed modulo 11 over A=10 ... Z=35.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_DIVISION_POSITIONS = range(2, 8)  # zero-based: positions 3-8 are the GB/T 2260 division code

# Codes people commonly type that ISO 3166-1 does not assign; named in the refusal only.
_COUNTRY_HINTS = {"UK": "GB", "EL": "GR"}


class InvalidPartyIdentifier(InvalidInput):
    """An identifier that cannot be a real one: wrong length, characters or check character."""

    default_code = "party.invalid_identifier"


def _normalise_code(value: str) -> str:
    # NFKC folds full-width digits and letters (common when typed with a Chinese IME) to ASCII.
    return unicodedata.normalize("NFKC", value).strip().upper()


def uscc_check_character(first17: str) -> str:
    """The GB 32100 check character (position 18) for the first 17 characters of a code.

    Raises ``ValueError`` for input that is not 17 characters of the code's alphabet: callers
    are factories and tests, so bad input is a programming error, not a user's typo.
    """
    if len(first17) != USCC_LENGTH - 1 or any(c not in _USCC_VALUES for c in first17):
        raise ValueError(f"need 17 characters from {USCC_CHARSET!r}, got {first17!r}")
    total = sum(_USCC_VALUES[c] * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def organisation_code_check_character(body8: str) -> str:
    """The GB 11714 check character for the eight-character body of an organisation code.

    The result is a digit or ``X``. Raises ``ValueError`` for anything but eight ASCII digits or
    upper-case letters (a programming error, as for :func:`uscc_check_character`).
    """
    if len(body8) != 8 or not all(c.isascii() and (c.isdigit() or c.isupper()) for c in body8):
        raise ValueError(f"need 8 ASCII digits or upper-case letters, got {body8!r}")
    total = sum(_org_value(c) * w for c, w in zip(body8, _ORG_WEIGHTS, strict=True))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def validate_uscc(code: str, *, verify_organisation_code: bool = True) -> str:
    """Return the code in canonical form (trimmed, upper-case, ASCII) or raise.

    Checks, in order: length 18; every character in the GB 32100 alphabet; positions 3-8 are
    digits (an administrative division code); the organisation code in positions 9-17 carries a
    valid GB 11714 check character; position 18 is the GB 32100 check character.

    The organisation-code check is on by default because the standard embeds a GB 11714 code and
    every real code we hold satisfies it, so it catches some multiple-character errors the final
    check character misses. It is a keyword rather than a hard rule so that a genuine code found
    to violate it can be accepted without a code change. The registration-authority and
    entity-type characters (positions 1-2) are not checked against a table: the authorities
    extend that table, and refusing a real applicant costs more than the typo it could catch,
    which the check character catches anyway.

    Raises :class:`InvalidPartyIdentifier` with code ``party.invalid_uscc_length``,
    ``party.invalid_uscc_character`` or ``party.invalid_uscc_check``.
    """
    value = _normalise_code(code)
    if len(value) != USCC_LENGTH:
        raise InvalidPartyIdentifier(
            f"a unified social credit code has {USCC_LENGTH} characters, got {len(value)}",
            code="party.invalid_uscc_length",
            value=value,
            length=len(value),
        )
    for index, char in enumerate(value):
        if char not in _USCC_VALUES:
            raise InvalidPartyIdentifier(
                f"character {char!r} at position {index + 1} is not allowed in a unified social "
                f"credit code (allowed: {USCC_CHARSET}; I, O, Z, S and V are never used)",
                code="party.invalid_uscc_character",
                value=value,
                position=index + 1,
                character=char,
            )
        if index in _DIVISION_POSITIONS and not char.isdigit():
            raise InvalidPartyIdentifier(
                f"character {char!r} at position {index + 1} must be a digit: positions 3-8 "
                "are the administrative division code",
                code="party.invalid_uscc_character",
                value=value,
                position=index + 1,
                character=char,
            )
    if verify_organisation_code:
        _check_organisation_code(value)
    expected = uscc_check_character(value[:17])
    if value[17] != expected:
        raise InvalidPartyIdentifier(
            f"check character of {value} is {value[17]!r}, expected {expected!r}: "
            "the code is mistyped",
            code="party.invalid_uscc_check",
            value=value,
            part="check_character",
            expected=expected,
            actual=value[17],
        )
    return value


def _check_organisation_code(value: str) -> None:
    org_code = value[8:17]
    expected = organisation_code_check_character(org_code[:8])
    if org_code[8] != expected:
        raise InvalidPartyIdentifier(
            f"organisation code {org_code} (positions 9-17 of {value}) ends in "
            f"{org_code[8]!r}, but its GB 11714 check character is {expected!r}: "
            "the code is mistyped in positions 9-17",
            code="party.invalid_uscc_check",
            value=value,
            part="organisation_code",
            expected=expected,
            actual=org_code[8],
        )


@dataclass(frozen=True, slots=True)
class Country:
    """An ISO 3166-1 country; ``name`` is the ISO short name as pycountry ships it."""

    alpha2: str
    alpha3: str
    name: str


def normalize_country(value: str) -> Country:
    """Resolve an ISO 3166-1 alpha-2 or alpha-3 code, in any case, to a :class:`Country`.

    Names and numeric codes are refused on purpose: a code is unambiguous and a name is not.
    Raises :class:`InvalidInput` with code ``party.unknown_country``.
    """
    key = _normalise_code(value)
    record: Any = None
    if len(key) == 2 and key.isascii() and key.isalpha():
        record = pycountry.countries.get(alpha_2=key)
    elif len(key) == 3 and key.isascii() and key.isalpha():
        record = pycountry.countries.get(alpha_3=key)
    if record is None:
        hint = _COUNTRY_HINTS.get(key)
        suffix = f" (did you mean {hint}?)" if hint else ""
        raise InvalidInput(
            f"{value!r} is not an ISO 3166-1 alpha-2 or alpha-3 country code{suffix}",
            code="party.unknown_country",
            value=value,
        )
    return Country(alpha2=record.alpha_2, alpha3=record.alpha_3, name=record.name)


def export_destination(value: str) -> Country:
    """The country an export goes to: any country but China itself, whose customs territory
    the goods leave (Hong Kong and Macao are customs territories of their own, destinations
    like any other). Raises ``InvalidInput`` with ``export.domestic_destination`` for CN."""
    country = normalize_country(value)
    if country.alpha2 == "CN":
        raise InvalidInput(
            f"{value!r} is China itself: an export goes to a destination abroad",
            code="export.domestic_destination",
            value=value,
        )
    return country


# Identifiers of companies abroad (issue 13: trusted end users are matched by identifier
# first). LEI and EU VAT numbers carry check digits, verified by python-stdnum; an EORI number
# is a country prefix and up to 15 characters; a register entry ("HRB 12345, Amtsgericht Köln")
# is kept as typed, spaces folded.
IDENTIFIER_SCHEMES = ("lei", "vat", "eori", "register")
_EORI = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,15}$")
_MAX_REGISTER = 120


def canonical_identifier(scheme: str, value: str) -> str:
    """The identifier in its one written form, so that two spellings compare equal; refused
    with ``party.invalid_identifier`` (naming the scheme) when it cannot be a real one."""
    kind = scheme.strip().lower()
    if kind not in IDENTIFIER_SCHEMES:
        raise InvalidPartyIdentifier(
            f"unknown identifier scheme {scheme!r}; known: {', '.join(IDENTIFIER_SCHEMES)}",
            code="party.unknown_identifier_scheme",
            scheme=scheme,
        )
    typed = unicodedata.normalize("NFKC", value).strip()
    try:
        if kind == "lei":
            return str(stdnum_lei.validate(typed))
        if kind == "vat":
            return str(stdnum_vat.validate(typed))
    except StdnumError as problem:
        raise InvalidPartyIdentifier(
            f"{value!r} is not a valid {kind.upper()}: {problem}", scheme=kind, value=value
        ) from None
    if kind == "eori":
        compact = "".join(typed.split()).upper()
        if not _EORI.match(compact) or pycountry.countries.get(alpha_2=compact[:2]) is None:
            raise InvalidPartyIdentifier(
                f"{value!r} is not an EORI number: a country code and up to 15 letters or digits",
                scheme=kind,
                value=value,
            )
        return compact
    folded = " ".join(typed.split()).upper()
    if not folded or len(folded) > _MAX_REGISTER or not folded.isprintable():
        raise InvalidPartyIdentifier(
            f"a register entry has 1 to {_MAX_REGISTER} printable characters",
            scheme=kind,
            value=value,
        )
    return folded
