"""The difference of a list version against the active one, and the shrink rule: pure."""

from __future__ import annotations

import uuid

import pytest

from rarex.auth.roles import Actor, Role
from rarex.errors import InvalidInput
from rarex.screening.errors import ShrinkRefused
from rarex.screening.list_diff import check_shrink, difference
from rarex.screening.records import EntryName, ListEntry, PartyKind

ADMIN = Actor(uuid.uuid4(), "admin", Role.ADMINISTRATOR, channel="cli:ops")


def entry(n: int, name: str | None = None) -> ListEntry:
    return ListEntry(
        source="cn-mofcom",
        entry_id=f"e{n}",
        list_name="control_list",
        kind=PartyKind.ORGANIZATION,
        names=(EntryName(name or f"Company {n}"),),
    )


def listed(entries: list[ListEntry]) -> dict[str, tuple[str, str]]:
    return {e.entity_id: (e.content_hash(), e.primary_name) for e in entries}


def hashes(entries: list[ListEntry]) -> dict[str, str]:
    return {e.entity_id: e.content_hash() for e in entries}


def test_added_changed_and_removed_are_told_apart_and_named() -> None:
    before = [entry(1), entry(2), entry(3)]
    after = [entry(1), entry(2, "Company Two Renamed"), entry(4)]
    diff = difference(listed(before), after, hashes(after), active_version="v1")
    assert [e.entity_id for e in diff.added] == ["cn-mofcom:e4"]
    assert [(e.entity_id, e.name) for e in diff.changed] == [
        ("cn-mofcom:e2", "Company Two Renamed")
    ]
    assert [(e.entity_id, e.name) for e in diff.removed] == [("cn-mofcom:e3", "Company 3")]
    assert [e.entity_id for e in diff.delta] == ["cn-mofcom:e2", "cn-mofcom:e4"]
    assert diff.counts() == {
        "active_version": "v1",
        "before": 3,
        "after": 3,
        "added": 1,
        "changed": 1,
        "removed": 1,
        "removed_share": 0.3333,
    }
    assert diff.to_dict()["entries"]["removed"] == [
        {"entity_id": "cn-mofcom:e3", "name": "Company 3"}
    ]


def test_a_first_version_removes_nothing_and_is_never_a_shrink() -> None:
    after = [entry(1)]
    diff = difference({}, after, hashes(after), active_version=None)
    assert (diff.before, len(diff.added), diff.removed_share) == (0, 1, 0.0)
    assert check_shrink(
        diff, source="s", limit=0.0, allow_shrink=False, reason=None, actor=None
    ) is None  # fmt: skip


def test_removing_up_to_the_limit_passes_and_one_more_is_refused_with_the_counts() -> None:
    before = [entry(n) for n in range(100)]
    at_limit = before[:95]
    diff = difference(listed(before), at_limit, hashes(at_limit), active_version="v1")
    assert check_shrink(
        diff, source="s", limit=0.05, allow_shrink=False, reason=None, actor=None
    ) is None  # fmt: skip
    over = before[:94]
    diff = difference(listed(before), over, hashes(over), active_version="v1")
    with pytest.raises(ShrinkRefused) as refused:
        check_shrink(diff, source="s", limit=0.05, allow_shrink=False, reason=None, actor=None)
    assert refused.value.code == "lists.shrink_refused"
    assert refused.value.details["difference"]["removed"] == 6
    assert refused.value.details["difference"]["before"] == 100
    assert refused.value.details["limit"] == 0.05
    assert "6 of the 100 active entries (6.0%" in refused.value.message
    assert refused.value.difference is diff


def test_allowing_a_shrink_needs_a_reason_and_a_named_user_and_records_both() -> None:
    before = [entry(n) for n in range(10)]
    after = before[:3]
    diff = difference(listed(before), after, hashes(after), active_version="v1")
    with pytest.raises(InvalidInput) as no_reason:
        check_shrink(diff, source="s", limit=0.05, allow_shrink=True, reason="  ", actor=ADMIN)
    assert no_reason.value.code == "lists.shrink_reason_required"
    with pytest.raises(InvalidInput) as no_actor:
        check_shrink(diff, source="s", limit=0.05, allow_shrink=True, reason="why", actor=None)
    assert no_actor.value.code == "lists.shrink_actor_required"
    confirmed = check_shrink(
        diff, source="s", limit=0.05, allow_shrink=True, reason=" Delisting round ", actor=ADMIN
    )
    assert confirmed is not None
    assert confirmed.to_dict() == {
        "actor": "admin (administrator) via cli:ops",
        "reason": "Delisting round",
        "removed": 7,
        "before": 10,
        "removed_share": 0.7,
        "limit": 0.05,
    }
