"""HTTP routes of the customs room (issue 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["customs"])
