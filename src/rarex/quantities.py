"""The precision of quantities and money, shared by every room: grams and cents."""

from __future__ import annotations

from decimal import Decimal

GRAM = Decimal("0.001")  # kilograms are kept to the gram
CENT = Decimal("0.01")
