"""`creditor check [FILE]`: the creditor profile (docs/creditor.md); `creditor add`,
`profile`, `grant`, `revoke` and `list`: the creditor companies one hub serves
(docs/creditors.md)."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.context import cli_actor
from hub.cli.context import get_hub
from hub.config import Settings
from hub.creditor import CreditorFileError
from hub.creditor import load_creditor
from hub.domain.creditor import CreditorProfile
from hub.domain.errors import UserError
from hub.ledger.current import DEFAULT_CREDITOR


@click.group("creditor")
def creditor_group() -> None:
    """Who is owed: the name, address and bank accounts debtors see."""


def _describe(profile: CreditorProfile) -> list[str]:
    lines = [*profile.letterhead()]
    for account in profile.accounts:
        parts = [f"IBAN {account.iban_printed}" if account.iban else "",
                 f"BIC {account.bic}" if account.bic else "",
                 f"sort code {account.sort_code_printed}" if account.sort_code else "",
                 f"account {account.account_number}" if account.account_number else ""]
        lines.append(f"{account.currency}: " + ", ".join(part for part in parts if part))
    lines.append(f"payment references per {profile.reference_per}"
                 + (f", with the {profile.national_reference} national format"
                    if profile.national_reference else ""))
    if profile.sms_sender_id:
        lines.append(f"SMS sender id: {profile.sms_sender_id}")
    return lines


@creditor_group.command("check")
@click.argument("file", required=False, type=click.Path(path_type=Path))
def check(file: Path | None) -> None:
    """Check a creditor profile (default: HUB_CREDITOR_FILE).

    Exit status 0 when it can be used, 2 when it cannot or none is configured."""
    path = file or Settings.from_env().creditor_file
    if path is None:
        raise UserError("no creditor profile: HUB_CREDITOR_FILE is not set, so messages "
                        "carry no bank details, payment reference or QR code "
                        "(docs/creditor.md)")
    try:
        profile = load_creditor(path)
    except CreditorFileError as exc:
        for name, problem in exc.problems.items():
            click.secho(f"{path}: {name}: {problem}", fg="red", err=True)
        raise UserError(f"{path}: {len(exc.problems)} problem"
                        f"{'s' if len(exc.problems) != 1 else ''}; the profile is not "
                        "used") from None
    for line in _describe(profile):
        click.echo(line)
    if not profile.accounts:
        click.secho(f"{path}: warning: no bank account, so messages give the payment "
                    "reference but no bank details", fg="yellow")
    click.secho(f"{path}: OK", fg="green")


@creditor_group.command("add")
@click.argument("code")
@click.option("--name", required=True, help="The company's name.")
@click.option("--profile", "profile_file", type=click.Path(path_type=Path),
              help="Its creditor profile (YAML, as docs/creditor.md), checked and kept.")
@click.pass_context
def add(ctx: click.Context, code: str, name: str, profile_file: Path | None) -> None:
    """Add a creditor company (platform admin). Its users act only for it."""
    from hub.services.staff.creditors import add_creditor  # noqa: PLC0415

    text = None
    if profile_file is not None:
        try:
            load_creditor(profile_file)
        except CreditorFileError as exc:
            problems = "; ".join(f"{field}: {problem}" for field, problem in exc.problems.items())
            raise UserError(f"{profile_file}: {problems}") from None
        text = profile_file.read_text(encoding="utf-8")
    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        creditor = add_creditor(connection, code=code, name=name, profile=text,
                                now=hub.clock.now())
    click.echo(f"creditor {creditor.code} ({creditor.name}) added with id {creditor.id}; "
               f"add its users with `python app.py --creditor {creditor.code} users add`")


@creditor_group.command("profile")
@click.argument("code")
@click.argument("profile_file", metavar="FILE", type=click.Path(path_type=Path))
@click.pass_context
def profile_command(ctx: click.Context, code: str, profile_file: Path) -> None:
    """Replace a creditor's profile (not the default one's: that is HUB_CREDITOR_FILE)
    with FILE, checked first, its sheets section included (docs/creditors.md)."""
    from hub.services.staff.creditors import creditor_by_code  # noqa: PLC0415
    from hub.services.staff.creditors import set_profile  # noqa: PLC0415

    try:
        load_creditor(profile_file)
    except CreditorFileError as exc:
        problems = "; ".join(f"{field}: {problem}" for field, problem in exc.problems.items())
        raise UserError(f"{profile_file}: {problems}") from None
    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        creditor = creditor_by_code(connection, code)
        if creditor.id == DEFAULT_CREDITOR:
            raise UserError("the default creditor's profile is the file HUB_CREDITOR_FILE "
                            "names: edit that file, or the Creditor page")
        set_profile(connection, creditor.id, profile_file.read_text(encoding="utf-8"))
    click.echo(f"creditor {creditor.code}: profile replaced from {profile_file}")


@creditor_group.command("grant")
@click.argument("email")
@click.argument("code")
@click.pass_context
def grant_command(ctx: click.Context, email: str, code: str) -> None:
    """Let a user (platform staff) act for creditor CODE too."""
    from hub.services.staff.creditors import grant  # noqa: PLC0415

    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        creditor = grant(connection, email=email, code=code, actor=cli_actor(),
                         now=hub.clock.now())
    click.echo(f"{email} may now act for creditor {creditor.code} ({creditor.name})")


@creditor_group.command("revoke")
@click.argument("email")
@click.argument("code")
@click.pass_context
def revoke_command(ctx: click.Context, email: str, code: str) -> None:
    """Take back a user's grant for creditor CODE."""
    from hub.services.staff.creditors import revoke  # noqa: PLC0415

    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        revoke(connection, email=email, code=code)
    click.echo(f"{email} no longer acts for creditor {code}")


@creditor_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """The creditor companies, and the platform staff granted each."""
    from hub.services.staff.creditors import grants_by_creditor  # noqa: PLC0415
    from hub.services.staff.creditors import list_creditors  # noqa: PLC0415

    hub = get_hub(ctx)
    with hub.engine.connect() as connection:
        everyone = list_creditors(connection)
        granted = grants_by_creditor(connection)
    for creditor in everyone:
        profile = "profile: HUB_CREDITOR_FILE" if creditor.profile is None and \
            creditor.id == 1 else "profile: kept" if creditor.profile else "no profile"
        staff = ", ".join(granted.get(creditor.id, [])) or "-"
        click.echo(f"{creditor.id}\t{creditor.code}\t{creditor.name}\t{profile}\t"
                   f"granted: {staff}")


def register(cli: click.Group) -> None:
    cli.add_command(creditor_group)
