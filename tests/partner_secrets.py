"""A case bound for Germany with a unique marker in every field a partner authority must never
read: a document's name and content, a screening hit's explanation and its dismissal, a
price, officers' notes, the applicant's violation record, officers' and the applicant's
usernames, parties' addresses, the end-use statement, and a whole draft. Tests of every partner
answer (API, pages, downloads, e-mails) build it and assert that no marker appears, and that
what the partner may read does (so an empty answer cannot pass)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy.orm import Session

from rarex.auth.roles import Actor, Role
from rarex.auth.service import create_user, to_actor
from rarex.clock import FixedClock
from rarex.config import Settings
from rarex.licensing import decisions, filing, review
from rarex.licensing import screening as case_screening
from rarex.licensing.repository import license_for_application
from rarex.licensing.schemas import DecisionIn
from rarex.licensing.states import Action
from rarex.parties import trusted
from rarex.parties.schemas import TrustedPartyDecisionIn, TrustedPartyIn
from rarex.parties.service import record_violation, register_company
from rarex.partners import inquiries, priorities
from rarex.partners.schemas import PriorityDecisionIn, PriorityListIn
from rarex.screening import lists as watch_lists
from rarex.screening import service as screening
from tests.factories import application_data, attach_required_documents, make_uscc

LIST_HEADER = (
    "list,entry_no,name_en,name_zh,country,announcement,announced_on,effective_on,status,"
    "status_changed_on,status_announcement,source\n"
)
# A price the partner must not see, in digits no other figure of the case shares.
PRICE = "8642975.31"


@dataclass
class SecretCase:
    reference: str  # the approved case the partner may read
    license_number: str
    draft_reference: str
    exporter_name: str
    consignee_name: str
    uscc: str
    document_id: str
    inquiry_number: str
    priority_list_number: str
    trusted_number: str
    markers: dict[str, str] = field(default_factory=dict)

    def leaks(self, text: str) -> list[str]:
        """The hidden fields whose marker appears in ``text``."""
        found = [name for name, marker in self.markers.items() if marker in text]
        if PRICE.replace(".", "") in text.replace(",", "").replace(".", ""):
            found.append("price")
        return found


def _marker(name: str) -> str:
    return f"mk{name.replace('_', '')}{secrets.token_hex(4)}"


def _user(session: Session, clock: FixedClock, role: Role, username: str, **kw: object) -> Actor:
    user = create_user(
        session, clock=clock, actor=None, username=username, display_name=username, role=role,
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    return to_actor(user)


def build_secret_case(session: Session, clock: FixedClock, settings: Settings) -> SecretCase:
    m = {
        name: _marker(name)
        for name in (
            "document_name", "document_content", "hit_explanation", "hit_announcement",
            "hit_dismissal", "officer_note", "decision_reason", "decision_condition",
            "violation", "officer_username", "exporter_username", "draft", "address", "end_use",
            "contract",
        )
    }  # fmt: skip
    company = register_company(
        session, clock=clock, actor=None, uscc=make_uscc(77_000_000 + secrets.randbelow(10**6)),
        name="Baotou Secret Magnets Co.", name_zh="包头保密磁材有限公司",
        compliance_programme_on=date(2024, 1, 1),
    )  # fmt: skip
    record_violation(
        session, clock=clock, actor=None, company_id=company.id,
        occurred_on=clock.now().date() - timedelta(days=400), description=m["violation"],
    )  # fmt: skip
    exporter = _user(session, clock, Role.EXPORTER, m["exporter_username"], company_id=company.id)
    officer = _user(session, clock, Role.LICENSING_OFFICER, m["officer_username"])

    consignee = "Rheinland Antriebstechnik GmbH"
    listed = f"watch_list,1,{consignee},,DE,{m['hit_announcement']},2025-01-02,2025-01-02,active,,,"
    result = watch_lists.import_list(
        session, actor=None, clock=clock, fmt="cn-mofcom-csv",
        files=[(LIST_HEADER + listed + "\n").encode()], file_names=["cn"],
        shrink_limit=settings.list_shrink_limit,
    )  # fmt: skip
    case_screening.rescreen_cases(session, clock=clock, settings=settings, delta=result.delta)

    party = {"name": consignee, "country": "DE", "address": m["address"]}
    data = application_data(
        consignee=party, end_user=party, end_use_statement=m["end_use"],
        contract_reference=m["contract"],
        lines=[{"control_code": "1C905.a", "hs_code": "2805301200", "description": "Dy metal",
                "quantity_kg": "500", "value": PRICE, "currency": "USD"}],
    )  # fmt: skip
    app = filing.file_application(
        session, actor=exporter, clock=clock, settings=settings, data=data
    )
    documents = [
        filing.attach_document(
            session,
            actor=exporter,
            clock=clock,
            settings=settings,
            application_id=app.id,
            kind=kind,
            filename=f"{m['document_name']}-{kind}.pdf",
            media_type="application/pdf",
            content=f"%PDF-1.4 {m['document_content']}".encode(),
        )
        for kind in filing.REQUIRED_DOCUMENTS
    ]
    steps = [
        (exporter, Action.SUBMIT, ""),
        (officer, Action.ACCEPT, ""),
        (officer, Action.START_REVIEW, ""),
        (officer, Action.REQUEST_INFORMATION, m["officer_note"]),
        (exporter, Action.SUPPLY_INFORMATION, "the answer"),
    ]
    for actor, action, reason in steps:
        review.transition(
            session, actor=actor, clock=clock, settings=settings, application_id=app.id,
            action=action, reason=reason,
        )  # fmt: skip
    hits = screening.hits(session, app.id)
    assert hits, "the listed consignee raises hits"
    for hit in hits:
        hit.explanation = {**hit.explanation, "note": m["hit_explanation"]}
        screening.resolve_hit(
            session, actor=officer, clock=clock, hit_id=hit.id, decision="dismiss",
            reason=m["hit_dismissal"],
        )  # fmt: skip
    clock.advance(timedelta(days=1))
    decisions.decide(
        session, actor=officer, clock=clock, settings=settings, application_id=app.id,
        data=DecisionIn(outcome="approved", reason=m["decision_reason"],
                        conditions=[m["decision_condition"]]),
    )  # fmt: skip
    draft = filing.file_application(
        session, actor=exporter, clock=clock, settings=settings,
        data=application_data(contract_reference=m["draft"]),
    )  # fmt: skip
    m["draft_reference"] = draft.reference
    # an EU partner desk asks about the case and the officer answers (and is not named)
    eu_desk = _user(session, clock, Role.PARTNER_AUTHORITY, f"eu-desk-{secrets.token_hex(3)}",
                    partner_groups=["EU"])  # fmt: skip
    inquiry = inquiries.open_inquiry(
        session, actor=eu_desk, clock=clock, settings=settings, subject="When?",
        body="When is it decided?", application_reference=app.reference,
    )  # fmt: skip
    inquiries.write(
        session,
        actor=officer,
        clock=clock,
        settings=settings,
        number=inquiry.number,
        body="It was approved.",
    )
    # ...and puts a second, open, case of the exporter on a priority list the officer accepts
    second = filing.file_application(
        session, actor=exporter, clock=clock, settings=settings, data=application_data()
    )
    attach_required_documents(session, clock, settings, exporter, second)
    for actor, action in ((exporter, Action.SUBMIT), (officer, Action.ACCEPT)):
        review.transition(session, actor=actor, clock=clock, settings=settings,
                          application_id=second.id, action=action)  # fmt: skip
    listed = priorities.submit_priority_list(
        session, actor=eu_desk, clock=clock,
        data=PriorityListIn.model_validate(
            {"items": [{"application_reference": second.reference, "reason": "idle plant"}]}
        ),
    )  # fmt: skip
    (item,) = priorities.priority_list_view(session, actor=eu_desk, number=listed.number).items
    priorities.decide_priority_item(
        session, actor=officer, clock=clock, settings=settings, item_id=item.id,
        data=PriorityDecisionIn(outcome="accepted", reason="urgent indeed"),
    )  # fmt: skip
    # ...and proposes a trusted end user, which the officer approves
    proposal = trusted.propose(
        session, actor=eu_desk, clock=clock,
        data=TrustedPartyIn(name="Siemens AG", country="DE", basis="ICP audited"),
    )  # fmt: skip
    trusted.decide(
        session, actor=officer, clock=clock, number=proposal.number,
        data=TrustedPartyDecisionIn(outcome="approved", reason="audit report checked"),
    )  # fmt: skip
    session.flush()
    license_ = license_for_application(session, app.id)
    assert license_ is not None
    return SecretCase(
        reference=app.reference, license_number=license_.number, draft_reference=draft.reference,
        exporter_name=company.name, consignee_name=consignee, uscc=company.uscc,
        document_id=str(documents[0].id), inquiry_number=inquiry.number,
        priority_list_number=listed.number, trusted_number=proposal.number, markers=m,
    )  # fmt: skip
