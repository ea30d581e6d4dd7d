"""``rarex screen``: one name against every loaded watch list. Its own module, so that a screen
loads only what screening needs (not the licensing use cases of ``rarex hits``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from rarex.cli.common import console, domain_errors, emit_json, err_console, parse_date
from rarex.cli.context import open_context
from rarex.inputs import is_control
from rarex.screening import search as screening_search

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the stable JSON shape.")]


def _shown(text: str) -> str:
    """List data as a terminal may print it: control and format characters written out as
    escapes (a list is someone else's data, and ESC or a bidi override would be obeyed), and
    Rich markup escaped."""
    if not text.isprintable():
        text = "".join(
            ch.encode("unicode_escape").decode("ascii") if is_control(ch) else ch for ch in text
        )
    return escape(text)


@domain_errors
def screen_command(
    name: Annotated[str, typer.Argument(help="The name to screen, in any script")],
    kind: Annotated[str | None, typer.Option(help="person or organization")] = None,
    country: Annotated[str | None, typer.Option(help="ISO country (code or name)")] = None,
    on: Annotated[
        str | None, typer.Option("--on", metavar="YYYY-MM-DD", help="Screening date; default today")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many hits")] = 10,
    as_json: JsonOpt = False,
) -> None:
    """Screen a name against every loaded watch list: ranked hits with entity id, score, the
    list's status on the date and the explanation. Exit 0 with or without hits."""
    day = parse_date(on, option="--on") if on else None
    ctx = open_context()
    with ctx.unit_of_work() as session:
        (found,) = screening_search.search_names(
            session, actor=None, clock=ctx.clock, names=[name], kind=kind, country=country,
            on=day, limit=limit,
            settings=screening_search.match_settings(ctx.settings.screening_threshold),
        )  # fmt: skip
        loaded = screening_search.lists_loaded(session)
    if as_json:
        emit_json({"query": name, "hits": [h.to_dict() for h in found]})
        return
    if not loaded:
        err_console.print("no watch list is loaded: `rarex lists import FILE` loads one")
    if not found:
        console.print(f"no hit above the threshold for {escape(name)!r}")
    for rank, hit in enumerate(found, 1):
        entry = hit.match.entry
        force = "in force" if hit.in_force else f"NOT in force on {hit.on.isoformat()}"
        status = hit.status.value if hit.status is not None else "not yet effective"
        console.print(
            f"[bold]{rank}. {escape(entry.entity_id)}[/bold]  score {hit.match.score:.2f}  "
            f"{_shown(entry.primary_name)}  {_shown(f'[{entry.list_name}; {status}, {force}]')}"
        )
        if entry.announcement:
            console.print(f"   announcement: {_shown(entry.announcement)}")
        for line in hit.match.explanation.render().splitlines():
            console.print(f"   {_shown(line)}")
