"""Country names and codes as the lists write them, to ISO 3166-1 alpha-2.

``rarex.parties.identifiers.normalize_country`` takes codes only, on purpose (a party's
country is entered as a code); lists write names ("Korea, North", "Iran (Islamic Republic
of)", "Region: Crimea"), so names are looked up here, with the codes still going through
``normalize_country``.
"""

from __future__ import annotations

from functools import lru_cache

import pycountry

from rarex.errors import InvalidInput
from rarex.parties.identifiers import normalize_country
from rarex.screening.sources._common import Notes, clean

# Names the lists use that ISO 3166 (as pycountry knows it) does not: OFAC's "Korea, North"
# style, the UN's long forms, regions. A region goes to the country it lies in by ISO's own
# assignment (Crimea → UA, Gaza and the West Bank → PS). Kosovo is XK, the user-assigned code
# the EU, the US and OpenSanctions all use.
_COUNTRY_ALIASES = {
    "bahamas, the": "BS",
    "brunei": "BN",
    "burma": "MM",
    "china, hong kong special administrative region": "HK",
    "china, macao special administrative region": "MO",
    "congo, democratic republic of the": "CD",
    "congo, republic of the": "CG",
    "cote d ivoire": "CI",
    "democratic republic of the congo": "CD",
    "iran (islamic republic of)": "IR",
    "korea, north": "KP",
    "korea, south": "KR",
    "kosovo": "XK",
    "xk": "XK",
    "macau": "MO",
    "prc": "CN",
    "uae": "AE",
    "palestinian": "PS",
    "state of palestine": "PS",
    "west bank": "PS",
    "region: gaza": "PS",
    "region: crimea": "UA",
    "region: northern mali": "ML",
    "russia": "RU",
    "st. kitts & nevis": "KN",
    "st. vincent and the grenadines": "VC",
    "the gambia": "GM",
    "turkey": "TR",
}
# What lists write for "no country": not a country, not worth a note.
_NO_COUNTRY = {"", "-0-", "na", "n/a", "none", "none identified", "undetermined", "unknown"}


@lru_cache(maxsize=4096)
def _lookup_country(value: str) -> str | None:
    key = value.strip().lower()
    if key in _NO_COUNTRY:
        return ""
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    if len(key) in (2, 3) and key.isascii() and key.isalpha():
        try:
            return normalize_country(key).alpha2
        except InvalidInput:
            return None
    try:
        record = pycountry.countries.lookup(value.strip())
    except LookupError:
        return None
    return str(record.alpha_2)


def country_code(value: str, at: str, notes: Notes) -> str | None:
    """ISO 3166-1 alpha-2 for a code or a country name; None for an empty value and for a
    name no table knows, which is noted rather than refused: one odd country must not keep a
    whole list out."""
    code = _lookup_country(value)
    if code is None:
        notes.add(f"unknown country {clean(value)!r} kept out of countries", at)
        return None
    return code or None
