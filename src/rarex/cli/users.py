"""Users and their API tokens, roles, passwords and sign-in locks, from the command line."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.markup import escape

from rarex.auth.contact import MAIL_LANGUAGES, set_contact
from rarex.auth.roles import Actor, Role
from rarex.auth.service import (
    change_role,
    create_user,
    deactivate_user,
    declare_conflict,
    issue_token,
    list_users,
    revoke_token,
    revoke_tokens,
    rotate_token,
    tokens_of,
    user_named,
)
from rarex.auth.sign_in import SignInPolicy, set_password, unlock_sign_in
from rarex.cli.common import (
    JsonOpt,
    console,
    domain_errors,
    emit_json,
    fail,
    one_of,
    parse_date,
)
from rarex.cli.context import open_context
from rarex.cli.tables import Col, Listing
from rarex.clock import end_of_authority_day
from rarex.inputs import listed_codes
from rarex.models import ApiToken, User
from rarex.parties.service import company_by_uscc

users_app = typer.Typer(
    help="""Users and API tokens.

    Example: rarex users create officer.zhou --role licensing_officer
    """,
    no_args_is_help=True,
)


@users_app.command("create")
@domain_errors
def users_create(
    username: str,
    role: Annotated[str, typer.Option(**one_of(Role, code="auth.unknown_role", help="The role"))],
    display_name: Annotated[
        str | None, typer.Option(metavar="NAME", help="Default: the username")
    ] = None,
    company: Annotated[
        str | None, typer.Option(metavar="USCC", help="The exporter's (exporters only)")
    ] = None,
    partner_country: Annotated[
        list[str] | None,
        typer.Option(metavar="CC", help="A country a partner authority follows; repeat"),
    ] = None,
    partner_group: Annotated[
        list[str] | None,
        typer.Option(
            metavar="GROUP",
            help="A country group a partner authority follows, as it is on each day: EU; repeat",
        ),
    ] = None,
    email: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS", help="Where notifications are mailed (none: the page only)"
        ),
    ] = None,
    language: Annotated[
        str,
        typer.Option(
            **one_of(
                MAIL_LANGUAGES,
                code="auth.unknown_language",
                help="The language of the user's notifications",
            ),
            show_default=True,
        ),
    ] = "en",
    as_json: JsonOpt = False,
) -> None:
    """Create a user and print its API token (shown once; only its hash is stored). A partner
    authority needs a country or a group.

    Example: rarex users create eu.desk --role partner_authority --partner-group EU --email
    desk@eu.example --language en
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        company_id = company_by_uscc(session, uscc=company).id if company else None
        user = create_user(
            session,
            clock=ctx.clock,
            actor=None,
            username=username,
            display_name=display_name or username,
            role=Role(role),
            company_id=company_id,
            partner_countries=partner_country or [],
            partner_groups=partner_group or [],
            email=email,
            language=language,
        )
        token = issue_token(session, clock=ctx.clock, actor=None, user_id=user.id, label="cli")
    if as_json:
        emit_json({"username": username, "role": role, "token": token})
    else:
        console.print(f"created {username} ({role}); API token (shown once): {token}")


@users_app.command("set-password")
@domain_errors
def users_set_password(
    username: Annotated[str, typer.Argument(help="The user who will sign in with it")],
    as_json: JsonOpt = False,
) -> None:
    """Set a user's web sign-in password, asked twice at the prompt (never on the command
    line, where the shell's history and the process list would keep it). Ends the user's web
    sessions; audited.

    Example: rarex users set-password officer.li
    """
    password = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    ctx = open_context()
    with ctx.unit_of_work() as session:
        set_password(
            session, clock=ctx.clock, actor=None, username=username, password=password,
            policy=SignInPolicy.of(ctx.settings),
        )  # fmt: skip
    if as_json:
        emit_json({"username": username, "password_set": True})
    else:
        console.print(f"password set for {username}; their web sessions are ended")


@users_app.command("deactivate")
@domain_errors
def users_deactivate(username: str, as_json: JsonOpt = False) -> None:
    """Deactivate a user and revoke all its tokens (audited).

    Example: rarex users deactivate officer.wang
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        user = deactivate_user(session, clock=ctx.clock, actor=None, username=username)
        body = {"username": user.username, "active": user.active}
    if as_json:
        emit_json(body)
    else:
        console.print(f"deactivated {username}")


@users_app.command("revoke-tokens")
@domain_errors
def users_revoke_tokens(username: str, as_json: JsonOpt = False) -> None:
    """Revoke every live API token of a user (audited).

    Example: rarex users revoke-tokens officer.wang
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        count = revoke_tokens(session, clock=ctx.clock, actor=None, username=username)
    body = {"username": username, "tokens_revoked": count}
    if as_json:
        emit_json(body)
    else:
        console.print(f"revoked {count} token(s) of {username}")


