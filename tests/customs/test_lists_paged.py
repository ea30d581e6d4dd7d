"""Every list pages by the one contract, on both backends: following next_page_token from the
first page reaches every item once, in the stated order, with the total; no list is cut."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.customs import filing, views
from rarex.errors import InvalidInput
from rarex.licensing import views as licensing_views
from rarex.pagination import Page
from tests.customs.conftest import ApiUser, TestClient
from tests.customs.customs_factories import Licensed, declaration, licensed, line


def _walk(fetch: object, limit: int) -> tuple[list[object], int | None, str]:
    items: list[object] = []
    token = None
    while True:
        page = fetch(limit=limit, page_token=token)  # type: ignore[operator]
        assert isinstance(page, Page)
        assert len(page.items) <= limit
        items.extend(page.items)
        token = page.next_page_token
        if token is None:
            return items, page.total, page.order


def test_declarations_page_in_the_stated_order_and_none_is_cut(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    numbers = []
    for i in range(7):
        filed = filing.file_declaration(
            session,
            actor=setup.customs,
            clock=clock,
            settings=settings,
            data=declaration(
                setup, lines=[line(net_kg="1")], declared_date=f"2025-06-0{1 + i % 4}"
            ),
        )
        numbers.append(filed.number)

    def fetch(**kw: object) -> object:
        return views.list_declarations(session, actor=setup.customs, **kw)  # type: ignore[arg-type]

    whole, total, order = _walk(fetch, 200)
    assert total == 7
    assert order == "declared_date desc, number desc"
    keys = [(d.declared_date, d.number) for d in whole]  # type: ignore[attr-defined]
    assert keys == sorted(keys, reverse=True)
    assert {d.number for d in whole} == set(numbers)  # type: ignore[attr-defined]
    for limit in (1, 2, 3, 6):
        paged, paged_total, _ = _walk(fetch, limit)
        assert paged_total == 7
        assert [d.number for d in paged] == [d.number for d in whole]  # type: ignore[attr-defined]
    exporter_view, _, _ = _walk(
        lambda **kw: views.list_declarations(session, actor=setup.exporter, **kw),  # type: ignore[arg-type]
        2,
    )
    assert len(exporter_view) == 7


def test_applications_and_licenses_page_to_the_last_one(
    session: Session, clock: FixedClock, settings: Settings
) -> None:
    holders = [licensed(session, clock, settings, days_after=0) for _ in range(4)]
    officer = holders[0].licensing_officer

    def applications(**kw: object) -> object:
        return licensing_views.list_application_summaries(
            session,
            actor=officer,
            clock=clock,
            settings=settings,
            **kw,  # type: ignore[arg-type]
        )

    def licenses(**kw: object) -> object:
        return licensing_views.list_license_views(session, actor=officer, **kw)  # type: ignore[arg-type]

    for fetch, expected in ((applications, 4), (licenses, 4)):
        whole, total, _ = _walk(fetch, 200)
        assert total == len(whole) == expected
        for limit in (1, 3):
            paged, _, _ = _walk(fetch, limit)
            assert [x.id for x in paged] == [x.id for x in whole]  # type: ignore[attr-defined]
    mine, total, _ = _walk(
        lambda **kw: licensing_views.list_license_views(session, actor=holders[2].exporter, **kw),  # type: ignore[arg-type]
        1,
    )
    assert total == len(mine) == 1


def test_a_token_of_one_list_is_refused_by_another(
    session: Session, clock: FixedClock, settings: Settings, setup: Licensed
) -> None:
    for _ in range(2):
        filing.file_declaration(
            session, actor=setup.customs, clock=clock, settings=settings, data=declaration(setup)
        )
    page = views.list_declarations(session, actor=setup.customs, limit=1)
    assert page.next_page_token is not None
    with pytest.raises(InvalidInput) as refused:
        licensing_views.list_license_views(
            session, actor=setup.customs, page_token=page.next_page_token
        )
    assert refused.value.code == "pagination.bad_token"


def test_lists_over_http_answer_the_page_envelope(
    client: TestClient, api_user: type[ApiUser], setup: Licensed
) -> None:
    from rarex.auth.roles import Role

    officer = api_user(Role.CUSTOMS_OFFICER, actor=setup.customs)  # type: ignore[call-arg]
    for _ in range(3):
        created = client.post(
            "/api/v1/declarations",
            json=declaration(setup).model_dump(mode="json", exclude_none=True),
            headers=officer.headers,
        )
        assert created.status_code == 201, created.text
    first = client.get("/api/v1/declarations?limit=2", headers=officer.headers).json()
    assert set(first) == {"items", "next_page_token", "total", "order"}
    assert (len(first["items"]), first["total"]) == (2, 3)
    rest = client.get(
        "/api/v1/declarations",
        params={"limit": 2, "page_token": first["next_page_token"]},
        headers=officer.headers,
    ).json()
    assert (len(rest["items"]), rest["next_page_token"]) == (1, None)
    too_many = client.get("/api/v1/declarations?limit=201", headers=officer.headers)
    assert too_many.status_code == 422
    assert too_many.json()["code"] == "pagination.bad_limit"
    forged = client.get("/api/v1/declarations?page_token=bm90LWEtdG9rZW4", headers=officer.headers)
    assert forged.status_code == 422
    assert forged.json()["code"] == "pagination.bad_token"
