"""Reading a declaration file before an import takes its lock (issue 14): the rows alone,
every declaration built and validated (``customs.tabular.check_file``, which spools a
workbook's rows), and the rows read again for the filing, for a CSV of
``--rows`` one-line declarations and, with ``--xlsx``, the same as a workbook. No database.

    python bench/bench_import_read.py --rows 200000 [--xlsx]
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

from rarex.config import Settings
from rarex.customs import tabular


def _row(n: int) -> list[str]:
    return [
        f"D{n:012d}", "91110000100000000X", "LIC-1", "DE", "Rheinland Antriebstechnik GmbH",
        "DE", "Tianjin", "2025-06-04", "", "1", "2805301200", "1C905.a", "Dysprosium metal",
        "10.5", "100", "USD",
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--xlsx", action="store_true")
    args = parser.parse_args()
    limits = tabular.ImportLimits.of(Settings(environment="test"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "declarations.csv"
        with path.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(tabular.COLUMNS)
            writer.writerows(_row(n) for n in range(args.rows))
        files = [path]
        if args.xlsx:
            from openpyxl import Workbook  # type: ignore[import-untyped,unused-ignore]

            book = Workbook(write_only=True)
            sheet = book.create_sheet()
            sheet.append(list(tabular.COLUMNS))
            for n in range(args.rows):
                sheet.append(_row(n))
            files.append(Path(folder) / "declarations.xlsx")
            book.save(files[-1])
        for file in files:
            began = time.perf_counter()
            rows = sum(1 for _ in tabular.read_rows(file, limits))
            read = time.perf_counter() - began
            began = time.perf_counter()
            checked = tabular.check_file(file, limits, spool=Path(folder) / "rows.jsonl")
            built = time.perf_counter() - began
            began = time.perf_counter()
            again = sum(1 for _ in tabular.checked_rows(file, checked, limits))
            reread = time.perf_counter() - began
            print(
                f"{file.suffix[1:]}: {file.stat().st_size:,} bytes, {rows:,} rows; read "
                f"{read:.2f} s ({rows / read:,.0f} rows/s); check_file {built:.2f} s "
                f"({checked.rows / built:,.0f} rows/s); read again for filing {reread:.2f} s "
                f"({again / reread:,.0f} rows/s)"
            )


if __name__ == "__main__":
    main()
