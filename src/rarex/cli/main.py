"""The `rarex` command: thin shells over the same services as the API.

Command modules are named here, not imported: each is imported only when one of its commands
runs (``rarex.cli.lazy``), so ``rarex --help`` does not load the database layer, the pinyin
dictionary or matplotlib. A new command module is added to ``RarexGroup.lazy_commands``.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

import typer

from rarex import __version__
from rarex.cli.lazy import LazyCommand, LazyGroup


class RarexGroup(LazyGroup):
    lazy_commands: ClassVar[dict[str, LazyCommand]] = {
        "catalog": LazyCommand(
            "rarex.cli.catalog:app",
            "The rare-earth export control list: time-travel checks by control code or HS code.",
        ),
        "calendar": LazyCommand("rarex.cli.calendar:app", "China's official working-day calendar."),
        "applications": LazyCommand("rarex.cli.applications:app", "Export-license applications."),
        "licenses": LazyCommand("rarex.cli.licenses:app", "Issued licenses and their balances."),
        "customs": LazyCommand(
            "rarex.cli.customs:app", "Customs declarations, clearance and reconciliation."
        ),
        "stats": LazyCommand("rarex.cli.stats:app", "Official monthly export statistics."),
        "lists": LazyCommand(
            "rarex.cli.screening:lists_app", "Watch lists: import a version, see what is loaded."
        ),
        "hits": LazyCommand(
            "rarex.cli.screening:hits_app",
            "Screening hits on applications: list, screen now, resolve.",
        ),
        "screen": LazyCommand(
            "rarex.cli.screen:screen_command",
            "Screen a name against every loaded watch list: ranked hits with entity id, score, "
            "the list's status on the date, every name, address and identifier the list gives, "
            "and the explanation.",
        ),
        "db": LazyCommand("rarex.cli.operations:db_app", "Database schema, backup and restore."),
        "audit": LazyCommand(
            "rarex.cli.operations:audit_app",
            "The hash-chained audit log: signed checkpoints outside the database, verification.",
        ),
        "users": LazyCommand("rarex.cli.users:users_app", "Users and API tokens."),
        "partner": LazyCommand(
            "rarex.cli.partner:partner_app",
            "The partner-authority channel: cases, inquiries, priority lists, trusted end "
            "users, outcome figures.",
        ),
        "notify": LazyCommand(
            "rarex.cli.notify:notify_app", "Notifications: send them by e-mail, read the outbox."
        ),
        "companies": LazyCommand(
            "rarex.cli.system:companies_app", "Exporters (applicant companies)."
        ),
        "serve": LazyCommand(
            "rarex.cli.system:serve",
            "Run the web pages and the API on the configured database (migrating an empty one "
            "first).",
        ),
        "demo": LazyCommand(
            "rarex.cli.system:demo",
            "Reset the database and play a realistic caseload through weeks of simulated time.",
        ),
    }


app = typer.Typer(
    name="rarex",
    cls=RarexGroup,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"rarex {__version__}")
        raise typer.Exit()


@app.callback()
def rarex(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Rarex: export-control licensing for rare earths.

    Each command's --help says what it does, with an example. On a terminal, lists are tables;
    piped or redirected, they are tab-separated lines under a header line, and what is not a
    row (the page footer) goes to stderr. --json prints the stable JSON shape.

    Example: rarex applications list --as officer.li --state submitted
    """


if __name__ == "__main__":  # pragma: no cover
    app()
