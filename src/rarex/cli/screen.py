"""``rarex screen``: one name against every loaded watch list. Its own module, so that a screen
loads only what screening needs (not the licensing use cases of ``rarex hits``)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from rarex.cli.common import (
    JsonOpt,
    console,
    domain_errors,
    emit_json,
    err_console,
    one_of,
    parse_date,
)
from rarex.cli.context import open_context
from rarex.inputs import is_control
from rarex.screening import search as screening_search


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
    kind: Annotated[
        str | None,
        typer.Option(
            **one_of(("person", "organization"), code="screening.unknown_kind", help="What it is")
        ),
    ] = None,
    country: Annotated[
        str | None, typer.Option(metavar="COUNTRY", help="ISO country (code or name)")
    ] = None,
    on: Annotated[
        str | None, typer.Option("--on", metavar="YYYY-MM-DD", help="Screening date; default today")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many hits")] = 10,
    threshold: Annotated[
        float | None,
        typer.Option(
            metavar="0.6-1.0", help="This call's threshold; default RAREX_SCREENING_THRESHOLD"
        ),
    ] = None,
    identifier: Annotated[
        list[str] | None,
        typer.Option(
            "--id", metavar="ID", help="An identifier of the party (USCC, registration, tax)"
        ),
    ] = None,
    address: Annotated[str | None, typer.Option(metavar="TEXT", help="Its address")] = None,
    dob: Annotated[
        str | None, typer.Option("--dob", metavar="YYYY[-MM[-DD]]", help="Date of birth")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Screen a name against every loaded watch list: ranked hits with entity id, score, the
    list's status on the date, every name, address and identifier the list gives, and the
    explanation. Exit 0 with or without hits.

    Example: rarex screen "Huawei Technologies" --kind organization --country CN --on 2025-06-01
    """
    day = parse_date(on, option="--on") if on else None
    ctx = open_context()
    settings = screening_search.checked_threshold(threshold, ctx.settings.screening_threshold)
    with ctx.reading() as connection:  # a screen only reads: no ORM session, no audit
        (answer,) = screening_search.screen_names(
            connection, actor=None, clock=ctx.clock, names=[name], kind=kind, country=country,
            on=day, limit=limit, settings=settings, identifiers=identifier or (),
            address=address, date_of_birth=dob,
        )  # fmt: skip
        loaded = screening_search.lists_loaded(connection)
    if as_json:
        emit_json(answer.to_dict(name))
        return
    if not loaded:
        err_console.print("no watch list is loaded: `rarex lists import FILE` loads one")
    found = answer.hits
    if not found:
        console.print(f"no hit above the threshold ({settings.threshold:.2f}) for {escape(name)!r}")
    elif answer.total > len(found):
        console.print(f"{len(found)} of {answer.total} hits (--limit shows more)")
    for rank, hit in enumerate(found, 1):
        entry = hit.match.entry
        force = "in force" if hit.in_force else f"NOT in force on {hit.on.isoformat()}"
        status = hit.status.value if hit.status is not None else "not yet effective"
        console.print(
            f"[bold]{rank}. {escape(entry.entity_id)}[/bold]  score {hit.match.score:.2f}  "
            f"{_shown(entry.primary_name)}  {_shown(f'[{entry.list_name}; {status}, {force}]')}"
        )
        others = [n.text for n in entry.names if n.text != entry.primary_name]
        if others:
            console.print(f"   also: {_shown('; '.join(others))}")
        if entry.countries:
            console.print(f"   countries: {_shown(', '.join(entry.countries))}")
        for address in entry.addresses:
            console.print(f"   address: {_shown(address)}")
        if entry.identifiers:
            console.print(f"   identifiers: {_shown('; '.join(entry.identifiers))}")
        if entry.announcement:
            console.print(f"   announcement: {_shown(entry.announcement)}")
        for line in hit.match.explanation.render().splitlines():
            console.print(f"   {_shown(line)}")
