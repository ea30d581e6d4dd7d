"""Roles and the acting user; pure, used by every room to check who is asking."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum

from rarex.errors import Forbidden
from rarex.jurisdictions import Jurisdiction


class Role(StrEnum):
    EXPORTER = "exporter"
    LICENSING_OFFICER = "licensing_officer"
    CUSTOMS_OFFICER = "customs_officer"
    ANALYST = "analyst"
    PARTNER_AUTHORITY = "partner_authority"
    ADMINISTRATOR = "administrator"


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID
    username: str
    role: Role
    company_id: uuid.UUID | None = None
    partner_countries: frozenset[str] = field(default_factory=frozenset)
    partner_groups: frozenset[str] = field(default_factory=frozenset)
    # Where the request came from when it was not an API token, e.g. "cli:alice" (OS user).
    channel: str | None = None

    @property
    def label(self) -> str:
        """How the actor is named in audit events: stable and readable.

        The CLI acts as a named user without a token, so its events also name the
        operating-system account that ran the command.
        """
        base = f"{self.username} ({self.role.value})"
        return f"{base} via {self.channel}" if self.channel else base


def jurisdiction_of(actor: Actor) -> Jurisdiction | None:
    """What a partner authority speaks for; None for every other role."""
    if actor.role is not Role.PARTNER_AUTHORITY:
        return None
    return Jurisdiction(countries=actor.partner_countries, groups=actor.partner_groups)


def partner_jurisdiction(actor: Actor) -> Jurisdiction:
    """The asker's jurisdiction; anyone but a partner authority is refused."""
    jurisdiction = jurisdiction_of(actor)
    if jurisdiction is None:
        raise Forbidden(
            f"{actor.username} ({actor.role.value}) is not a partner authority; the partner "
            "channel is theirs",
            code="partner.only",
        )
    return jurisdiction


def require_role(actor: Actor, *roles: Role, action: str) -> None:
    if actor.role not in roles:
        allowed = ", ".join(sorted(r.value for r in roles))
        raise Forbidden(
            f"{action} needs the role {allowed}; {actor.username} is {actor.role.value}",
            code="auth.role_required",
            action=action,
            role=actor.role.value,
        )
