"""`rarex customs` commands (issue 3)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Customs declarations, clearance and reconciliation.", no_args_is_help=True)
