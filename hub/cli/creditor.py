"""`creditor check [FILE]`, `creditor show`: the creditor profile (docs/creditor.md)."""

from __future__ import annotations

from pathlib import Path

import click

from hub.config import Settings
from hub.creditor import CreditorFileError
from hub.creditor import load_creditor
from hub.domain.creditor import CreditorProfile
from hub.domain.errors import UserError


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


def register(cli: click.Group) -> None:
    cli.add_command(creditor_group)
