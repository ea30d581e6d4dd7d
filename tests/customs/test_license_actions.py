"""Licensing officers suspend, reinstate and revoke licenses, with a reason, audited; a
suspended or revoked license clears nothing. Service, API and CLI, on both backends."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from rarex.audit.service import events_for, verify
from rarex.auth.roles import Role
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import filing
from rarex.errors import Forbidden, InvalidInput, InvalidTransition, NotFound
from rarex.licensing import license_actions, views
from rarex.licensing.license_states import LicenseAction, LicenseStatus
from tests.customs.conftest import ApiUser, TestClient
from tests.customs.customs_factories import Licensed, declaration, line
from tests.factories import make_actor


def _act(
    session: Session, clock: FixedClock, setup: Licensed, action: LicenseAction, **kw: object
) -> LicenseStatus:
    return license_actions.act_on_license(
        session,
        actor=kw.pop("actor", setup.licensing_officer),  # type: ignore[arg-type]
        clock=clock,
        number=setup.license.number,
        action=action,
        reason=str(kw.pop("reason", "end use under review")),
    )


def _file(session: Session, clock: FixedClock, settings: Settings, setup: Licensed, kg: str):  # type: ignore[no-untyped-def]
    return filing.file_declaration(
        session,
        actor=setup.customs,
        clock=clock,
        settings=settings,
        data=declaration(setup, lines=[line(net_kg=kg)]),
    )


def _status(session: Session, setup: Licensed) -> str:
    view = views.license_view(session, actor=setup.licensing_officer, number=setup.license.number)
    return view.status


def test_a_suspended_license_clears_nothing_until_reinstated(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    assert _act(session, clock, setup, LicenseAction.SUSPEND) is LicenseStatus.SUSPENDED
    assert _status(session, setup) == "suspended"
    refused = _file(session, clock, settings, setup, "100")
    assert refused.status == "refused"
    assert _act(session, clock, setup, LicenseAction.REINSTATE) is LicenseStatus.ACTIVE
    cleared = _file(session, clock, settings, setup, "100")
    assert cleared.status == "cleared"
    events = events_for(session, subject_id=str(setup.license.id))
    assert [e.action for e in events][-2:] == ["license.suspend", "license.reinstate"]
    assert json.loads(events[-2].payload_json)["reason"] == "end use under review"
    assert verify(session).ok


def test_reinstating_a_spent_single_license_leaves_it_exhausted(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    assert _file(session, clock, settings, setup, "500").status == "cleared"
    assert _status(session, setup) == "exhausted"
    _act(session, clock, setup, LicenseAction.SUSPEND)
    assert _act(session, clock, setup, LicenseAction.REINSTATE) is LicenseStatus.EXHAUSTED


def test_revocation_is_final(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    _act(session, clock, setup, LicenseAction.REVOKE, reason="end-use breach")
    for action in (LicenseAction.REINSTATE, LicenseAction.SUSPEND, LicenseAction.REVOKE):
        with pytest.raises(InvalidTransition) as refused:
            _act(session, clock, setup, action)
        assert refused.value.code == "license.illegal_transition"
    assert _file(session, clock, settings, setup, "1").status == "refused"


def test_a_cancelled_declaration_gives_back_to_a_suspended_license(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    from rarex.customs import officer

    filed = _file(session, clock, settings, setup, "200")
    _act(session, clock, setup, LicenseAction.SUSPEND)
    officer.cancel_declaration(
        session, actor=setup.customs, clock=clock, number=filed.number, reason="withdrawn"
    )
    view = views.license_view(session, actor=setup.licensing_officer, number=setup.license.number)
    assert view.status == "suspended"
    assert view.lines[0].remaining_kg == Decimal("500.000")


@pytest.mark.parametrize(
    "role", [Role.EXPORTER, Role.CUSTOMS_OFFICER, Role.ANALYST, Role.PARTNER_AUTHORITY]
)
def test_only_licensing_officers_and_administrators_act_on_licenses(
    session: Session, clock: FixedClock, setup: Licensed, role: Role
) -> None:
    actor = make_actor(
        session, clock, role, company=setup.company if role is Role.EXPORTER else None
    )
    with pytest.raises(Forbidden):
        _act(session, clock, setup, LicenseAction.SUSPEND, actor=actor)
    admin = make_actor(session, clock, Role.ADMINISTRATOR)
    assert _act(session, clock, setup, LicenseAction.SUSPEND, actor=admin) is (
        LicenseStatus.SUSPENDED
    )


def test_bad_license_steps_are_refused_with_their_own_codes(
    session: Session, clock: FixedClock, setup: Licensed
) -> None:
    with pytest.raises(InvalidInput) as blank:
        _act(session, clock, setup, LicenseAction.SUSPEND, reason="   ")
    assert blank.value.code == "license.reason_required"
    with pytest.raises(InvalidInput) as unknown:
        license_actions.parse_license_action("exhaust")  # follows the balance, never asked
    assert unknown.value.code == "license.unknown_action"
    with pytest.raises(NotFound):
        license_actions.act_on_license(
            session,
            actor=setup.licensing_officer,
            clock=clock,
            number="DUL-NO-SUCH",
            action=LicenseAction.SUSPEND,
            reason="x",
        )
    assert _status(session, setup) == "active"


def test_license_actions_over_http(
    client: TestClient, api_user: type[ApiUser], setup: Licensed
) -> None:
    officer = api_user(Role.LICENSING_OFFICER, actor=setup.licensing_officer)  # type: ignore[call-arg]
    url = f"/api/v1/licenses/{setup.license.number}/actions"
    suspended = client.post(
        url, json={"action": "suspend", "reason": "review"}, headers=officer.headers
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    again = client.post(url, json={"action": "suspend", "reason": "x"}, headers=officer.headers)
    assert again.status_code == 409
    customs = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)  # type: ignore[call-arg]
    forbidden = client.post(
        url, json={"action": "reinstate", "reason": "x"}, headers=customs.headers
    )
    assert forbidden.status_code == 403
    unknown = client.post(url, json={"action": "wave", "reason": "x"}, headers=officer.headers)
    assert unknown.status_code == 422
