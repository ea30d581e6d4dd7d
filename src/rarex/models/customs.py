"""Export declarations, their lines, license drawdowns and monthly export aggregates (issue 3)."""

from __future__ import annotations