@users_app.command("declare-conflict")
@domain_errors
def users_declare_conflict(
    username: Annotated[str, typer.Argument(help="The licensing officer")],
    company: Annotated[
        str, typer.Option(metavar="USCC", help="The exporter the officer is linked to")
    ],
    reason: Annotated[str, typer.Option(help="The link (audited)")],
) -> None:
    """Record an officer's link to an exporter: the officer may not act on its cases.

    Example: rarex users declare-conflict officer.wang --company 91150200615234700F --reason
    "Brother-in-law is a director"
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        officer = ctx.actor(session, username)
        target = company_by_uscc(session, uscc=company)
        declare_conflict(
            session,
            clock=ctx.clock,
            actor=None,
            user_id=officer.user_id,
            company_id=target.id,
            reason=reason,
        )
    console.print(f"{username} may no longer act on cases of {escape(target.name)}")


def _token_row(token: ApiToken) -> dict[str, object]:
    return {
        "id": str(token.id),
        "label": token.label,
        "created_at": token.created_at.isoformat(),
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
    }


def _user_row(user: User) -> dict[str, object]:
    return {
        "username": user.username, "role": user.role, "active": user.active,
        "company_id": str(user.company_id) if user.company_id else None,
        "partner_countries": list(user.partner_countries or []),
        "partner_groups": list(user.partner_groups or []),
        "has_password": user.password_hash is not None,
        "email": user.email, "language": user.language,
    }  # fmt: skip


@users_app.command("list")
@domain_errors
def users_list(as_json: JsonOpt = False) -> None:
    """Every user: role, company, partner countries and groups, active, whether it has a
    password.

    Example: rarex users list --json
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        admin = Actor(user_id=uuid.UUID(int=0), username="operator", role=Role.ADMINISTRATOR)
        rows = [_user_row(u) for u in list_users(session, actor=admin)]
    if as_json:
        emit_json({"users": rows})
        return
    listing = Listing(Col("username", key=True), "role", "state")
    for row in rows:
        listing.add(row["username"], row["role"], "active" if row["active"] else "deactivated")
    listing.print()


