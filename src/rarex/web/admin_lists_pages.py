"""Watch lists in the administration pages: the active version of each list and every version
before it, and a version imported (with its upload's progress) through
``licensing.screening.import_list_and_rescreen``, the service of ``POST /api/v1/screening/lists``
and ``rarex lists import``: its difference from the active version and the cases it screened
again. A refusal is shown beside the field at fault, with what was typed."""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.api.screening import read_list_files
from rarex.auth.sign_in import Resumed
from rarex.clock import Clock
from rarex.config import Settings
from rarex.errors import Conflict, InvalidInput, PayloadTooLarge
from rarex.inputs import Code, Label, Reason
from rarex.licensing.screening import import_list_and_rescreen
from rarex.screening.errors import ShrinkRefused
from rarex.screening.lists import list_status
from rarex.screening.sources import FORMATS
from rarex.web.admin_room import ADMINS, schema_problems, typed_of
from rarex.web.i18n import Language
from rarex.web.pages import LanguageDep, Problem, ViewerDep
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

FIELDS: Final = frozenset({"format", "files", "dataset", "allow_shrink", "reason", "dry_run"})
# A refusal of the importer, beside the field that caused it; any other is the files' (a
# malformed file, none, one too large). A shrink refused is ``allow_shrink``'s, with its counts.
_REFUSED_FIELD: Final = {
    "lists.unknown_format": "format",
    "lists.shrink_reason_required": "reason",
    "lists.concurrent_import": "form",
}
SHRINK_REFUSED: Final = (
    "This version removes more of the active entries than allowed: check the file, or allow it "
    "with a reason."
)
MAX_REASON: Final = 4000  # the longest field, the reason (``rarex.inputs.Reason``)
EXAMPLES: Final = 5  # entries named per change on the answer (the API lists every one)


class ListImportForm(BaseModel):
    """The import form, under the rules of the API's form fields."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    format: Code
    dataset: Label | None = None
    allow_shrink: bool = False
    reason: Reason | None = None
    dry_run: bool = False


def _lists_page(
    request: Request,
    session: Session,
    settings: Settings,
    admin: Resumed,
    language: Language,
    *,
    errors: dict[str, Problem] | None = None,
    typed: dict[str, str] | None = None,
    answer: dict[str, Any] | None = None,
    shrink: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    versions = list_status(session, actor=admin.actor, history=True)
    return render(
        request, "admin_lists.html",
        {"viewer": admin, "active": [v for v in versions if v.active], "versions": versions,
         "formats": tuple(FORMATS), "max_bytes": settings.max_import_bytes,
         "errors": errors or {}, "typed": typed or {}, "answer": answer, "shrink": shrink,
         "examples": EXAMPLES},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/admin/lists")
def admin_lists(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """Each list's active version (entries, when imported and retrieved, from which files),
    every version before it, and the import form."""
    admin = ADMINS.admit(request, viewer, language)
    if isinstance(admin, Response):
        return admin
    return _lists_page(request, session, settings, admin, language)


@router.post("/admin/lists")
async def admin_import_list(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """A version of a list imported (or with ``dry_run`` compared only): the answer shows its
    difference and the cases screened again. A shrink beyond the limit is refused beside
    *allow shrink* with its counts; a malformed file beside the files, naming the place."""
    posted = await ADMINS.posted(
        request, settings, viewer, language, max_part_size=settings.max_import_bytes
    )
    if isinstance(posted, Response):
        return posted
    admin, form = posted
    typed = typed_of(form, limit=MAX_REASON + 1)
    uploads = [u for u in form.getlist("files") if isinstance(u, UploadFile) and u.filename]
    shrink: dict[str, Any] | None = None
    try:
        data = ListImportForm.model_validate({k: v for k, v in typed.items() if v.strip()})
        answer = await run_in_threadpool(_import, session, admin, clock, settings, data, uploads)
    except ValidationError as invalid:
        errors = schema_problems(invalid, FIELDS)
    except ShrinkRefused as refused:  # its counts are shown beside it; the words are the page's
        errors = {"allow_shrink": Problem(refused.code, SHRINK_REFUSED)}
        shrink = refused.difference.counts()
    except (InvalidInput, Conflict, PayloadTooLarge) as refused:
        errors = {_REFUSED_FIELD.get(refused.code, "files"): Problem(refused.code, refused.message)}
    else:
        return _lists_page(request, session, settings, admin, language, answer=answer)
    return _lists_page(
        request, session, settings, admin, language, errors=errors, typed=typed, shrink=shrink,
        status_code=409 if shrink is not None else 422,
    )  # fmt: skip


def _import(
    session: Session,
    admin: Resumed,
    clock: Clock,
    settings: Settings,
    data: ListImportForm,
    uploads: list[UploadFile],
) -> dict[str, Any]:
    """In a savepoint: a refusal, however late, leaves nothing of the import behind."""
    contents, names = read_list_files(uploads, settings.max_import_bytes)
    with session.begin_nested():
        result, rescreened = import_list_and_rescreen(
            session, actor=admin.actor, clock=clock, settings=settings, fmt=data.format,
            files=contents, file_names=names, dataset=data.dataset,
            allow_shrink=data.allow_shrink, reason=data.reason, dry_run=data.dry_run,
        )  # fmt: skip
    return {**result.to_dict(), "rescreened": rescreened.to_dict() if rescreened else None}
