"""Hostile and corrupt XLSX files, built the way an attacker or a broken tool would: a real
workbook (``workbook``: openpyxl) whose zip parts are then rewritten by hand, never by the code
under test."""

from __future__ import annotations

import zipfile
from pathlib import Path

from tests.customs.test_customs_import import write_xlsx as workbook

__all__ = ["comment_bomb", "corrupt_workbooks", "scan_dodgers", "shared_strings", "workbook"]

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


def _with_parts(
    good: Path, target: Path, replace: dict[str, bytes | None], add: dict[str, bytes]
) -> Path:
    """``good`` with parts replaced (None: removed) and added."""
    with zipfile.ZipFile(good) as old:
        parts = {name: old.read(name) for name in old.namelist()}
    for name, content in replace.items():
        if content is None:
            parts.pop(name)
        else:
            parts[name] = content
    parts.update(add)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as new:
        for name, data in parts.items():
            new.writestr(name, data)
    return target


def scan_dodgers(good: Path, folder: Path) -> dict[str, Path]:
    """Workbooks that hid a slow part from a scan that trusted names, missed processing
    instructions, or read bytes of another encoding (found in review): each holds a text the
    parser takes long over."""
    sheet = sheet_xml(good)
    comment = b"<!--" + b"a" * (2 << 20) + b"-->"
    with zipfile.ZipFile(good) as book:
        types = book.read("[Content_Types].xml")
        relations = book.read("xl/_rels/workbook.xml.rels")
    renamed = sheet.replace(b"<sheetData>", comment + b"<sheetData>")
    instruction = b"<?rarex " + (b"x" * 1023 + b"<") * 2048 + b"?>"
    return {
        "renamed_sheet": _with_parts(
            good,
            folder / "renamed.xlsx",
            {
                SHEET: None,
                "[Content_Types].xml": types.replace(b"sheet1.xml", b"sheet1.dat"),
                "xl/_rels/workbook.xml.rels": relations.replace(b"sheet1.xml", b"sheet1.dat"),
            },
            {"xl/worksheets/sheet1.dat": renamed},
        ),
        "instruction": rewritten(
            good,
            folder / "instruction.xlsx",
            SHEET,
            sheet.replace(b"<sheetData>", instruction + b"<sheetData>"),
        ),
        "utf16": rewritten(
            good,
            folder / "utf16.xlsx",
            SHEET,
            sheet.decode()
            .replace("<sheetData>", "<!--" + "a" * 1000 + "--><sheetData>")
            .encode("utf-16"),
        ),
    }


def shared_strings(good: Path, target: Path, count: int) -> Path:
    """A workbook whose shared strings table holds ``count`` one-letter strings."""
    table = (
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + b"<si><t>a</t></si>" * count
        + b"</sst>"
    )
    return _with_parts(good, target, {}, {"xl/sharedStrings.xml": table})
