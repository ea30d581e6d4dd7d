"""The case as the officer's desk shows it: the application, the applicant's record, the
screening hits with their explanations, each line's standing on the control list on the
filing date, and whether this officer may act on it (and if not, why)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from rarex.audit.service import events_for
from rarex.auth.roles import Actor, Role, require_role
from rarex.catalog.results import EntryCheck
from rarex.catalog.service import load_control_list
from rarex.clock import Clock, authority_date
from rarex.config import Settings
from rarex.errors import Forbidden
from rarex.licensing import repository, views
from rarex.licensing.access import ensure_no_conflict
from rarex.licensing.decisions import max_valid_until
from rarex.licensing.records import ExporterRecord, exporter_record
from rarex.licensing.schemas import ApplicationRead
from rarex.licensing.screening import case_hits

DESK_ROLES = (Role.LICENSING_OFFICER, Role.ADMINISTRATOR)


@dataclass(frozen=True, slots=True)
class CaseFile:
    application: ApplicationRead
    record: ExporterRecord
    hits: list[dict[str, Any]]
    # each line's entry on the control list as it stood on the filing date, by line number
    line_checks: dict[int, EntryCheck]
    filed_on: Any
    # None when this officer may act on the case; else why not (filed it, declared a link)
    read_only_because: str | None
    longest_validity: Any
    # every audited event about the case, oldest first: (seq, at, actor, action)
    audit_trail: list[tuple[int, Any, str, str]]


def case_file(
    session: Session, *, actor: Actor, clock: Clock, settings: Settings, key: str
) -> CaseFile:
    require_role(actor, *DESK_ROLES, action="open a case at the desk")
    application_id = views.resolve_application_id(session, actor=actor, key=key)
    view = views.application_view(
        session, actor=actor, clock=clock, settings=settings, key=application_id
    )
    application = repository.get_application(session, application_id)
    filed_on = authority_date(application.submitted_at or application.created_at)
    control_list = load_control_list()
    line_checks = {}
    for line in view.lines:
        (check,) = control_list.check_code(line.control_code, filed_on).matches
        line_checks[line.line_no] = check
    try:
        ensure_no_conflict(session, actor, application)
        read_only_because = None
    except Forbidden as conflict:
        read_only_because = conflict.message
    return CaseFile(
        application=view,
        record=exporter_record(session, actor=actor, uscc=view.exporter.uscc),
        hits=case_hits(session, actor=actor, application_id=application_id),
        line_checks=line_checks,
        filed_on=filed_on,
        read_only_because=read_only_because,
        longest_validity=max_valid_until(view.license_type, authority_date(clock.now())),
        audit_trail=[
            (event.seq, event.at, event.actor, event.action)
            for event in events_for(session, subject_id=str(application_id))
        ],
    )
