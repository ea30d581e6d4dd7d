"""Three defects found by trying customs as a new user would, each fixed in the one posting
function (``customs.posting``), on both backends:

* a line held because its destination is not on the license is released only against a
  license that covers that destination, and never draws the license that does not;
* a line that no longer draws (held, cancelled, amended away) stops saying it draws;
* license reconciliation counts only controlled goods as declared against a license.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import filing, officer, views
from rarex.customs.reconciliation import reconcile_licenses
from rarex.customs.states import LineAction
from rarex.errors import Conflict
from rarex.licensing import repository as licensing_repository
from rarex.models import License
from rarex.models.customs import LicenseDrawdown
from tests.customs.customs_factories import Licensed, declaration, line
from tests.factories import approve, filed_and_accepted


def _file(session: Session, clock: FixedClock, settings: Settings, setup: Licensed, **kw: Any):  # type: ignore[no-untyped-def]
    return filing.file_declaration(
        session, actor=setup.customs, clock=clock, settings=settings, data=declaration(setup, **kw)
    )


def _release(
    session: Session, clock: FixedClock, setup: Licensed, number: str, **kw: Any
) -> object:
    return officer.act_on_line(
        session,
        actor=setup.customs,
        clock=clock,
        number=number,
        line_no=1,
        action=LineAction.RELEASE,
        reason="checked with the consignee",
        **kw,
    )


def _balance(session: Session, license_: License) -> Decimal:
    (only,) = licensing_repository.license_lines(session, license_.id)
    return only.remaining_kg


def _second_license(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, destination: str
) -> License:
    """Another license of the same exporter, for ``destination``."""
    app = filed_and_accepted(
        session,
        clock,
        settings,
        setup.exporter,
        setup.licensing_officer,
        destination=destination,
        consignee={"name": "Wiener Magnetwerke GmbH", "country": destination},
        end_user={"name": "Wiener Magnetwerke GmbH", "country": destination},
    )
    approve(session, clock, settings, setup.licensing_officer, app)
    clock.advance(timedelta(days=1))
    license_ = licensing_repository.license_for_application(session, app.id)
    assert license_ is not None
    return license_


def test_a_line_held_for_its_destination_is_not_released_against_the_license_that_lacks_it(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    held = _file(session, clock, settings, setup, destination="AT")
    assert held.status == "held"
    with pytest.raises(Conflict) as refused:
        _release(session, clock, setup, held.number)
    assert refused.value.code == "customs.release_needs_covering_license"
    assert "AT" in refused.value.message
    view = views.declaration_view(session, actor=setup.customs, number=held.number)
    assert view.lines[0].status == "held"
    assert view.lines[0].drawn_kg == 0
    assert _balance(session, setup.license) == Decimal("500.000")
    assert session.scalars(select(LicenseDrawdown)).all() == []


def test_a_line_held_for_its_destination_is_released_against_a_license_that_covers_it(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    covering = _second_license(session, clock, settings, setup, "AT")
    held = _file(session, clock, settings, setup, destination="AT")
    released = _release(session, clock, setup, held.number, covering_license=covering.number)
    assert getattr(released, "status", None) == "cleared"
    assert _balance(session, setup.license) == Decimal("500.000")  # the DE license: untouched
    assert _balance(session, covering) == Decimal("400.000")
    view = views.declaration_view(session, actor=setup.customs, number=held.number)
    assert view.lines[0].status == "cleared"
    assert view.history[-1].details["license"] == covering.number
    # Cancelling gives the kilograms back to the license they came from.
    officer.cancel_declaration(
        session, actor=setup.customs, clock=clock, number=held.number, reason="withdrawn"
    )
    assert _balance(session, covering) == Decimal("500.000")
    (report,) = reconcile_licenses(session, actor=setup.customs, number=covering.number)
    assert report.flags == ()


def test_a_line_released_against_another_license_for_the_wrong_destination_stays_held(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    other = _second_license(session, clock, settings, setup, "AT")
    held = _file(session, clock, settings, setup, destination="FR")
    with pytest.raises(Conflict) as refused:
        _release(session, clock, setup, held.number, covering_license=other.number)
    assert refused.value.code == "customs.release_needs_covering_license"
    with pytest.raises(Conflict) as unknown:
        _release(session, clock, setup, held.number, covering_license="DUL-NO-SUCH")
    assert unknown.value.code == "customs.license_not_found"
    assert _balance(session, other) == Decimal("500.000")
    refused_line = officer.act_on_line(
        session,
        actor=setup.customs,
        clock=clock,
        number=held.number,
        line_no=1,
        action=LineAction.REFUSE,
        reason="no license for France",
    )
    assert refused_line.status == "refused"


@pytest.mark.parametrize("step", ["hold", "cancel", "amend"])
def test_a_line_that_no_longer_draws_stops_saying_it_draws(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed, step: str
) -> None:
    filed = _file(session, clock, settings, setup, lines=[line(net_kg="250")])
    before = views.declaration_view(session, actor=setup.customs, number=filed.number)
    assert "customs.drawn" in {r.code for r in before.lines[0].reasons}
    if step == "hold":
        officer.act_on_line(
            session,
            actor=setup.customs,
            clock=clock,
            number=filed.number,
            line_no=1,
            action=LineAction.HOLD,
            reason="inspection",
        )
        after = views.declaration_view(session, actor=setup.customs, number=filed.number)
        old_line = after.lines[0]
    elif step == "cancel":
        officer.cancel_declaration(
            session, actor=setup.customs, clock=clock, number=filed.number, reason="withdrawn"
        )
        after = views.declaration_view(session, actor=setup.customs, number=filed.number)
        old_line = after.lines[0]
    else:
        from rarex.customs.schemas import DeclarationAmend
        from rarex.models.customs import DeclarationLine

        filing.amend_declaration(
            session,
            actor=setup.customs,
            clock=clock,
            settings=settings,
            number=filed.number,
            data=DeclarationAmend(reason="reweighed", lines=[line(net_kg="100")]),
        )
        (old_line,) = session.scalars(
            select(DeclarationLine).where(
                DeclarationLine.declaration_id == filed.id, DeclarationLine.revision == 1
            )
        )
    codes = {r["code"] if isinstance(r, dict) else r.code for r in old_line.reasons}
    assert "customs.drawn" not in codes
    assert "customs.restored" in codes
    messages = " ".join(
        r["message"] if isinstance(r, dict) else r.message for r in old_line.reasons
    )
    assert "leaving" not in messages
    assert "250" in messages  # says what came back


def test_reconciliation_counts_only_controlled_goods_as_declared_against_a_license(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    _file(
        session,
        clock,
        settings,
        setup,
        lines=[
            line(net_kg="120"),
            # NdFeB magnets without dysprosium: need no license, cited license or not.
            line(hs_code="8505111000", control_code=None, net_kg="2080"),
        ],
    )
    (report,) = reconcile_licenses(session, actor=setup.customs, number=setup.license.number)
    assert report.declared_kg == Decimal("120.000")
    assert report.drawn_kg == Decimal("120.000")
    assert report.granted_kg == Decimal("500.000")