@users_app.command("issue-token")
@domain_errors
def users_issue_token(
    username: Annotated[str, typer.Argument(help="An existing, active user")],
    label: Annotated[str, typer.Option(help="What the token is for")],
    expires: Annotated[
        str | None,
        typer.Option(metavar="YYYY-MM-DD", help="Last day it works (Beijing); none: no expiry"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Issue an API token to an existing user (also one whose tokens were revoked); the
    value is printed once.

    Example: rarex users issue-token officer.li --label laptop --expires 2027-06-30
    """
    ctx = open_context()
    expires_at = end_of_authority_day(parse_date(expires, option="--expires")) if expires else None
    with ctx.unit_of_work() as session:
        user = user_named(session, username)
        token = issue_token(
            session, clock=ctx.clock, actor=None, user_id=user.id, label=label,
            expires_at=expires_at,
        )  # fmt: skip
    body = {
        "username": username, "label": label, "token": token,
        "expires_at": expires_at.isoformat() if expires_at else None,
    }  # fmt: skip
    if as_json:
        emit_json(body)
    else:
        console.print(f"token for {username} ({label}): {token}")


@users_app.command("tokens")
@domain_errors
def users_tokens(username: str, as_json: JsonOpt = False) -> None:
    """A user's API tokens, newest first, never their values.

    Example: rarex users tokens officer.li
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        admin = Actor(user_id=uuid.UUID(int=0), username="operator", role=Role.ADMINISTRATOR)
        rows = [_token_row(t) for t in tokens_of(session, actor=admin, username=username)]
    if as_json:
        emit_json({"username": username, "tokens": rows})
        return
    listing = Listing(Col("id", key=True), "label", "state")
    for row in rows:
        state = "revoked" if row["revoked_at"] else f"expires {row['expires_at'] or 'never'}"
        listing.add(row["id"], row["label"], state)
    listing.print()


@users_app.command("revoke-token")
@domain_errors
def users_revoke_token(token_id: str, as_json: JsonOpt = False) -> None:
    """Revoke one API token by its id (see `rarex users tokens`).

    Example: rarex users revoke-token 6b1f0c2e-8d4a-4e7b-9f3c-2a1d5e6f7a8b
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        token = revoke_token(session, clock=ctx.clock, actor=None, token_id=_token_id(token_id))
        row = _token_row(token)
    if as_json:
        emit_json(row)
    else:
        console.print(f"revoked token {row['id']} ({row['label']})")


@users_app.command("rotate-token")
@domain_errors
def users_rotate_token(token_id: str, as_json: JsonOpt = False) -> None:
    """Replace an API token by a new one (same name, same length of life), printed once;
    the old one is revoked.

    Example: rarex users rotate-token 6b1f0c2e-8d4a-4e7b-9f3c-2a1d5e6f7a8b
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        token = rotate_token(session, clock=ctx.clock, actor=None, token_id=_token_id(token_id))
    if as_json:
        emit_json({"token": token})
    else:
        console.print(f"new token: {token}")


@users_app.command("set-role")
@domain_errors
def users_set_role(
    username: Annotated[str, typer.Argument(help="The user whose role changes")],
    role: Annotated[
        str,
        typer.Argument(
            **one_of(Role, code="auth.unknown_role", help="The new role", metavar="role")
        ),
    ],
    as_user: Annotated[str, typer.Option("--as", help="Administrator username")],
    company: Annotated[
        str | None, typer.Option(metavar="USCC", help="The exporter's (exporters only)")
    ] = None,
    countries: Annotated[
        str | None,
        typer.Option(metavar="CC,CC", help="ISO codes a partner authority follows: DE,FR"),
    ] = None,
    groups: Annotated[
        str | None,
        typer.Option(metavar="GROUP,GROUP", help="Country groups a partner authority follows: EU"),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a user's role, company or jurisdiction (audited), checked as at creation; a
    partner authority needs a country or a group, and the last active administrator keeps the
    role. Ends the user's web sessions; API tokens stay.

    Example: rarex users set-role eu.liaison partner_authority --countries DE,FR --as admin
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        admin = ctx.actor(session, as_user)
        company_id = company_by_uscc(session, uscc=company).id if company else None
        user = change_role(
            session, clock=ctx.clock, actor=admin, username=username, role=Role(role),
            company_id=company_id,
            partner_countries=listed_codes(countries), partner_groups=listed_codes(groups),
        )  # fmt: skip
        row = _user_row(user)
        follows = ", ".join([*(user.partner_groups or []), *(user.partner_countries or [])])
        shown = f"{user.role} ({follows})" if follows else user.role
    if as_json:
        emit_json(row)
    else:
        console.print(f"{username} is now {shown}; their web sessions are ended")


@users_app.command("set-contact")
@domain_errors
def users_set_contact(
    username: Annotated[str, typer.Argument(help="The user to reach")],
    email: Annotated[
        str | None,
        typer.Option(
            metavar="ADDRESS", help='Where notifications are mailed; "" removes the address'
        ),
    ] = None,
    language: Annotated[
        str | None,
        typer.Option(
            **one_of(
                MAIL_LANGUAGES,
                code="auth.unknown_language",
                help="The language of the user's notifications",
            )
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change where a user's notifications are mailed and the language they are written in
    (what is not given stays; audited, without the address).

    Example: rarex users set-contact eu.liaison --email liaison@eu.example --language en
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        if email is None:
            user = set_contact(
                session, clock=ctx.clock, actor=None, username=username, language=language
            )
        else:
            user = set_contact(
                session, clock=ctx.clock, actor=None, username=username, email=email,
                language=language,
            )  # fmt: skip
        row = _user_row(user)
    if as_json:
        emit_json(row)
    else:
        console.print(
            f"{username}: notifications in {row['language']}, "
            f"{'mailed to ' + escape(str(row['email'])) if row['email'] else 'on the page only'}"
        )


@users_app.command("unlock")
@domain_errors
def users_unlock(username: str, as_json: JsonOpt = False) -> None:
    """Forget a user's failed sign-ins from every address (audited).

    Example: rarex users unlock officer.li
    """
    ctx = open_context()
    with ctx.unit_of_work() as session:
        freed = unlock_sign_in(session, clock=ctx.clock, actor=None, username=username)
    if as_json:
        emit_json({"username": username, "addresses_freed": freed})
    else:
        console.print(f"{username}: {freed} address(es) unlocked")


def _token_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw.strip())
    except ValueError:
        raise fail("auth.token_not_found", f"{raw!r} is not a token id") from None
