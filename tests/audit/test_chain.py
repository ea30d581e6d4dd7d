from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum, IntEnum, StrEnum
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rarex.audit.chain import (
    GENESIS_HASH,
    AuditRecord,
    ChainVerification,
    canonical_json,
    compute_hash,
    next_record,
    verify_chain,
)

T0 = datetime(2025, 6, 7, 8, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def build_chain(payloads: list[dict[str, Any]]) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    previous: AuditRecord | None = None
    for index, payload in enumerate(payloads):
        previous = next_record(
            previous,
            at=T0 + timedelta(minutes=index, microseconds=index),
            actor=f"officer:{index % 3}",
            action="application.updated",
            subject_type="application",
            subject_id=f"A-{index % 4}",
            payload=payload,
        )
        records.append(previous)
    return records


def head_of(records: list[AuditRecord]) -> tuple[int, str]:
    return (len(records), records[-1].hash if records else GENESIS_HASH)


def rehashed(record: AuditRecord, **changes: Any) -> AuditRecord:
    """What a forger who knows the hash function but not about the chain would store."""
    changed = replace(record, **changes)
    return replace(changed, hash=changed.recomputed_hash())


CHAIN = build_chain([{"n": Decimal(i), "note": f"event {i}"} for i in range(1, 7)])


# --- canonical JSON ----------------------------------------------------------------------------


class Colour(StrEnum):
    RED = "red"


class Level(IntEnum):
    HIGH = 3


class Plain(Enum):
    A = "a"


def test_canonical_json_sorts_keys_and_has_no_spaces() -> None:
    assert canonical_json({"b": 1, "a": [1, 2], "c": {"z": None, "y": True}}) == (
        '{"a":[1,2],"b":1,"c":{"y":true,"z":null}}'
    )


def test_canonical_json_keeps_non_ascii_text() -> None:
    assert canonical_json({"element": "镝 dysprosium"}) == '{"element":"镝 dysprosium"}'


def test_canonical_json_renders_rich_types_as_strings() -> None:
    payload = {
        "kg": Decimal("1.50"),
        "big": Decimal("1E+3"),
        "day": date(2025, 11, 8),
        "at": datetime(2025, 6, 7, 16, 0, tzinfo=SHANGHAI),
        "id": UUID("12345678-1234-5678-1234-567812345678"),
        "colour": Colour.RED,
        "level": Level.HIGH,
        "plain": Plain.A,
        "pair": ("x", 1),
    }
    assert json.loads(canonical_json(payload)) == {
        "kg": "1.50",
        "big": "1E+3",
        "day": "2025-11-08",
        "at": "2025-06-07T08:00:00+00:00",
        "id": "12345678-1234-5678-1234-567812345678",
        "colour": "red",
        "level": "3",
        "plain": "a",
        "pair": ["x", 1],
    }


def test_canonical_json_renders_the_same_instant_the_same_in_any_zone() -> None:
    here = datetime(2025, 6, 7, 16, 0, tzinfo=SHANGHAI)
    assert canonical_json({"at": here}) == canonical_json({"at": here.astimezone(UTC)})


@pytest.mark.parametrize(
    "payload",
    [
        {"kg": 1.5},
        {"nested": {"kg": 0.1}},
        {"list": [1, 2.0]},
        {"nan": float("nan")},
    ],
)
def test_canonical_json_refuses_floats_anywhere(payload: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="float"):
        canonical_json(payload)


@pytest.mark.parametrize(
    ("payload", "match"),
    [
        ({"at": datetime(2025, 1, 1)}, "naive datetime"),  # noqa: DTZ001 - the point of the test
        ({1: "a"}, "keys must be strings"),
        ({"inner": {("a",): 1}}, "keys must be strings"),
        ({"tags": {"a", "b"}}, "cannot go into an audit payload"),
        ({"blob": b"\x00"}, "cannot go into an audit payload"),
        ({"obj": object()}, "cannot go into an audit payload"),
    ],
)
def test_canonical_json_refuses_values_without_one_rendering(
    payload: dict[Any, Any], match: str
) -> None:
    with pytest.raises(TypeError, match=match):
        canonical_json(payload)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)
    ),
    max_leaves=8,
)
payloads = st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@given(payloads, st.randoms())
def test_canonical_json_ignores_key_insertion_order(payload: dict[str, Any], rnd: Any) -> None:
    items = list(payload.items())
    rnd.shuffle(items)
    assert canonical_json(dict(items)) == canonical_json(payload)
    assert isinstance(json.loads(canonical_json(payload)), dict)


