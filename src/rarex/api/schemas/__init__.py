"""Response models of the routes whose services answer plain data (``to_dict``): the JSON
shapes the README documents, declared so OpenAPI describes them and a response that drifts
from its model fails loudly (``extra="forbid"``) instead of losing a key silently."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


DecimalText = Annotated[
    str, Field(description="A decimal number, exact, as a string", examples=["800.000"])
]
DateText = Annotated[str, Field(description="An ISO date", examples=["2025-07-25"])]
TimeText = Annotated[
    str,
    Field(description="An ISO date and time with offset", examples=["2025-07-25T10:00:00+00:00"]),
]
