"""`import customers|invoices|payments FILE`: load ERP exports into the ledger.

The readers come from the composition root (hub/bootstrap/readers.py, where `import_file`
wires a reader to the import use case for the demo, the benchmarks and the tests).
"""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from sqlalchemy import Engine

from hub.bootstrap.readers import FIELDS
from hub.bootstrap.readers import FieldError
from hub.bootstrap.readers import load_settings
from hub.bootstrap.readers import open_source
from hub.bootstrap.readers import preset_names
from hub.bootstrap.readers import to_currency
from hub.cli.context import cli_actor
from hub.domain.errors import UserError
from hub.ledger.tables import invoices
from hub.services.accounts.documents import collect_from_import
from hub.services.imports.run import ImportResult
from hub.services.imports.run import import_source


def _report(result: ImportResult) -> str:
    name = Path(result.source).name
    lines = [f"{result.kind} from {name} ({result.preset})"]
    for label, value in (("created", result.created), ("updated", result.updated),
                         ("unchanged", result.unchanged), ("rejected", result.rejected)):
        lines.append(f"  {label:<10}{value:>10,}")
    extras = [f"{key.replace('_', ' ')} {value:,}" for key, value in result.details.items()
              if value]
    if extras:
        lines.append("  " + ", ".join(extras))
    lines.append(f"  {result.rows:,} rows in {result.seconds:.1f} s")
    lines.extend(f"warning: {warning}" for warning in result.warnings)
    if result.rejects_path:
        lines.append(f"rejected rows with their line and reason: {result.rejects_path}")
    return "\n".join(lines)


def _run(ctx: click.Context, kind: str, file: Path, *, preset: str | None,
         mapping: Path | None, currency: str | None, rejects: Path | None = None) -> None:
    from hub.cli.context import get_hub  # noqa: PLC0415
    from hub.cli.progress import progress_bar  # noqa: PLC0415

    if currency is not None:
        try:
            currency = to_currency(currency)
        except FieldError as exc:
            raise UserError(f"--currency: {exc}") from None
    hub = get_hub(ctx)
    with open_source(file, kind, preset=preset, mapping=mapping, currency=currency,
                     rejects_dir=hub.settings.var_dir / "rejects", rejects_to=rejects) as source:
        progress = progress_bar(hub.settings, source.estimated_rows, f"{kind} {file.name}")
        result = import_source(hub.engine, source, source.rejects, actor=cli_actor(),
                               clock=hub.clock, progress=progress)
    click.echo(_report(result))
    if kind == "invoices":
        _documents(hub.engine, file, hub.settings.documents_path)


def _documents(engine: Engine, file: Path, documents_dir: Path) -> None:
    """Copies named by the document_ref column relative to the import file go into the
    documents folder, so the portal, the copy request and formal notices find them."""
    with engine.connect() as connection:
        refs = connection.execute(sa.select(invoices.c.number, invoices.c.document_ref).where(
            invoices.c.document_ref.is_not(None), invoices.c.document_ref != ""))
        collected = collect_from_import(file, documents_dir, ((r[0], r[1]) for r in refs))
    if collected.copied:
        click.echo(f"documents: {len(collected.copied):,} copied into {documents_dir}")
    if collected.missing:
        shown = ", ".join(f"{number} ({ref})" for number, ref in collected.missing[:5])
        more = f" and {len(collected.missing) - 5:,} more" if len(collected.missing) > 5 else ""
        click.echo(f"warning: {len(collected.missing):,} invoice(s) name a document_ref "
                   f"found neither in {documents_dir} nor beside {file.name}: {shown}{more}; "
                   f"they have no copy on file")


@click.group("import")
def import_group() -> None:
    """Import customers, invoices, payments and bank statements."""


def _command(kind: str, summary: str) -> click.Command:
    @click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
    @click.option("--preset", metavar="NAME", help=f"a known layout: {', '.join(preset_names())}"
                  " (default generic)")
    @click.option("--mapping", type=click.Path(path_type=Path, dir_okay=False),
                  help="a YAML mapping file for any other layout (see docs/imports.md)")
    @click.option("--currency", metavar="CODE", help="currency of rows that name none")
    @click.option("--rejects", type=click.Path(path_type=Path), metavar="PATH",
                  help="where to write rejected rows (a file, or a folder for "
                       "<file stem>.rejects.csv); default: beside the file, or var/rejects/ "
                       "when that folder cannot be written")
    @click.pass_context
    def command(ctx: click.Context, file: Path, *, preset: str | None, mapping: Path | None,
                currency: str | None, rejects: Path | None) -> None:
        _run(ctx, kind, file, preset=preset, mapping=mapping, currency=currency,
             rejects=rejects)

    command.__doc__ = summary
    return import_group.command(kind)(command)


_command("customers", "Import customers (CSV or XLSX) with their primary contact.")
_command("invoices", "Import open items (CSV or XLSX): invoices, and credit notes for "
                     "negative amounts.")
_command("payments", "Import payments (CSV or XLSX) and match them to invoices.")


@import_group.command("presets")
def presets_command() -> None:
    """List the presets and the columns each reads."""
    for name in preset_names():
        click.echo(name)
        for kind in FIELDS:
            try:
                _, settings = load_settings(kind, name, None)
            except UserError:
                continue
            columns = settings.get("columns") or {}
            shown = ", ".join(f"{field}←{'|'.join(c) if isinstance(c, list) else c}"
                              if c != field else field for field, c in columns.items())
            click.echo(f"  {kind}: {shown}")


def register(cli: click.Group) -> None:
    cli.add_command(import_group)
