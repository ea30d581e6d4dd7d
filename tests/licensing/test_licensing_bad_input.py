"""Bad input is refused with its own error code, and the refusal writes nothing: every table
has as many rows afterwards as before, and the application looks the same."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.api.problems import status_for
from rarex.auth.roles import Actor, Role
from rarex.auth.service import declare_conflict
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.db import Base
from rarex.errors import DomainError
from rarex.licensing import decisions, filing, review, views
from rarex.licensing.schemas import ApplicationAmend, ApplicationCreate, DecisionIn
from rarex.licensing.states import Action
from rarex.models import Application, Company
from rarex.parties.service import register_company
from tests.factories import (
    application_data,
    filed_and_accepted,
    make_actor,
    make_company,
    make_uscc,
)


def snapshot(session: Session) -> dict[str, int]:
    """Row counts of every table."""
    session.flush()
    return {
        table.name: session.scalar(select(func.count()).select_from(table)) or 0
        for table in Base.metadata.sorted_tables
    }


def _line(**overrides: Any) -> dict[str, Any]:
    line = {
        "control_code": "1C905.a",
        "hs_code": "2805301200",
        "description": "Dysprosium metal",
        "quantity_kg": "500",
        "value": "250000",
        "currency": "USD",
    }
    line.update(overrides)
    return line


FILING_CASES = [
    pytest.param(
        {"lines": [_line(control_code="1C999.a")]},
        "catalog.unknown_control_code",
        id="unknown control code",
    ),
    pytest.param(
        {"lines": [_line(control_code="dysprosium")]},
        "catalog.malformed_control_code",
        id="malformed control code",
    ),
    pytest.param(
        {"lines": [_line(control_code="1C905")]},
        "catalog.unknown_control_code",
        id="bare base code",
    ),
    pytest.param(
        {"lines": [_line(hs_code="9999999999")]}, "catalog.unknown_hs_code", id="unknown HS code"
    ),
    pytest.param(
        {"lines": [_line(hs_code="28053")]}, "catalog.malformed_hs_code", id="malformed HS code"
    ),
    pytest.param(
        {"lines": [_line(hs_code="2805301300")]},
        "catalog.hs_code_mismatch",
        id="HS code of another item",
    ),
    pytest.param(
        {"lines": [_line(quantity_kg="-5")]},
        "application.quantity_not_positive",
        id="negative quantity",
    ),
    pytest.param(
        {"lines": [_line(quantity_kg="0")]}, "application.quantity_not_positive", id="zero quantity"
    ),
    pytest.param(
        {"lines": [_line(quantity_kg="100000000.001")]},
        "application.quantity_absurd",
        id="absurd quantity",
    ),
    pytest.param(
        {"lines": [_line(quantity_kg="1" + "0" * 30)]},
        "application.quantity_absurd",
        id="astronomical quantity",
    ),
    pytest.param(
        {"lines": [_line(quantity_kg="1.0001")]},
        "application.invalid_quantity",
        id="sub-gram quantity",
    ),
    pytest.param({"lines": [_line(value="-1")]}, "application.invalid_value", id="negative value"),
    pytest.param(
        {"lines": [_line(currency="ZZZ")]}, "application.unknown_currency", id="unknown currency"
    ),
    pytest.param(
        {"end_use_category": "space_lasers"}, "application.unknown_end_use", id="unknown end use"
    ),
    pytest.param(
        {"end_use_statement": "   "},
        "application.end_use_statement_required",
        id="empty end-use statement",
    ),
    pytest.param({"destination": "XQ"}, "party.unknown_country", id="unknown destination"),
    pytest.param(
        {"end_user": {"name": "Somebody", "country": "Atlantis"}},
        "party.unknown_country",
        id="unknown end-user country",
    ),
    pytest.param(
        {"destination": "DE", "end_user": {"name": "Somebody", "country": "XX"}},
        "party.unknown_country",
        id="unknown end-user country with a valid destination",
    ),
    pytest.param(
        {"consignee": {"name": "Somebody", "country": "XX"}},
        "party.unknown_country",
        id="unknown consignee country",
    ),
    pytest.param(
        {"lines": [_line(), _line(currency="ZZZ")]},
        "application.unknown_currency",
        id="second line bad after a good first line",
    ),
]


@pytest.mark.parametrize(("overrides", "code"), FILING_CASES)
def test_a_bad_filing_is_refused_with_its_code_and_writes_nothing(
    session: Session, clock: FixedClock, settings: Settings, overrides: dict[str, Any], code: str
) -> None:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    before = snapshot(session)
    with pytest.raises(DomainError) as caught:
        filing.file_application(
            session,
            actor=exporter,
            clock=clock,
            settings=settings,
            data=application_data(**overrides),
        )
    assert caught.value.code == code
    assert status_for(caught.value) == 422
    assert snapshot(session) == before


@pytest.mark.parametrize(
    ("uscc", "code"),
    [
        ("91110000MA01ABCDEX", "party.invalid_uscc_check"),
        ("9111000012345678", "party.invalid_uscc_length"),
        ("91110000MA01ABCD!Z", "party.invalid_uscc_character"),
    ],
)
def test_an_invalid_social_credit_code_is_refused_on_filing_and_registration(
    session: Session, clock: FixedClock, settings: Settings, uscc: str, code: str
) -> None:
    admin = make_actor(session, clock, Role.ADMINISTRATOR)
    before = snapshot(session)
    with pytest.raises(DomainError) as filed:
        filing.file_application(
            session,
            actor=admin,
            clock=clock,
            settings=settings,
            data=application_data(exporter_uscc=uscc),
        )
    with pytest.raises(DomainError) as registered:
        register_company(session, clock=clock, actor=admin, uscc=uscc, name="Bad Code Co.")
    assert filed.value.code == code
    assert registered.value.code == code
    assert snapshot(session) == before


def test_a_valid_but_unregistered_social_credit_code_is_not_found(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    admin = make_actor(session, clock, Role.ADMINISTRATOR)
    before = snapshot(session)
    with pytest.raises(DomainError) as caught:
        filing.file_application(
            session,
            actor=admin,
            clock=clock,
            settings=settings,
            data=application_data(exporter_uscc=make_uscc(99_999_999)),
        )
    assert (caught.value.code, status_for(caught.value)) == ("party.company_not_found", 404)
    assert snapshot(session) == before


def test_an_exporter_cannot_file_for_another_company(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    mine, theirs = make_company(session, clock), make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=mine)
    before = snapshot(session)
    with pytest.raises(DomainError) as caught:
        filing.file_application(
            session,
            actor=exporter,
            clock=clock,
            settings=settings,
            data=application_data(exporter_uscc=theirs.uscc),
        )
    assert (caught.value.code, status_for(caught.value)) == ("auth.wrong_company", 403)
    assert snapshot(session) == before


@pytest.mark.parametrize("role", [Role.CUSTOMS_OFFICER, Role.ANALYST, Role.PARTNER_AUTHORITY])
def test_roles_outside_filing_cannot_file(
    session: Session, clock: FixedClock, settings: Settings, role: Role
) -> None:
    company = make_company(session, clock)
    someone = make_actor(session, clock, role)
    before = snapshot(session)
    with pytest.raises(DomainError) as caught:
        filing.file_application(
            session,
            actor=someone,
            clock=clock,
            settings=settings,
            data=application_data(exporter_uscc=company.uscc),
        )
    assert (caught.value.code, status_for(caught.value)) == ("auth.role_required", 403)
    assert snapshot(session) == before


def test_the_schema_refuses_unknown_fields() -> None:
    data = application_data().model_dump(mode="json")
    data["lines"][0]["colour"] = "green"
    with pytest.raises(ValueError, match="colour"):
        ApplicationCreate.model_validate(data)


# --- refusals on an existing application --------------------------------------------------------


class Setting:
    def __init__(self, session: Session, clock: FixedClock, settings: Settings) -> None:
        self.session, self.clock, self.settings = session, clock, settings
        self.company: Company = make_company(session, clock)
        self.exporter = make_actor(session, clock, Role.EXPORTER, company=self.company)
        self.officer = make_actor(session, clock, Role.LICENSING_OFFICER)
        self.customs = make_actor(session, clock, Role.CUSTOMS_OFFICER)
        self.draft = filing.file_application(
            session, actor=self.exporter, clock=clock, settings=settings, data=application_data()
        )
        self.in_review = filed_and_accepted(session, clock, settings, self.exporter, self.officer)
        self.conflicted = make_actor(session, clock, Role.LICENSING_OFFICER)
        declare_conflict(
            session,
            clock=clock,
            actor=None,
            user_id=self.conflicted.user_id,
            company_id=self.company.id,
            reason="Brother-in-law is the applicant's director",
        )

    def view(self, app: Application) -> dict[str, Any]:
        return views.application_view(
            self.session, actor=self.officer, clock=self.clock, settings=self.settings, key=app.id
        ).model_dump()

    def attach(self, app: Application, *, actor: Actor | None = None, **overrides: Any) -> None:
        data: dict[str, Any] = {
            "kind": "contract",
            "filename": "contract.pdf",
            "media_type": "application/pdf",
            "content": b"%PDF-1.4 contract",
        }
        data.update(overrides)
        filing.attach_document(
            self.session,
            actor=actor or self.exporter,
            clock=self.clock,
            settings=self.settings,
            application_id=app.id,
            **data,
        )

    def move(self, app: Application, actor: Actor, action: Action, **kw: Any) -> None:
        review.transition(
            self.session,
            actor=actor,
            clock=self.clock,
            settings=self.settings,
            application_id=app.id,
            action=action,
            **kw,
        )

    def decide(self, app: Application, actor: Actor, **kw: Any) -> None:
        kw.setdefault("outcome", "approved")
        kw.setdefault("reason", "ok")
        decisions.decide(
            self.session,
            actor=actor,
            clock=self.clock,
            settings=self.settings,
            application_id=app.id,
            data=DecisionIn(**kw),
        )


@pytest.fixture
def world(session: Session, clock: FixedClock, settings: Settings) -> Setting:
    return Setting(session, clock, settings)


REFUSALS: list[tuple[str, Any, str, int]] = [
    (
        "oversized document",
        lambda w: w.attach(w.draft, content=b"x" * (w.settings.max_document_bytes + 1)),
        "document.too_large",
        413,
    ),
    ("empty document", lambda w: w.attach(w.draft, content=b""), "document.empty", 422),
    (
        "unknown document kind",
        lambda w: w.attach(w.draft, kind="selfie"),
        "document.unknown_kind",
        422,
    ),
    (
        "unknown media type",
        lambda w: w.attach(w.draft, media_type="application/x-msdownload"),
        "document.unsupported_media_type",
        422,
    ),
    (
        "document after acceptance",
        lambda w: w.attach(w.in_review),
        "application.not_amendable",
        422,
    ),
    (
        "officer attaching a document",
        lambda w: w.attach(w.draft, actor=w.officer),
        "auth.not_applicant",
        403,
    ),
    (
        "illegal transition",
        lambda w: w.move(w.draft, w.officer, Action.ACCEPT),
        "application.illegal_transition",
        409,
    ),
    (
        "exporter accepting",
        lambda w: w.move(w.in_review, w.exporter, Action.ACCEPT),
        "auth.role_required",
        403,
    ),
    ("customs deciding", lambda w: w.decide(w.in_review, w.customs), "auth.role_required", 403),
    ("exporter deciding", lambda w: w.decide(w.in_review, w.exporter), "auth.role_required", 403),
    (
        "officer with a declared conflict deciding",
        lambda w: w.decide(w.in_review, w.conflicted),
        "auth.conflict_of_interest",
        403,
    ),
    (
        "amending an application under review",
        lambda w: filing.amend_application(
            w.session, actor=w.exporter, clock=w.clock, settings=w.settings,
            application_id=w.in_review.id, data=ApplicationAmend(contract_reference="C-2"),
        ),
        "application.not_amendable",
        422,
    ),
    (
        "amending to an empty end-use statement",
        lambda w: filing.amend_application(
            w.session, actor=w.exporter, clock=w.clock, settings=w.settings,
            application_id=w.draft.id, data=ApplicationAmend(end_use_statement="  "),
        ),
        "application.end_use_statement_required",
        422,
    ),
    (
        "amending with a bad end user after a good consignee",
        lambda w: filing.amend_application(
            w.session, actor=w.exporter, clock=w.clock, settings=w.settings,
            application_id=w.draft.id,
            data=ApplicationAmend.model_validate(
                {
                    "destination": "FR",
                    "consignee": {"name": "New Consignee SARL", "country": "FR"},
                    "end_user": {"name": "Nobody", "country": "XX"},
                }
            ),
        ),
        "party.unknown_country",
        422,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("attempt", "code", "status"),
    [(a, c, s) for _, a, c, s in REFUSALS],
    ids=[name for name, *_ in REFUSALS],
)
def test_a_refused_step_names_its_code_and_leaves_the_application_as_it_was(
    world: Setting, session: Session, attempt: Any, code: str, status: int
) -> None:
    views_before = (world.view(world.draft), world.view(world.in_review))
    before = snapshot(session)
    with pytest.raises(DomainError) as caught:
        attempt(world)
    assert (caught.value.code, status_for(caught.value)) == (code, status)
    session.expire_all()
    assert snapshot(session) == before
    assert (world.view(world.draft), world.view(world.in_review)) == views_before


def test_a_reference_already_taken_is_drawn_again_rather_than_failing_the_filing(
    session: Session, clock: FixedClock, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    company = make_company(session, clock)
    exporter = make_actor(session, clock, Role.EXPORTER, company=company)
    first = filing.file_application(
        session, actor=exporter, clock=clock, settings=settings, data=application_data()
    )
    # The next id shares its first eight hex digits (the reference) with the first filing's.
    clash = uuid.UUID(first.id.hex[:8] + "0" * 24)
    fresh = uuid.uuid4()
    draws = iter([clash, fresh])
    monkeypatch.setattr(uuid, "uuid4", lambda: next(draws))
    second = filing.file_application(
        session, actor=exporter, clock=clock, settings=settings, data=application_data()
    )
    assert second.id == fresh
    assert second.reference != first.reference