# --- hashing -----------------------------------------------------------------------------------


def test_hash_is_pinned_so_stored_chains_stay_verifiable() -> None:
    record = next_record(
        None,
        at=T0,
        actor="officer:li",
        action="application.approved",
        subject_type="application",
        subject_id="A-1",
        payload={"note": "稀土", "kg": Decimal("12.50")},
    )
    assert record.payload_json == '{"kg":"12.50","note":"稀土"}'
    message = (
        '["rarex.audit.v1","' + GENESIS_HASH + '",1,"2025-06-07T08:00:00.000000+00:00",'
        '"officer:li","application.approved","application","A-1",'
        '"{\\"kg\\":\\"12.50\\",\\"note\\":\\"稀土\\"}"]'
    )
    assert record.hash == hashlib.sha256(message.encode()).hexdigest()
    assert record.hash == "61b78e0313c133ce87befbfb082fbe940cf05fcd36dfd482002a4b24171e43e2"


def hash_of(**overrides: Any) -> str:
    fields: dict[str, Any] = {
        "prev_hash": GENESIS_HASH,
        "seq": 1,
        "at": T0,
        "actor": "a",
        "action": "b",
        "subject_type": "c",
        "subject_id": "d",
        "payload_json": "{}",
    }
    fields.update(overrides)
    return compute_hash(**fields)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"actor": "ab", "action": "c"}, {"actor": "a", "action": "bc"}),
        ({"actor": "a|b", "action": "c"}, {"actor": "a", "action": "b|c"}),
        ({"actor": 'a","b', "action": "c"}, {"actor": "a", "action": 'b","c'}),
        ({"subject_type": "x", "subject_id": ""}, {"subject_type": "", "subject_id": "x"}),
        ({"seq": 12, "actor": "3"}, {"seq": 1, "actor": "23"}),
    ],
)
def test_field_boundaries_cannot_be_shifted(left: dict[str, Any], right: dict[str, Any]) -> None:
    assert hash_of(**left) != hash_of(**right)


def test_the_same_instant_hashes_the_same_in_any_zone() -> None:
    assert hash_of(at=T0.astimezone(SHANGHAI)) == hash_of(at=T0)
    assert hash_of(at=T0.astimezone(timezone(timedelta(hours=-5)))) == hash_of(at=T0)
    assert hash_of(at=T0 + timedelta(microseconds=1)) != hash_of(at=T0)


def test_hashing_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        hash_of(at=datetime(2025, 1, 1))  # noqa: DTZ001 - the point of the test


# --- building records --------------------------------------------------------------------------


def test_first_record_opens_the_chain_and_the_next_links_to_it() -> None:
    first, second = CHAIN[0], CHAIN[1]
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert first.hash == first.recomputed_hash()
    assert len(first.hash) == 64
    assert GENESIS_HASH == "0" * 64
    assert first.payload_json == canonical_json({"n": Decimal(1), "note": "event 1"})


@pytest.mark.parametrize("field", ["actor", "action", "subject_type"])
def test_next_record_refuses_an_empty_required_field(field: str) -> None:
    arguments: dict[str, Any] = {
        "at": T0,
        "actor": "a",
        "action": "b",
        "subject_type": "c",
        "subject_id": "d",
        "payload": {},
    }
    arguments[field] = ""
    with pytest.raises(ValueError, match=field):
        next_record(None, **arguments)


def test_a_record_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        replace(CHAIN[0], at=datetime(2025, 1, 1))  # noqa: DTZ001 - the point of the test


def test_next_record_refuses_a_float_payload() -> None:
    with pytest.raises(TypeError, match="float"):
        next_record(
            None, at=T0, actor="a", action="b", subject_type="c", subject_id="d", payload={"x": 1.0}
        )


# --- verification: fixed cases -----------------------------------------------------------------


