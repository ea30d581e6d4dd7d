"""Who may file, act on and see declarations.

Customs officers file declarations and act on them; licensing officers and administrators see
every declaration; an exporter sees only its own, and asking for another's gets "not found",
which does not even confirm that the declaration exists. Analysts read aggregates only.
"""

from __future__ import annotations

from rarex.auth.roles import Actor, Role, require_role
from rarex.errors import NotFound
from rarex.models.customs import Declaration

OFFICER_ROLES = frozenset({Role.CUSTOMS_OFFICER})
_SEE_ALL = frozenset({Role.CUSTOMS_OFFICER, Role.LICENSING_OFFICER, Role.ADMINISTRATOR})
VIEW_ROLES = _SEE_ALL | {Role.EXPORTER}
# Per-license reconciliation shows license balances and attempts: the authorities only.
LICENSE_REPORT_ROLES = _SEE_ALL
# Monthly figures are aggregates: analysts read them too.
MONTHLY_REPORT_ROLES = _SEE_ALL | {Role.ANALYST}


def ensure_officer(actor: Actor, *, action: str) -> None:
    """Refuse, before any lookup, a role that may never take a customs step."""
    require_role(actor, *OFFICER_ROLES, action=action)


def sees_all(actor: Actor) -> bool:
    return actor.role in _SEE_ALL


def can_view(actor: Actor, declaration: Declaration) -> bool:
    if sees_all(actor):
        return True
    return actor.role is Role.EXPORTER and declaration.exporter_id == actor.company_id


def not_found(number: str) -> NotFound:
    return NotFound(f"declaration {number} not found", code="customs.declaration_not_found")


def ensure_can_view(actor: Actor, declaration: Declaration) -> None:
    if not can_view(actor, declaration):
        raise not_found(declaration.number)
