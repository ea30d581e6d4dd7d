"""A user's e-mail address and language: checked, normalised, changed by the user or an
administrator only, audited without the address."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.auth.contact import checked_email, checked_language, set_contact
from rarex.auth.roles import Role
from rarex.auth.service import create_user
from rarex.clock import FixedClock
from rarex.errors import Forbidden, InvalidInput
from rarex.models import AuditEvent, User
from tests.factories import make_actor


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("li.wei@mofcom.example", "li.wei@mofcom.example"),
        ("  Li.Wei@MOFCOM.Example ", "Li.Wei@mofcom.example"),
        ("", None),
        (None, None),
        ("用户@例子.广告", "用户@例子.广告"),
    ],
)
def test_an_address_is_kept_as_normalised(typed: str | None, stored: str | None) -> None:
    assert checked_email(typed) == stored


@pytest.mark.parametrize(
    "typed", ["li.wei", "li wei@example.org", "a@b@example.org", "x@" + "e" * 250 + ".org"]
)
def test_a_malformed_address_is_refused_with_its_code(typed: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked_email(typed)
    assert refused.value.code == "auth.invalid_email"
    assert refused.value.details["field"] == "email"


def test_languages_are_the_pages_codes() -> None:
    assert checked_language("en") == "en"
    assert checked_language(" zh ") == "zh"
    for other in ("zh-Hans", "fr", ""):
        with pytest.raises(InvalidInput) as refused:
            checked_language(other)
        assert refused.value.code == "auth.unknown_language"


def test_a_user_is_created_with_an_address_and_a_language(
    session: Session, clock: FixedClock
) -> None:
    user = create_user(
        session, clock=clock, actor=None, username="eu.desk", display_name="EU desk",
        role=Role.PARTNER_AUTHORITY, partner_groups=["EU"], email="desk@eu.example",
        language="zh",
    )  # fmt: skip
    assert (user.email, user.language) == ("desk@eu.example", "zh")
    plain = make_actor(session, clock, Role.ANALYST)
    stored = session.get(User, plain.user_id)
    assert stored is not None
    assert (stored.email, stored.language) == (None, "en")


def test_a_user_changes_their_own_contact_and_the_audit_keeps_no_address(
    session: Session, clock: FixedClock
) -> None:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    user = set_contact(
        session, clock=clock, actor=officer, username=officer.username,
        email="officer@mofcom.example", language="zh",
    )  # fmt: skip
    assert (user.email, user.language) == ("officer@mofcom.example", "zh")
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.contact_changed")
    ).one()
    payload = json.loads(event.payload_json)
    assert payload["email_set"] is True
    assert "officer@mofcom.example" not in event.payload_json
    # what is not given stays; an empty address clears it
    set_contact(session, clock=clock, actor=officer, username=officer.username, email="")
    assert (user.email, user.language) == (None, "zh")


def test_another_users_contact_is_the_administrators_to_change(
    session: Session, clock: FixedClock
) -> None:
    officer = make_actor(session, clock, Role.LICENSING_OFFICER)
    other = make_actor(session, clock, Role.ANALYST)
    with pytest.raises(Forbidden):
        set_contact(session, clock=clock, actor=officer, username=other.username, language="zh")
    admin = make_actor(session, clock, Role.ADMINISTRATOR)
    changed = set_contact(session, clock=clock, actor=admin, username=other.username, language="zh")
    assert changed.language == "zh"
