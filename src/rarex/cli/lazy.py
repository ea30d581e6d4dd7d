"""A command group whose sub-commands are imported only when one of them runs.

Each command module imports the services it drives, and through them SQLAlchemy, Alembic, the
pinyin dictionary or matplotlib; importing all of them made ``rarex --help`` take 1.6 s. Click
documents the pattern (a group that resolves ``get_command`` from an import path); Typer builds
on Click, so this is Click's ``LazyGroup`` on Typer's group. The group's own help lists the
commands from the short help given where they are registered, without importing them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from difflib import get_close_matches
from functools import cache
from typing import Any, ClassVar

import typer
from typer import _click  # Typer's own copy of Click; TyperGroup's methods take its Context.
from typer.core import TyperCommand, TyperGroup

from rarex.cli.common import refusal_for
from rarex.cli.helptext import reflow, reflow_tree, use_click_metavars

# Every command's help, the lazy ones' and the root's, shows Click's metavars (TEXT, FILE,
# [green|ordinary]) rather than Typer's <str> and <bool> (rarex.cli.helptext).
use_click_metavars()


@dataclass(frozen=True)
class LazyCommand:
    """``target`` is ``module:attribute``: a ``typer.Typer`` sub-app or one command function."""

    target: str
    short_help: str

    def load(self, name: str) -> _click.Command:
        return _built(self.target, name)


@cache
def _built(target: str, name: str) -> _click.Command:
    """The Click command of ``target`` under ``name``, built once per process: building reads
    every command function's signature (a few milliseconds per group), and a Click command is
    only read when it runs, so the test suite's hundreds of in-process runs share one."""
    module_name, _, attribute = target.partition(":")
    loaded = getattr(importlib.import_module(module_name), attribute)
    command: _click.Command
    if isinstance(loaded, typer.Typer):
        command = typer.main.get_group(loaded)  # a group, as add_typer would have made it
    else:
        single = typer.Typer(add_completion=False)
        single.command(name)(loaded)
        command = typer.main.get_command(single)
    command.name = name
    reflow_tree(command)
    return command


class LazyGroup(TyperGroup):
    """Subclasses name their commands in ``lazy_commands``; each is imported when it is run, or
    when its own ``--help`` is asked for, and then kept (``_built``)."""

    lazy_commands: ClassVar[dict[str, LazyCommand]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.help = reflow(self.help)
        self._listing = False

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*super().list_commands(ctx), *self.lazy_commands]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        command = super().get_command(ctx, cmd_name)
        lazy = self.lazy_commands.get(cmd_name)
        if command is not None or lazy is None:
            return command
        if self._listing:
            # Only the name and short help are shown: no need to import the module.
            return TyperCommand(cmd_name, short_help=lazy.short_help, help=lazy.short_help)
        return lazy.load(cmd_name)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except _click.exceptions.UsageError as exc:
            # Typer suggests from the commands it holds; the lazy ones are named here only.
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if self.suggest_commands and matches and "Did you mean" not in exc.message:
                suggestions = ", ".join(repr(match) for match in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    def format_help(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: _click.Context) -> Any:
        """Every command, decorated with ``domain_errors`` or not, refuses bad configuration, an
        unusable database and domain errors with one line and exit 2, never a traceback."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            refusal = refusal_for(exc)
            if refusal is None:
                raise
            raise refusal from None
