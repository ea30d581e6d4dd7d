"""Deciding a case as the officer asks it: an approval screens the parties first, then
decides; a denial decides at once.

Screening before an approval may raise new hits. They must outlive the refusal that follows,
or the officer would be told of hits that do not exist: ``keep_hits`` is the caller's
checkpoint (the request or the command commits what was written so far). This module never
commits; the caller owns the unit of work.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor
from rarex.clock import Clock
from rarex.config import Settings
from rarex.errors import Conflict
from rarex.licensing import decisions, views
from rarex.licensing.schemas import DecisionIn
from rarex.licensing.screening import screen_case
from rarex.models import Application


def decide_case(
    session: Session,
    *,
    actor: Actor,
    clock: Clock,
    settings: Settings,
    key: str,
    data: DecisionIn,
    keep_hits: Callable[[], None],
) -> Application:
    """Decide the case named by ``key`` (reference or id). Before an approval the parties are
    screened again; if that raises hits, ``keep_hits`` is called and the approval is refused
    with ``screening.unresolved_hits`` naming them."""
    decisions.ensure_role_may_decide(actor)
    application_id = views.resolve_application_id(session, actor=actor, key=key)
    if data.outcome == "approved":
        decisions.check_may_approve(session, actor=actor, application_id=application_id)
        raised = screen_case(
            session, actor=actor, clock=clock, settings=settings, application_id=application_id
        )
        if raised:
            keep_hits()
            raise Conflict(
                f"screening before the decision raised {len(raised)} new hit(s); confirm or "
                "dismiss each before approving",
                code="screening.unresolved_hits",
                hits=[str(h.id) for h in raised],
            )
    return decisions.decide(
        session,
        actor=actor,
        clock=clock,
        settings=settings,
        application_id=application_id,
        data=data,
    )
