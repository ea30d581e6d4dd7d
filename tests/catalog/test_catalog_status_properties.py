"""Properties of the status rule, for arbitrary dates and arbitrary entries."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from rarex.catalog import (
    Announcement,
    AnnouncementKind,
    ControlEntry,
    ControlList,
    EntryStatus,
    load_control_list,
)
from rarex.catalog.codes import parse_control_code

DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
LISTING = Announcement(
    id="TEST-2020-1",
    number="测试公告2020年第1号",
    kind=AnnouncementKind.LIST,
    title="Lists the test item",
    published_on=date(2020, 1, 1),
    effective_on=date(2020, 1, 1),
)
SUSPENDING = Announcement(
    id="TEST-2020-2",
    number="测试公告2020年第2号",
    kind=AnnouncementKind.SUSPENSION,
    title="Suspends the test item",
    published_on=date(2020, 1, 1),
    effective_on=date(2020, 1, 1),
)


@st.composite
def entries(draw: st.DrawFn) -> ControlEntry:
    effective_from = draw(DAYS)
    suspended_from = suspended_until = None
    if draw(st.booleans()):
        suspended_from = draw(DAYS)
        suspended_until = suspended_from + timedelta(days=draw(st.integers(0, 800)))
    repealed_on = draw(st.none() | DAYS)
    return ControlEntry(
        code="1C999.a",
        element=None,
        description="Test item",
        item_forms=("metal",),
        hs_codes=("2805301910",),
        announcement=LISTING,
        effective_from=effective_from,
        suspended_from=suspended_from,
        suspended_until=suspended_until,
        suspension_announcement=SUSPENDING if suspended_from else None,
        repealed_on=repealed_on,
    )


def _suspended_on(entry: ControlEntry, d: date) -> bool:
    if entry.suspended_from is None or entry.suspended_until is None:
        return False
    return entry.suspended_from <= d <= entry.suspended_until


@given(entry=entries(), d=DAYS)
def test_in_force_iff_effective_and_neither_suspended_nor_repealed(
    entry: ControlEntry, d: date
) -> None:
    status = entry.status_on(d)
    repealed = entry.repealed_on is not None and d >= entry.repealed_on

    assert status in set(EntryStatus)
    assert (status is EntryStatus.IN_FORCE) == (
        entry.effective_from <= d and not _suspended_on(entry, d) and not repealed
    )
    assert (status is EntryStatus.REPEALED) == repealed
    assert (status is EntryStatus.SUSPENDED) == (_suspended_on(entry, d) and not repealed)


@given(entry=entries(), d=DAYS)
def test_every_status_has_a_reason_citing_the_listing_announcement(
    entry: ControlEntry, d: date
) -> None:
    reason = entry.reason_on(d)

    assert "Announcement 2020 No. 1" in reason
    if entry.status_on(d) is EntryStatus.SUSPENDED:
        assert "Announcement 2020 No. 2" in reason


@given(entry=entries(), d=DAYS)
def test_controlled_iff_some_match_is_in_force(entry: ControlEntry, d: date) -> None:
    catalog = ControlList(version="test", announcements=[LISTING, SUSPENDING], entries=[entry])

    by_code = catalog.check_code("1C999", d)
    by_hs = catalog.check_hs("2805301910", d)

    assert by_code.controlled == entry.in_force_on(d) == by_hs.controlled
    assert by_code.to_dict()["matches"][0]["in_force"] == entry.in_force_on(d)


@given(d=DAYS)
def test_shipped_list_statuses_agree_with_checks(d: date) -> None:
    catalog = load_control_list()
    for entry in catalog.entries:
        [match] = catalog.check_code(entry.code, d).matches
        assert match.status is entry.status_on(d)
        assert match.in_force == (match.status is EntryStatus.IN_FORCE)


@given(
    code=st.sampled_from([e.code for e in load_control_list().entries]),
    upper=st.lists(st.booleans(), min_size=7, max_size=7),
    spaces=st.lists(st.sampled_from(["", " ", "\t"]), min_size=8, max_size=8),
)
def test_control_code_spelling_never_changes_the_entry(
    code: str, upper: list[bool], spaces: list[str]
) -> None:
    cased = "".join(c.upper() if u else c.lower() for c, u in zip(code, upper, strict=True))
    spelled = "".join(s + c for s, c in zip(spaces, cased, strict=False)) + spaces[-1]

    assert parse_control_code(spelled).code == code
