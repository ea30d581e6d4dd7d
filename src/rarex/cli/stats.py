"""`rarex stats` commands (issue 3)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Official monthly export statistics.", no_args_is_help=True)
