"""ORM classes only; importing this package registers every table on ``Base.metadata``."""

from rarex.models import customs as customs
from rarex.models import screening as screening
from rarex.models import statistics as statistics
from rarex.models.applications import (
    Application,
    ApplicationLine,
    Decision,
    Document,
    GreenChannelCheck,
    StateChange,
)
from rarex.models.audit import AuditEvent, AuditHead
from rarex.models.auth import (
    ApiToken,
    IdempotencyRecord,
    OfficerConflict,
    SignInThrottle,
    User,
    WebSession,
)
from rarex.models.calendar import CalendarDay
from rarex.models.licenses import License, LicenseLine
from rarex.models.notifications import Follow, Notification, SenderLease
from rarex.models.parties import Company, ForeignParty, TrustedParty, Violation
from rarex.models.partners import Inquiry, InquiryMessage, PriorityItem, PriorityRequest

__all__ = [
    "ApiToken",
    "Application",
    "ApplicationLine",
    "AuditEvent",
    "AuditHead",
    "CalendarDay",
    "Company",
    "Decision",
    "Document",
    "Follow",
    "ForeignParty",
    "GreenChannelCheck",
    "IdempotencyRecord",
    "Inquiry",
    "InquiryMessage",
    "License",
    "LicenseLine",
    "Notification",
    "OfficerConflict",
    "PriorityItem",
    "PriorityRequest",
    "SenderLease",
    "SignInThrottle",
    "StateChange",
    "TrustedParty",
    "User",
    "Violation",
    "WebSession",
]
