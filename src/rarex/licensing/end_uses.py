"""End-use categories an applicant declares, as data.

Whether a category is civil, and whether it is denied in principle, drives the green channel and
the officer's first look at a case; both are attributes here rather than ``if`` statements
scattered through services. Codes are stable: they are stored on applications and in audit
payloads, so a code is never renamed or reused, only added.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from rarex.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class EndUseCategory:
    """``denial_in_principle`` implies not ``civil``; the constructor refuses the contradiction."""

    code: str
    label: str
    civil: bool
    denial_in_principle: bool = False

    def __post_init__(self) -> None:
        if self.civil and self.denial_in_principle:
            raise ValueError(f"end use {self.code!r} cannot be civil and denied in principle")


END_USE_CATEGORIES: tuple[EndUseCategory, ...] = (
    EndUseCategory("ev_motors", "Electric-vehicle traction motors", civil=True),
    EndUseCategory("wind_turbines", "Wind-turbine generators", civil=True),
    EndUseCategory("consumer_electronics", "Consumer electronics", civil=True),
    EndUseCategory("medical_imaging", "Medical imaging (MRI and similar)", civil=True),
    EndUseCategory("industrial_automation", "Industrial motors, robots and automation", civil=True),
    EndUseCategory("aerospace_civil", "Civil aerospace", civil=True),
    EndUseCategory("research", "Scientific research and testing", civil=True),
    EndUseCategory("defence", "Defence or military use", civil=False, denial_in_principle=True),
    # Not civil because it cannot be shown to be: an undeclared use is never fast-tracked.
    EndUseCategory("other_unspecified", "Other or unspecified use", civil=False),
)

END_USES: Mapping[str, EndUseCategory] = MappingProxyType(
    {category.code: category for category in END_USE_CATEGORIES}
)


def get_end_use(code: str) -> EndUseCategory:
    """Look a category up by its exact code; raise ``application.unknown_end_use`` otherwise."""
    try:
        return END_USES[code]
    except KeyError:
        raise InvalidInput(
            f"unknown end-use category {code!r}; known: {', '.join(END_USES)}",
            code="application.unknown_end_use",
            value=code,
            known=list(END_USES),
            field="end_use_category",
        ) from None
