"""`export holds [--format csv|json] [--output FILE]`: the sales-hold blacklist."""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path

import click

from hub.cli.context import get_hub
from hub.domain.cells import SafeCsvWriter
from hub.services.accounts.holds import HoldRow
from hub.services.accounts.holds import active_holds

COLUMNS = ("customer_code", "customer_name", "country", "on_hold_since", "reason",
           "open_balance", "currency")


def _record(row: HoldRow) -> dict[str, str]:
    return {"customer_code": row.customer_code, "customer_name": row.customer_name,
            "country": row.country or "", "on_hold_since": row.since.isoformat(),
            "reason": row.reason,
            "open_balance": str(row.open_balance.amount) if row.open_balance else "",
            "currency": row.open_balance.currency if row.open_balance else ""}


def render(rows: list[HoldRow], fmt: str) -> str:
    records = [_record(row) for row in rows]
    if fmt == "json":
        return json.dumps({"holds": records, "count": len(records)}, indent=2,
                          ensure_ascii=False) + "\n"
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, lineterminator="\n")  # formula-like text neutralised
    writer.writerow(COLUMNS)
    writer.writerows([record[key] for key in COLUMNS] for record in records)
    return buffer.getvalue()


def _write_atomically(path: Path, text: str) -> None:
    """The sales system never reads a half-written file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@click.group("export")
def export() -> None:
    """Export lists for other systems."""


@export.command("holds")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--output", type=click.Path(path_type=Path, dir_okay=False),
              help="write to this file (replaced atomically) instead of standard output")
@click.pass_context
def holds(ctx: click.Context, fmt: str, output: Path | None) -> None:
    """Customers on sales hold: the blacklist for the sales system."""
    hub = get_hub(ctx)
    with hub.engine.connect() as connection:
        rows = active_holds(connection)
    text = render(rows, fmt)
    if output is None:
        click.echo(text, nl=False)
    else:
        _write_atomically(output, text)
        click.echo(f"{len(rows)} customer(s) on hold written to {output}", err=True)


def register(cli: click.Group) -> None:
    cli.add_command(export)
