"""A declaration's audit trail, read back."""

from __future__ import annotations

from sqlalchemy.orm import Session

from rarex.audit.service import events_for
from rarex.customs import repository
from rarex.models import AuditEvent
from rarex.models.customs import Declaration


def audit_trail(session: Session, declaration: Declaration) -> list[AuditEvent]:
    """The audit events that commit to this declaration, oldest first (the caller has checked
    that the asker may see it).

    A declaration filed on its own, and every later step, has events of its own. One filed by
    a file import has none for its filing: the chunk's ``customs.declarations_imported`` event
    names it, and its ``filed`` action names that event's subject as ``audit_batch``.
    """
    batches = {
        str(action.details["audit_batch"])
        for action in repository.actions_for(session, declaration.id)
        if action.details.get("audit_batch")
    }
    events = {e.seq: e for e in events_for(session, subject_id=str(declaration.id))}
    for subject in sorted(batches):
        events.update((e.seq, e) for e in events_for(session, subject_id=subject))
    return [events[seq] for seq in sorted(events)]
