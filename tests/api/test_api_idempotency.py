"""``Idempotency-Key`` on the API's POSTs (issue 14, gap 3): the same request sent again is
answered as the first time and does nothing twice; the key with another request is 409."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rarex.models import Application, Document, IdempotencyRecord
from tests.factories import make_company


def _count(session: Session, model: Any) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_filing_sent_again_under_its_key_is_answered_once_and_filed_once(
    client: Any,
    exporter: Any,
    session: Session,
    filing_body: Callable[..., dict[str, Any]],
) -> None:
    body = filing_body()
    keyed = {**exporter.headers, "Idempotency-Key": "file-7c1e"}
    first = client.post("/api/v1/applications", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers

    again = client.post("/api/v1/applications", json=body, headers=keyed)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    assert _count(session, Application) == 1

    other = client.post(
        "/api/v1/applications", json=filing_body(contract_reference="C-2"), headers=keyed
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency.key_reused"
    assert _count(session, Application) == 1

    # Without a key, the same body is a new filing: the key is what makes it the same request.
    unkeyed = client.post("/api/v1/applications", json=body, headers=exporter.headers)
    assert unkeyed.status_code == 201
    assert unkeyed.json()["reference"] != first.json()["reference"]


def test_keys_belong_to_their_user(
    client: Any,
    api_user: Any,
    session: Session,
    clock: Any,
    filing_body: Callable[..., dict[str, Any]],
) -> None:
    from rarex.auth.roles import Role

    ours = api_user(Role.EXPORTER, company=make_company(session, clock))
    theirs = api_user(Role.EXPORTER, company=make_company(session, clock))
    for user in (ours, theirs):
        response = client.post(
            "/api/v1/applications",
            json=filing_body(),
            headers={**user.headers, "Idempotency-Key": "shared-key"},
        )
        assert response.status_code == 201, response.text
        assert "Idempotent-Replayed" not in response.headers
    assert _count(session, Application) == 2


def test_a_refused_request_is_not_recorded_and_its_mended_request_runs(
    client: Any,
    exporter: Any,
    session: Session,
    filing_body: Callable[..., dict[str, Any]],
) -> None:
    keyed = {**exporter.headers, "Idempotency-Key": "mend-me"}
    bad = client.post(
        "/api/v1/applications", json={**filing_body(), "contract_reference": "   "}, headers=keyed
    )
    assert bad.status_code == 422
    assert _count(session, IdempotencyRecord) == 0
    good = client.post("/api/v1/applications", json=filing_body(), headers=keyed)
    assert good.status_code == 201, good.text
    assert "Idempotent-Replayed" not in good.headers
    assert _count(session, Application) == 1


def test_an_upload_sent_again_in_a_new_envelope_is_the_same_request(
    client: Any,
    exporter: Any,
    session: Session,
    filing_body: Callable[..., dict[str, Any]],
) -> None:
    """A client draws a new multipart boundary for every send: the content decides."""
    key = client.post("/api/v1/applications", json=filing_body(), headers=exporter.headers)
    reference = key.json()["reference"]
    keyed = {**exporter.headers, "Idempotency-Key": "upload-1"}
    sent = []
    for boundary in ("first-boundary", "second-boundary-xyz"):
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\ncontract\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="contract.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 signed\r\n'
            f"--{boundary}--\r\n"
        ).encode()
        sent.append(
            client.post(
                f"/api/v1/applications/{reference}/documents",
                content=body,
                headers={**keyed, "content-type": f"multipart/form-data; boundary={boundary}"},
            )
        )
    assert [r.status_code for r in sent] == [201, 201]
    assert sent[1].headers["Idempotent-Replayed"] == "true"
    assert sent[1].json() == sent[0].json()
    assert _count(session, Document) == 1


def test_a_key_is_input_like_any_other(
    client: Any, exporter: Any, filing_body: Callable[..., dict[str, Any]]
) -> None:
    for key in ("tab\tkey", "k" * 256, "  "):
        response = client.post(
            "/api/v1/applications",
            json=filing_body(),
            headers={**exporter.headers, "Idempotency-Key": key},
        )
        assert response.status_code == 422, key
        assert response.json()["errors"][0]["field"] == "header.idempotency-key"


def test_a_new_token_is_never_kept_to_be_shown_again(
    client: Any, api_user: Any, session: Session
) -> None:
    """Found in review: the recorded answer of POST /users kept the new user's token in
    plain text, where tokens are otherwise only hashed."""
    from rarex.auth.roles import Role

    admin = api_user(Role.ADMINISTRATOR)
    keyed = {**admin.headers, "Idempotency-Key": "new-user-1"}
    body = {"username": "newbie", "display_name": "Newbie", "role": "analyst"}
    first = client.post("/api/v1/users", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    token = first.json()["token"]
    assert first.headers["Cache-Control"] == "no-store"
    again = client.post("/api/v1/users", json=body, headers=keyed)
    assert again.status_code == 409
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["code"] == "idempotency.secret_not_replayed"
    session.expire_all()
    stored = session.scalars(select(IdempotencyRecord.body)).all()
    assert stored
    assert not any(token.encode() in b for b in stored)
