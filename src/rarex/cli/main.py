"""The `rarex` command: thin shells over the same services as the API."""

from __future__ import annotations

import typer

from rarex.cli import applications, catalog, customs, licenses, screening, stats, system

app = typer.Typer(
    name="rarex",
    help="Rarex: export-control licensing for rare earths.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog.app, name="catalog")
app.add_typer(system.calendar_app, name="calendar")
app.add_typer(applications.app, name="applications")
app.add_typer(licenses.app, name="licenses")
app.add_typer(customs.app, name="customs")
app.add_typer(stats.app, name="stats")
app.add_typer(screening.lists_app, name="lists")
app.add_typer(screening.hits_app, name="hits")
app.command("screen")(screening.screen_command)
app.add_typer(system.db_app, name="db")
app.add_typer(system.audit_app, name="audit")
app.add_typer(system.users_app, name="users")
app.add_typer(system.companies_app, name="companies")
app.command("serve")(system.serve)
app.command("demo")(system.demo)

if __name__ == "__main__":  # pragma: no cover
    app()