def test_untouched_chain_verifies_with_and_without_head() -> None:
    expected = ChainVerification(True, 6, None, None, "6 events verified")
    assert verify_chain(CHAIN) == expected
    assert verify_chain(CHAIN, expected_head=head_of(CHAIN)) == expected


def test_empty_chain_verifies_against_the_genesis_head() -> None:
    assert verify_chain([]).ok
    assert verify_chain([], expected_head=(0, GENESIS_HASH)).ok


def test_empty_chain_with_an_inconsistent_head_is_reported() -> None:
    result = verify_chain([], expected_head=(0, "f" * 64))
    assert (result.ok, result.problem, result.first_bad_seq) == (False, "altered", None)


def test_negative_head_count_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        verify_chain(CHAIN, expected_head=(-1, GENESIS_HASH))


def test_altered_payload_is_named() -> None:
    records = list(CHAIN)
    records[2] = replace(records[2], payload_json='{"n":"300","note":"event 3"}')
    assert verify_chain(records) == ChainVerification(
        False, 2, 3, "altered", "event 3 does not match its hash: it was altered"
    )


def test_altered_seq_is_reported_as_altered_at_its_position() -> None:
    records = list(CHAIN)
    records[3] = replace(records[3], seq=40)
    result = verify_chain(records)
    assert (result.problem, result.first_bad_seq, result.checked) == ("altered", 4, 3)
    assert "claiming seq 40" in result.message


def test_deleted_middle_event_is_named() -> None:
    records = CHAIN[:3] + CHAIN[4:]
    assert verify_chain(records, expected_head=head_of(CHAIN)) == ChainVerification(
        False,
        3,
        4,
        "missing_or_reordered",
        "expected event 4 but found event 5: event 4 is missing or the events are out of order",
    )


def test_deleted_tail_is_invisible_without_the_head_and_caught_with_it() -> None:
    assert verify_chain(CHAIN[:5]).ok
    assert verify_chain(CHAIN[:5], expected_head=head_of(CHAIN)) == ChainVerification(
        False,
        5,
        6,
        "truncated",
        "the head records 6 events but the chain ends at 5: event 6 deleted",
    )
    result = verify_chain(CHAIN[:3], expected_head=head_of(CHAIN))
    assert (result.first_bad_seq, result.problem) == (4, "truncated")
    assert result.message.endswith("events 4-6 deleted")
    assert verify_chain([], expected_head=head_of(CHAIN)).first_bad_seq == 1


def test_swapped_events_are_named() -> None:
    records = [*CHAIN[:1], CHAIN[2], CHAIN[1], *CHAIN[3:]]
    result = verify_chain(records)
    assert (result.problem, result.first_bad_seq, result.checked) == ("missing_or_reordered", 2, 1)


def test_event_rewritten_and_rehashed_breaks_the_next_link() -> None:
    records = list(CHAIN)
    records[1] = rehashed(records[1], payload_json='{"n":"2","note":"forged"}')
    assert verify_chain(records) == ChainVerification(
        False,
        2,
        3,
        "broken_link",
        "event 3 does not link to event 2's hash: event 3 or its predecessor was rewritten and "
        "re-hashed",
    )


def test_first_event_rehashed_onto_another_chain_is_a_broken_link() -> None:
    records = [rehashed(CHAIN[0], prev_hash="1" * 64), *CHAIN[1:]]
    result = verify_chain(records)
    assert (result.problem, result.first_bad_seq) == ("broken_link", 1)
    assert "genesis hash" in result.message


def test_last_event_rewritten_and_rehashed_is_caught_by_the_head() -> None:
    records = [*CHAIN[:-1], rehashed(CHAIN[-1], actor="officer:mallory")]
    assert verify_chain(records).ok  # the chain alone cannot tell
    result = verify_chain(records, expected_head=head_of(CHAIN))
    assert (result.problem, result.first_bad_seq, result.checked) == ("altered", 6, 5)


def test_events_beyond_the_head_are_reported() -> None:
    result = verify_chain(CHAIN, expected_head=head_of(CHAIN[:4]))
    assert (result.ok, result.problem, result.first_bad_seq, result.checked) == (
        False,
        "beyond_head",
        5,
        4,
    )


