"""What a notification tells of, and the facts it may carry (pure).

``Facts`` is the whole of what a mail or a notification page says about a case: the fields a
partner authority may read (issue 13: reference, exporter, destination, state, lane, due date,
decision and its date), nothing else. Officers and exporters get the same facts and follow the
link for the rest, so no mail carries a document, a screening hit, a price, an officer's note
or name, or the applicant's record, whoever receives it.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Kind(StrEnum):
    INQUIRY_OPENED = "inquiry_opened"  # a partner opened an inquiry (to officers)
    INQUIRY_REPLY = "inquiry_reply"  # a message in an inquiry's thread (to the other side)
    INQUIRY_OVERDUE = "inquiry_overdue"  # an inquiry passed its reply target unanswered
    PRIORITY_DECIDED = "priority_decided"  # an officer accepted or declined a priority item
    STATE_CHANGED = "state_changed"  # an application the recipient follows changed state
    DECISION = "decision"  # an application was approved or denied


class Facts(BaseModel):
    """What the notification says; every field optional, for a general inquiry names no case.

    ``due_on`` is the case's statutory due date, or an inquiry's reply target for the inquiry
    kinds; ``decision`` is ``approved``/``denied`` for a case, ``accepted``/``declined`` for a
    priority item; ``decided_on`` its date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    reference: str | None = Field(default=None, max_length=32)
    exporter: str | None = Field(default=None, max_length=300)
    destination: str | None = Field(default=None, min_length=2, max_length=2)
    state: str | None = Field(default=None, max_length=32)
    lane: str | None = Field(default=None, max_length=16)
    due_on: date | None = None
    decision: str | None = Field(default=None, max_length=16)
    decided_on: date | None = None
