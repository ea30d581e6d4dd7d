"""Queries of the partner room: what a page of partner views needs, for all its rows at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.models import ApplicationLine, Decision, License


def lines_of_applications(
    session: Session, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ApplicationLine]]:
    found: dict[uuid.UUID, list[ApplicationLine]] = {i: [] for i in application_ids}
    if not application_ids:
        return found
    for line in session.scalars(
        select(ApplicationLine)
        .where(ApplicationLine.application_id.in_(list(application_ids)))
        .order_by(ApplicationLine.application_id, ApplicationLine.line_no)
    ):
        found[line.application_id].append(line)
    return found


def decisions_of(
    session: Session, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Decision]:
    if not application_ids:
        return {}
    rows = session.scalars(select(Decision).where(Decision.application_id.in_(application_ids)))
    return {decision.application_id: decision for decision in rows}


def license_numbers_of(
    session: Session, application_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str]:
    if not application_ids:
        return {}
    rows = session.execute(
        select(License.application_id, License.number).where(
            License.application_id.in_(application_ids)
        )
    )
    return {application_id: number for application_id, number in rows}
