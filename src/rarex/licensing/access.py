"""Who may see and touch an application.

An exporter asking for another company's case gets "not found", not "forbidden": the answer
must not even confirm that the case exists. A partner authority reads the cases and licenses
in its jurisdiction only through the partner room's redacted views (``rarex.partners``):
these full views answer it "not found" too, whatever the case.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role, require_role
from rarex.auth.service import has_conflict
from rarex.clock import authority_date
from rarex.errors import Forbidden, NotFound
from rarex.jurisdictions import Jurisdiction
from rarex.licensing.repository import APPLICATION_NOT_FOUND
from rarex.models import Application, License
from rarex.parties.service import foreign_parties_by_id

_AUTHORITY = frozenset({Role.LICENSING_OFFICER, Role.ADMINISTRATOR})
DECIDING_ROLES = frozenset({Role.LICENSING_OFFICER})


def _hidden() -> NotFound:
    return NotFound(APPLICATION_NOT_FOUND, code="application.not_found")


def refuse_partner(actor: Actor) -> None:
    """The full lists are not a partner's: it reads through the partner channel."""
    if actor.role is Role.PARTNER_AUTHORITY:
        raise Forbidden(
            f"{actor.username} is a partner authority and reads cases and licenses through "
            "the partner channel",
            code="partner.use_partner_channel",
        )


def partner_covers(
    session: Session, jurisdiction: Jurisdiction, row: Application | License, *, at: datetime
) -> bool:
    """Whether a case or license is in the jurisdiction: its destination, consignee or end
    user in it on the row's day (``at``: the case filed, the license issued). The same rule as
    ``repository.partner_condition``, for one row."""
    day = authority_date(at)
    if jurisdiction.covers(row.destination, day):
        return True
    parties = foreign_parties_by_id(session, (row.consignee_id, row.end_user_id))
    return any(jurisdiction.covers(party.country, day) for party in parties.values())


def can_view(session: Session, actor: Actor, application: Application) -> bool:
    if actor.role in _AUTHORITY:
        return True
    if actor.role is Role.EXPORTER:
        return application.exporter_id == actor.company_id
    return False


def ensure_can_view(session: Session, actor: Actor, application: Application) -> None:
    if not can_view(session, actor, application):
        raise _hidden()


def ensure_can_edit(session: Session, actor: Actor, application: Application) -> None:
    """Only the applicant company's own users change the content of an application."""
    if actor.role is Role.EXPORTER and application.exporter_id == actor.company_id:
        return
    if can_view(session, actor, application):
        raise Forbidden(
            f"{actor.username} ({actor.role.value}) cannot change application "
            f"{application.reference}; only the applicant can",
            code="auth.not_applicant",
        )
    raise _hidden()


def ensure_no_conflict(session: Session, actor: Actor, application: Application) -> None:
    """Officers never handle a case they filed or one of a company they declared a link to."""
    if application.filed_by_id == actor.user_id:
        raise Forbidden(
            f"{actor.username} filed {application.reference} and cannot handle it",
            code="auth.conflict_of_interest",
        )
    if has_conflict(session, user_id=actor.user_id, company_id=application.exporter_id):
        raise Forbidden(
            f"{actor.username} declared a connection to the applicant of {application.reference}",
            code="auth.conflict_of_interest",
        )


def ensure_can_decide(session: Session, actor: Actor, application: Application) -> None:
    """Licensing officers decide, but never a case they have a conflict of interest in."""
    require_role(actor, *DECIDING_ROLES, action="decide an application")
    ensure_no_conflict(session, actor, application)


def can_view_license(session: Session, actor: Actor, license_: License) -> bool:
    if actor.role in _AUTHORITY or actor.role is Role.CUSTOMS_OFFICER:
        return True
    if actor.role is Role.EXPORTER:
        return license_.exporter_id == actor.company_id
    return False
