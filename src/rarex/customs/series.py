"""Which tariff lines customs handles here, and which statistical series each one feeds.

Pure. GACC's headline "rare earths" export line covers HS 2805.30 (rare-earth metals,
including scandium and yttrium) and heading 2846 (rare-earth compounds); "magnets" is the
national code 8505.1110 (rare-earth permanent magnets). Lines cited by the control list's
cross-walk (targets, Sm compounds) are in scope too, and count in neither published series.
"""

from __future__ import annotations

from enum import StrEnum

from rarex.catalog import ControlList


class Series(StrEnum):
    RARE_EARTHS = "rare_earths"
    MAGNETS = "magnets"
    OTHER = "other"


# The published series each aggregate series is comparable with (shared/data/README.md).
PUBLISHED_SERIES: dict[Series, str] = {
    Series.RARE_EARTHS: "rare_earth_exports_t",
    Series.MAGNETS: "magnet_exports_t",
}

# Ordered: the first prefix that matches decides the series.
_SERIES_PREFIXES: tuple[tuple[str, Series], ...] = (
    ("280530", Series.RARE_EARTHS),
    ("2846", Series.RARE_EARTHS),
    ("85051110", Series.MAGNETS),
)


def series_for(hs_code: str) -> Series:
    """The series a ten-digit HS code counts in; ``other`` outside the two published ones."""
    for prefix, series in _SERIES_PREFIXES:
        if hs_code.startswith(prefix):
            return series
    return Series.OTHER


def in_scope(hs_code: str, control_list: ControlList) -> bool:
    """True for the rare-earth tariff lines this system clears.

    Anything else is not a rare-earth export: customs clears it elsewhere, so a declaration
    here citing it is a mistake (``customs.unknown_hs_code``), not an uncontrolled export.
    """
    if series_for(hs_code) is not Series.OTHER:
        return True
    return bool(control_list.entries_for_hs(hs_code))


def element_for(hs_code: str, control_code: str | None, control_list: ControlList) -> str | None:
    """The element symbol the goods are counted under, or None when no single one is named.

    A control code names its element; without one, an HS code whose cross-walk entries all
    share one element (2805301200 is dysprosium metal) names it too. A mixture line such as
    2846901993 (oxides of several elements) names none.
    """
    if control_code is not None:
        element = control_list.get(control_code).element
        return element.symbol if element is not None else None
    symbols = {
        entry.element.symbol
        for entry in control_list.entries_for_hs(hs_code)
        if entry.element is not None
    }
    return symbols.pop() if len(symbols) == 1 else None
