"""Uploaded files at the edge: a file's name is input like any other, bounded and free of
control characters (it is stored, logged and shown), refused by the field that carried it,
and kept as its last path component only."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import anyio.from_thread
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

from rarex.errors import InvalidInput, PayloadTooLarge
from rarex.inputs import clean_file_name, file_name_problem
from rarex.models import Document


def file_name(upload: UploadFile, *, field: str, default: str) -> str:
    """The upload's name, cleaned (``rarex.inputs.clean_file_name``) once it passed the rule.
    ``field`` names the form field as the problem's path: ``file`` or ``files[1]``."""
    name = upload.filename or default
    problem = file_name_problem(name)
    if problem is not None:
        raise InvalidInput(
            f"{field}.filename: {problem}", code="input.invalid", field=f"{field}.filename"
        )
    return clean_file_name(name)


@contextmanager
def spooled(upload: UploadFile, limit: int, *, name: str) -> Iterator[Path]:
    """The upload as a file of its own, under its cleaned ``name`` (parsers read a path, and
    name the file in what they report), removed afterwards; over ``limit`` bytes it is
    refused as it is copied."""
    with tempfile.TemporaryDirectory(prefix="rarex-upload-") as tmp:
        path = Path(tmp) / name
        size = 0
        with path.open("wb") as out:
            while chunk := upload.file.read(1 << 20):
                size += len(chunk)
                if size > limit:
                    raise PayloadTooLarge(f"upload exceeds {limit} bytes", limit=limit)
                out.write(chunk)
        yield path


def client_gone(request: Request) -> Callable[[], bool]:
    """For long work in a route's worker thread: whether the client has closed its connection
    (or the server is stopping and closed it), asked of the event loop that serves it."""

    def gone() -> bool:
        return anyio.from_thread.run(request.is_disconnected)

    return gone


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
