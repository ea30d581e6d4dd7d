"""Published statistical observations with their vintages (issue 3)."""

from __future__ import annotations
