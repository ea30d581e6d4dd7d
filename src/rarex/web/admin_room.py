"""Who the administration pages are for, shared by its modules: users (``admin_pages``),
watch lists (``admin_lists_pages``) and the official calendar (``admin_calendar_pages``)."""

from __future__ import annotations

from typing import Final

from pydantic import ValidationError
from starlette.datastructures import FormData

from rarex.auth.roles import Role
from rarex.web.pages import MAX_FIELD, Problem, Room

ADMINS: Final = Room(
    frozenset({Role.ADMINISTRATOR}), "web.admins_only", "administration is the administrators'"
)


def typed_of(form: FormData, *, limit: int = MAX_FIELD) -> dict[str, str]:
    """The text fields of a form as typed, to show again beside a refusal. ``limit`` bounds
    what is kept: one more than the longest a field may be, so that its schema still refuses
    an overlong value rather than take it cut."""
    return {
        key: value[:limit]
        for key, value in form.items()
        if isinstance(value, str) and key != "csrf_token"
    }


def schema_problems(invalid: ValidationError, fields: frozenset[str]) -> dict[str, Problem]:
    """A form's input refused by its schema: each problem beside the field it names (the
    first part of its path: ``partner_countries`` for ``partner_countries[2]``), else the form's."""
    problems: dict[str, Problem] = {}
    for problem in invalid.errors():
        where = str(problem["loc"][0]) if problem["loc"] else "form"
        field = where if where in fields else "form"
        problems.setdefault(field, Problem(f"input.{problem['type']}", problem["msg"]))
    return problems
