"""Uploaded files at the edge: a file's name is input like any other, bounded and free of
control characters (it is stored, logged and shown), refused by the field that carried it."""

from __future__ import annotations

from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.responses import Response

from rarex.errors import InvalidInput
from rarex.inputs import text_problem
from rarex.models import Document

MAX_FILE_NAME = 255


def file_name(upload: UploadFile, *, field: str, default: str) -> str:
    """``field`` names the form field as the problem's path: ``file`` or ``files[1]``."""
    name = upload.filename or default
    problem = text_problem(name, max_length=MAX_FILE_NAME)
    if problem is not None:
        raise InvalidInput(
            f"{field}.filename: {problem}", code="input.invalid", field=f"{field}.filename"
        )
    return name


def document_response(document: Document) -> Response:
    """A stored document, always as a download: an uploaded XML or text file is never shown
    as a page of this site (it could hold a script), whatever its name says."""
    ascii_name = document.filename.encode("ascii", "replace").decode().replace('"', "'")
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "Content-Disposition": (
                f'attachment; filename="{ascii_name}"; '
                f"filename*=UTF-8''{quote(document.filename, safe='')}"
            ),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store",
        },
    )
