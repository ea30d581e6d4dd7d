"""A case's documents are listed from their metadata: their contents are never read with it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session, undefer

from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.licensing import filing, views
from rarex.models import Document
from tests.factories import application_data, attach_required_documents, make_actor, make_company


def test_the_case_view_lists_documents_without_reading_their_contents(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    app = filing.file_application(
        session, actor=exporter, clock=clock, settings=settings, data=application_data()
    )
    attach_required_documents(session, clock, settings, exporter, app)
    session.expunge_all()
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]).lower())

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", seen)
    try:
        view = views.application_view(
            session, actor=exporter, clock=clock, settings=settings, key=app.id
        )
    finally:
        event.remove(connection, "before_cursor_execute", seen)
    assert len(view.documents) == len(filing.REQUIRED_DOCUMENTS)
    reads = [s for s in statements if "from documents" in s]
    assert reads
    assert not any("documents.content" in s for s in reads)
    document = session.scalars(select(Document).limit(1)).one()
    with pytest.raises(InvalidRequestError):
        _ = document.content  # a read by accident is an error, not a silent download
    full = session.scalars(select(Document).options(undefer(Document.content)).limit(1)).one()
    assert full.content.startswith(b"%PDF")
