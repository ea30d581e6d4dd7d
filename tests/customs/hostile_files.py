"""Hostile and corrupt XLSX files, built the way an attacker or a broken tool would: a real
workbook (``workbook``: openpyxl) whose zip parts are then rewritten by hand, never by the code
under test."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.customs.test_customs_import import write_xlsx as workbook

__all__ = ["comment_bomb", "corrupt_workbooks", "workbook"]

SHEET = "xl/worksheets/sheet1.xml"


def rewritten(source: Path, target: Path, part: str, content: bytes) -> Path:
    """``source`` with one part replaced, every part deflated as Excel does."""
    with zipfile.ZipFile(source) as old:
        parts = {name: old.read(name) for name in old.namelist()}
    parts[part] = content
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in parts.items():
            new.writestr(name, data)
    return target


def sheet_xml(path: Path) -> bytes:
    with zipfile.ZipFile(path) as book:
        return book.read(SHEET)


def corrupt_workbooks(good: Path, folder: Path) -> dict[str, Path]:
    """The three corrupt files of issue 14: the sheet's XML cut short, a DTD with entities,
    and a file named .xlsx that is not a zip at all."""
    sheet = sheet_xml(good)
    dtd = (
        b'<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        + sheet.replace(b"<is><t>", b"<is><t>&b;", 1)
    )
    not_zip = folder / "not-a-zip.xlsx"
    not_zip.write_bytes(b"number,exporter_uscc\r\n" * 40)
    return {
        "cut": rewritten(good, folder / "cut.xlsx", SHEET, sheet[: len(sheet) * 2 // 3]),
        "dtd": rewritten(good, folder / "dtd.xlsx", SHEET, dtd),
        "not_zip": not_zip,
    }


def comment_bomb(good: Path, target: Path, *, megabytes: int = 200) -> Path:
    """A workbook of about 200 KB whose sheet holds one XML comment of ``megabytes`` MB: the
    standard library's parser takes minutes over it. Written as a stream, at Excel's best
    compression."""
    head, tail = sheet_xml(good).split(b"<sheetData>", 1)
    with zipfile.ZipFile(good) as old:
        parts = {name: old.read(name) for name in old.namelist() if name != SHEET}
    block = b"a" * (1 << 20)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for name, data in parts.items():
            new.writestr(name, data)
        with new.open(SHEET, "w", force_zip64=True) as sheet:
            sheet.write(head + b"<!--")
            for _ in range(megabytes):
                sheet.write(block)
            sheet.write(b"--><sheetData>" + tail)
    return target
