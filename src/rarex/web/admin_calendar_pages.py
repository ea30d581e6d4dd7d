"""The official calendar in the administration pages: the years it knows, each official (the
package's published data, or a schedule loaded) or provisional (the Monday-Friday rule), read
by ``licensing.calendar_store.calendar_years``; and a year's schedule loaded, typed in or as a
file, through ``licensing.calendar_schedules.load_schedule`` (the service of
``POST /api/v1/calendar/schedules`` and ``rarex calendar load``). A refusal is shown beside the
field at fault, with what was typed."""

from __future__ import annotations

from pathlib import PurePath
from typing import Final

from fastapi import APIRouter, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from rarex.api.deps import ClockDep, SessionDep, SettingsDep
from rarex.api.system import ScheduleUpload
from rarex.auth.sign_in import Resumed
from rarex.clock import Clock
from rarex.errors import Conflict, InvalidInput
from rarex.licensing.calendar_schedules import load_schedule
from rarex.licensing.calendar_store import calendar_years
from rarex.web.admin_room import ADMINS, schema_problems, typed_of
from rarex.web.i18n import Language
from rarex.web.pages import LanguageDep, Problem, ViewerDep
from rarex.web.templates import render

router = APIRouter(include_in_schema=False)

FIELDS: Final = frozenset({"source", "content", "force"})
# A refusal of the loader beside the field that caused it; any other is the schedule's text's.
_REFUSED_FIELD: Final = {"calendar.year_covered": "force", "calendar.schedule_file": "file"}
# The longest schedule the API takes (``Statement``), in characters; UTF-8 takes at most 4
# bytes for each, so a file longer than this many bytes is refused before it is decoded.
MAX_SCHEDULE_CHARS: Final = 10_000
MAX_SCHEDULE_BYTES: Final = 4 * MAX_SCHEDULE_CHARS


def _calendar_page(
    request: Request,
    session: Session,
    clock: Clock,
    admin: Resumed,
    language: Language,
    *,
    errors: dict[str, Problem] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    years = [year.to_dict() for year in calendar_years(session, clock=clock)]
    return render(
        request, "admin_calendar.html",
        {"viewer": admin, "years": years, "errors": errors or {}, "typed": typed or {},
         "loaded": request.query_params.get("loaded", "")[:4]},
        language=language, status_code=status_code,
    )  # fmt: skip


@router.get("/admin/calendar")
def admin_calendar(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """The years the calendar knows, newest first, and the form that loads a year."""
    admin = ADMINS.admit(request, viewer, language)
    if isinstance(admin, Response):
        return admin
    return _calendar_page(request, session, clock, admin, language)


@router.post("/admin/calendar")
async def admin_load_schedule(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    language: LanguageDep,
) -> Response:
    """A year's official schedule (YAML or JSON, typed in or a file, which then fills the
    text), replacing that year; a year the package covers only with *force*."""
    posted = await ADMINS.posted(request, settings, viewer, language)
    if isinstance(posted, Response):
        return posted
    admin, form = posted
    typed = typed_of(form, limit=MAX_SCHEDULE_CHARS + 1)
    upload = form.get("file")
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            typed["content"] = _schedule_text(upload)
            typed["source"] = typed.get("source", "").strip() or PurePath(upload.filename).name
        data = ScheduleUpload.model_validate({k: v for k, v in typed.items() if v.strip()})
        schedule = load_schedule(
            session, actor=admin.actor, clock=clock, text=data.content, source=data.source,
            force=data.force,
        )  # fmt: skip
    except ValidationError as invalid:
        errors = schema_problems(invalid, FIELDS)
    except (InvalidInput, Conflict) as refused:
        field = _REFUSED_FIELD.get(refused.code, "content")
        errors = {field: Problem(refused.code, refused.message)}
    else:
        return RedirectResponse(f"/admin/calendar?loaded={schedule.year}", status_code=303)
    return _calendar_page(
        request, session, clock, admin, language, errors=errors, typed=typed, status_code=422
    )


def _schedule_text(upload: UploadFile) -> str:
    data = upload.file.read(MAX_SCHEDULE_BYTES + 1)
    if len(data) > MAX_SCHEDULE_BYTES:
        raise InvalidInput(
            f"a schedule file has at most {MAX_SCHEDULE_CHARS} characters",
            code="calendar.schedule_file",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(
            "a schedule file is UTF-8 text (YAML or JSON)", code="calendar.schedule_file"
        ) from None
