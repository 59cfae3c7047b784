"""`import ...`: load ERP exports and bank statements into the ledger."""

from __future__ import annotations

import click


@click.group("import")
def import_group() -> None:
    """Import customers, invoices, payments and bank statements."""


def register(cli: click.Group) -> None:
    cli.add_command(import_group)
