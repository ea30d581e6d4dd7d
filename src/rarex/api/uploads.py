"""Uploaded files at the edge: a file's name is input like any other, bounded and free of
control characters (it is stored, logged and shown), refused by the field that carried it."""

from __future__ import annotations

from fastapi import UploadFile

from rarex.errors import InvalidInput
from rarex.inputs import text_problem

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