def test_verification_streams_and_stops_at_the_first_fault() -> None:
    consumed: list[int] = []

    def stream() -> Iterator[AuditRecord]:
        for record in [*CHAIN[:2], replace(CHAIN[2], actor="x"), *CHAIN[3:]]:
            consumed.append(record.seq)
            yield record

    assert verify_chain(stream()).first_bad_seq == 3
    assert consumed == [1, 2, 3]


def test_verification_to_dict() -> None:
    assert verify_chain(CHAIN[:0] + CHAIN[1:]).to_dict() == {
        "ok": False,
        "checked": 0,
        "first_bad_seq": 1,
        "problem": "missing_or_reordered",
        "message": "expected event 1 but found event 2: event 1 is missing or the events are "
        "out of order",
    }


def test_re_expressing_a_time_in_another_zone_is_not_tampering() -> None:
    records = [replace(r, at=r.at.astimezone(SHANGHAI)) for r in CHAIN]
    assert verify_chain(records, expected_head=head_of(CHAIN)).ok


# --- verification: properties ------------------------------------------------------------------

# Payload content is opaque to the chain; small payloads keep the properties fast.
small_payloads = st.dictionaries(
    st.text(max_size=4), st.integers() | st.text(max_size=8), max_size=3
)
chains = st.lists(small_payloads, min_size=1, max_size=10).map(build_chain)
long_chains = st.lists(small_payloads, min_size=2, max_size=10).map(build_chain)

TEXT_FIELDS = ["actor", "action", "subject_type", "subject_id", "payload_json", "prev_hash", "hash"]


@given(chains)
def test_untouched_chain_always_verifies(records: list[AuditRecord]) -> None:
    result = verify_chain(records, expected_head=head_of(records))
    assert result == ChainVerification(
        True, len(records), None, None, f"{len(records)} events verified"
    )


@given(chains, st.data())
def test_altering_any_field_of_any_record_is_named(
    records: list[AuditRecord], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(records) - 1))
    target = records[index]
    field = data.draw(st.sampled_from([*TEXT_FIELDS, "seq", "at"]))
    if field == "seq":
        value: Any = data.draw(st.integers().filter(lambda s: s != target.seq))
    elif field == "at":
        shift = data.draw(st.integers(-(10**12), 10**12).filter(bool))
        value = target.at + timedelta(microseconds=shift)
    else:
        value = data.draw(st.text().filter(lambda s: s != getattr(target, field)))
    tampered = [*records[:index], replace(target, **{field: value}), *records[index + 1 :]]
    for head in (None, head_of(records)):
        result = verify_chain(tampered, expected_head=head)
        assert not result.ok
        assert result.problem == "altered"
        assert result.first_bad_seq == index + 1
        assert result.checked == index


@given(chains, st.data())
def test_deleting_any_record_is_named(records: list[AuditRecord], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(records) - 1))
    remaining = records[:index] + records[index + 1 :]
    result = verify_chain(remaining, expected_head=head_of(records))
    assert not result.ok
    assert result.first_bad_seq == index + 1
    is_last = index == len(records) - 1
    assert result.problem == ("truncated" if is_last else "missing_or_reordered")


@given(long_chains, st.data())
def test_swapping_any_two_adjacent_records_is_named(
    records: list[AuditRecord], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(records) - 2))
    swapped = list(records)
    swapped[index], swapped[index + 1] = swapped[index + 1], swapped[index]
    for head in (None, head_of(records)):
        result = verify_chain(swapped, expected_head=head)
        assert (result.ok, result.problem) == (False, "missing_or_reordered")
        assert result.first_bad_seq == index + 1


@given(chains, st.data())
def test_rewriting_and_rehashing_any_record_is_caught_with_the_head(
    records: list[AuditRecord], data: st.DataObject
) -> None:
    index = data.draw(st.integers(0, len(records) - 1))
    forged = rehashed(records[index], payload_json=records[index].payload_json + " ")
    tampered = [*records[:index], forged, *records[index + 1 :]]
    result = verify_chain(tampered, expected_head=head_of(records))
    assert not result.ok
    if index == len(records) - 1:
        assert (result.problem, result.first_bad_seq) == ("altered", index + 1)
    else:
        assert (result.problem, result.first_bad_seq) == ("broken_link", index + 2)
