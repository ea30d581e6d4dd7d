"""Every kind's mail in both languages, rendered: a subject line and a body, the facts it is
given and no others, and states and lanes named as the pages name them."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from rarex.licensing.states import State
from rarex.notify import wording
from rarex.notify.kinds import Facts, Kind
from rarex.notify.mail import message, write
from rarex.web.catalog import chinese_catalog

FULL = Facts(
    reference="RX-2025-ABCD1234",
    exporter="Ganzhou Rare Earth Magnets Co., Ltd.",
    destination="DE",
    state="approved",
    lane="green",
    due_on=date(2025, 8, 4),
    decision="approved",
    decided_on=date(2025, 7, 25),
)
GENERAL = Facts(due_on=date(2025, 6, 9))  # a general inquiry names no case
URL = "https://rarex.example/officer/applications/RX-2025-ABCD1234"


@pytest.mark.parametrize("kind", list(Kind))
@pytest.mark.parametrize("language", ["en", "zh"])
def test_each_kind_renders_a_subject_and_a_body_in_each_language(kind: Kind, language: str) -> None:
    lang = "zh" if language == "zh" else "en"
    written = write(kind, FULL, language=lang, url=URL, notifications_url="https://x/n")
    assert written.subject
    assert "\n" not in written.subject
    assert "RX-2025-ABCD1234" in written.subject
    assert URL in written.body
    assert "Ganzhou Rare Earth Magnets Co., Ltd." in written.body
    day = "2025年7月25日" if lang == "zh" else "25 Jul 2025"
    assert day in written.body
    chinese = any("\u4e00" <= c <= "\u9fff" for c in written.subject + written.body)
    assert chinese is (lang == "zh")
    assert "{{" not in written.body


@pytest.mark.parametrize("kind", [Kind.INQUIRY_OPENED, Kind.INQUIRY_REPLY, Kind.INQUIRY_OVERDUE])
@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_inquiry_about_no_case_renders_without_one(kind: Kind, language: str) -> None:
    lang = "zh" if language == "zh" else "en"
    written = write(kind, GENERAL, language=lang, url=URL, notifications_url="https://x/n")
    assert "None" not in written.subject + written.body
    assert ("答复期限" if lang == "zh" else "Reply due") in written.body


def test_the_mail_carries_its_message_id_language_and_an_encoded_subject() -> None:
    written = write(Kind.DECISION, FULL, language="zh", url=URL, notifications_url="https://x/n")
    mail = message(
        mail_from="Rarex <notices@rarex.example>", to="desk@eu.example",
        subject=written.subject, body=written.body, message_id="<abc@rarex.example>",
        language="zh", written_at=datetime(2025, 7, 25, 10, 0, tzinfo=UTC),
    )  # fmt: skip
    assert mail["Message-ID"] == "<abc@rarex.example>"
    assert mail["Content-Language"] == "zh-Hans"
    assert str(mail["Subject"]) == written.subject
    raw = mail.as_bytes()
    assert b"=?utf-8?" in raw  # the subject travels encoded (RFC 2047)
    assert "已批准" in mail.get_content()


def test_states_and_lanes_read_as_the_pages_read_them() -> None:
    catalog = chinese_catalog()
    assert set(wording.STATES) == {state.value for state in State}
    for english, chinese in [*wording.STATES.values(), *wording.LANES.values()]:
        assert catalog.get(english) is not None, english
        assert catalog.get(english).string == chinese  # type: ignore[union-attr]
