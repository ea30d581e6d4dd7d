"""The command line's tables: a Rich table for a person at a terminal, tab-separated text for a
pipe.

On a terminal the identifiers (``Col(..., key=True)``: a reference, a hit id, a license or
declaration number) are never cut nor wrapped, since the next command needs them whole; the
other columns wrap. Rich's last resort, when a table does not fit, would shorten every column,
identifiers included (``Table._calculate_column_widths``); so a table that cannot fit with its
identifiers whole and its other columns ``WRAPPED_MIN`` wide is printed as records instead, a
line per column (as psql's expanded display), and a terminal narrower than an identifier gets
lines longer than it is wide rather than a cut identifier.

Piped or redirected (the console is no terminal), a listing is one header line and one line per
row, the cells apart by tabs and whole, without styling, so that ``cut``, ``awk`` or a
spreadsheet read it. What is not a row (a page footer, "no screening hits") then goes to
stderr (``rarex.cli.common.remark``).

Cells are plain values and printed as written, never read as Rich markup: they hold applicants'
and watch lists' text. A ``rich.text.Text`` cell keeps its style on a terminal (a status in
colour) and is its plain text in a pipe.
"""

from __future__ import annotations

import re
from dataclasses import KW_ONLY, dataclass
from datetime import date, datetime
from enum import Enum
from typing import Literal

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segments
from rich.table import Table
from rich.text import Text

from rarex.inputs import is_control

# A column that wraps keeps at least this many characters (or its widest cell, if narrower; a
# date is 10): when the terminal cannot give every such column as much, the rows are printed as
# records instead. Rich narrows the widest columns first, so all of them keep this much.
WRAPPED_MIN = 10
# Two spaces between columns (a cell's right padding and the blank rule), none at the edges.
_GAP = 2
# Inside a pipe's cell: what would end the cell (a tab) or the row (a line break).
_BREAKS = re.compile(r"\r\n|[\t\n\r\v\f\x1c-\x1e\x85\u2028\u2029]")


@dataclass(frozen=True)
class Col:
    """A column: its header, whether it holds an identifier (``key``: never cut nor wrapped),
    and how its cells line up (numbers ``right``)."""

    header: str
    _: KW_ONLY
    key: bool = False
    justify: Literal["left", "right"] = "left"


Cell = str | Text


class Listing:
    """Rows under headers, printed as a table on a terminal and as TSV in a pipe. For example
    ``Listing(Col("reference", key=True), "state", Col("kg", justify="right"))``, then
    ``.add(view.reference, view.state, view.total_kg)`` for each row, then ``.print()``."""

    def __init__(self, *columns: str | Col) -> None:
        if not columns:
            raise ValueError("a listing needs at least one column")
        self.columns = tuple(c if isinstance(c, Col) else Col(c) for c in columns)
        self.rows: list[tuple[Cell, ...]] = []

    def add(self, *cells: object) -> None:
        """One row, a cell per column: text, numbers and dates as they read (None: empty)."""
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(tuple(_cell(value) for value in cells))

    def print(self, console: Console | None = None) -> None:
        """On ``console`` (default: stdout's), as a table if it is a terminal, else as TSV."""
        if console is None:
            from rarex.cli.common import console as stdout

            console = stdout
        if console.is_terminal:
            self._print_table(console)
        else:
            console.file.write(self.tsv())
            console.file.flush()

    def tsv(self) -> str:
        """The header line and a line per row, cells apart by tabs: what a pipe receives."""
        lines = [
            "\t".join(_flat(column.header) for column in self.columns),
            *("\t".join(_flat(_plain(cell)) for cell in row) for row in self.rows),
        ]
        return "\n".join(lines) + "\n"

    def table(self) -> Table:
        """The Rich table a terminal shows: identifiers ``no_wrap`` and at their full width."""
        table = Table(
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            collapse_padding=True,
            header_style="bold",
        )
        for index, column in enumerate(self.columns):
            if column.key:
                widest = self._widest(index)
                table.add_column(
                    Text(column.header), justify=column.justify, no_wrap=True, min_width=widest
                )
            else:
                table.add_column(Text(column.header), justify=column.justify, overflow="fold")
        for row in self.rows:
            table.add_row(*(_shown(cell) for cell in row))
        return table

    def records(self) -> Table:
        """The rows one below the other, a line per column (``header  value``), a blank line
        between rows: what a terminal too narrow for the table shows."""
        grid = Table.grid(padding=(0, _GAP, 0, 0))
        grid.add_column(no_wrap=True, style="bold")
        grid.add_column(overflow="fold")
        for number, row in enumerate(self.rows):
            if number:
                grid.add_row()
            for column, cell in zip(self.columns, row, strict=True):
                value = _shown(cell)
                if column.key:
                    value.no_wrap = True
                grid.add_row(Text(column.header), value)
        return grid

    def needed_width(self) -> int:
        """The narrowest the table can be with every identifier whole and every other column at
        least ``WRAPPED_MIN`` characters wide (or its widest cell, if narrower)."""
        content = 0
        for index, column in enumerate(self.columns):
            widest = self._widest(index)
            content += widest if column.key else min(widest, WRAPPED_MIN)
        return content + _GAP * (len(self.columns) - 1)

    def _records_width(self) -> int:
        """The narrowest the records can be with every identifier whole."""
        headers = max(cell_len(column.header) for column in self.columns)
        widest_key = max(
            (self._widest(i, header=False) for i, c in enumerate(self.columns) if c.key),
            default=0,
        )
        return headers + _GAP + max(widest_key, WRAPPED_MIN)

    def _widest(self, index: int, *, header: bool = True) -> int:
        cells = [_shown(row[index]) for row in self.rows]
        if header:
            cells.append(Text(self.columns[index].header))
        return max(
            (max(cell_len(line) for line in cell.plain.split("\n")) for cell in cells),
            default=0,
        )

    def _print_table(self, console: Console) -> None:
        if not self.rows or self.needed_width() <= console.width:
            console.print(self.table())
            return
        # Rich would cut the identifiers to fit the terminal (its last resort shortens every
        # column): a row a record instead, as psql's expanded display does.
        records = self.records()
        needed = self._records_width()
        if needed <= console.width:
            console.print(records)
            return
        # Narrower still than an identifier: lines longer than the terminal rather than cut.
        segments = console.render(records, console.options.update_width(needed))
        console.print(Segments(segments), crop=False, overflow="ignore")


def _cell(value: object) -> Cell:
    if value is None:
        return ""
    if isinstance(value, Text | str):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _plain(cell: Cell) -> str:
    return cell.plain if isinstance(cell, Text) else cell


def _flat(text: str) -> str:
    """A cell of a pipe's line: its tabs and line breaks become single spaces."""
    return _BREAKS.sub(" ", text)


def _shown(cell: Cell) -> Text:
    """A cell as a terminal shows it: ``Text`` is never read as markup; control and format
    characters (ESC, a bidi override) are written out as escapes, not obeyed. Line breaks stay
    (a cell of several lines)."""
    plain = _plain(cell)
    if any(is_control(ch) and ch != "\n" for ch in plain):
        plain = "".join(
            ch.encode("unicode_escape").decode("ascii") if is_control(ch) and ch != "\n" else ch
            for ch in plain
        )
    elif isinstance(cell, Text):
        return cell.copy()
    return Text(plain, style=cell.style if isinstance(cell, Text) else "")
