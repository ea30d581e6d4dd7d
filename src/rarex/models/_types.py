"""Column helpers shared by the ORM modules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from sqlalchemy import String, Uuid
from sqlalchemy.orm import mapped_column

from rarex.db import ExactDecimal, UTCDateTime

KILOGRAMS = ExactDecimal(scale=3, precision=18)
MONEY = ExactDecimal(scale=2, precision=18)

UUIDPk = Annotated[uuid.UUID, mapped_column(Uuid, primary_key=True, default=uuid.uuid4)]
Timestamp = Annotated[datetime, mapped_column(UTCDateTime())]
Code = Annotated[str, mapped_column(String(64))]
