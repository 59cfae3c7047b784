"""`import customers|invoices|payments FILE`: load ERP exports into the ledger.

The readers come from the composition root (hub/bootstrap/readers.py, where `import_file`
wires a reader to the import use case for the demo, the benchmarks and the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import sqlalchemy as sa
from sqlalchemy import Connection
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
from hub.services.imports.owners import created_without_owner
from hub.services.imports.owners import give_owner
from hub.services.imports.owners import last_customer_id
from hub.services.imports.owners import owner_user
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
         mapping: Path | None, currency: str | None, rejects: Path | None = None,
         owner: str | None = None) -> None:
    from hub.cli.context import get_hub  # noqa: PLC0415
    from hub.cli.progress import progress_bar  # noqa: PLC0415

    if currency is not None:
        try:
            currency = to_currency(currency)
        except FieldError as exc:
            raise UserError(f"--currency: {exc}") from None
    hub = get_hub(ctx)
    first_new = None
    if owner is not None:  # checked before a row is read: a refused owner imports nothing
        with hub.engine.connect() as connection:
            owner = _owner(connection, owner)
            first_new = last_customer_id(connection)
    with open_source(file, kind, preset=preset, mapping=mapping, currency=currency,
                     rejects_dir=hub.settings.var_dir / "rejects", rejects_to=rejects) as source:
        progress = progress_bar(hub.settings, source.estimated_rows, f"{kind} {file.name}")
        result = import_source(hub.engine, source, source.rejects, actor=cli_actor(),
                               clock=hub.clock, progress=progress)
    click.echo(_report(result))
    if owner is not None and first_new is not None:
        with hub.engine.begin() as connection:
            owned = give_owner(connection, created_without_owner(connection, first_new), owner,
                               actor=cli_actor(), now=hub.clock.now(),
                               source="import invoices --owner")
        click.echo(f"  owner {owner} given to {owned:,} new customer(s) without one")
    if kind == "invoices":
        _documents(hub.engine, file, hub.settings.documents_path)


def _owner(connection: Connection, owner: str) -> str:
    """`--owner`: an active user of the creditor the command acts for, or refused naming
    the creditor and where its users are listed."""
    from hub.ledger.current import current_creditor  # noqa: PLC0415
    from hub.services.staff.creditors import creditor_by_id  # noqa: PLC0415

    try:
        return owner_user(connection, owner)
    except UserError:
        creditor = creditor_by_id(connection, current_creditor())
        code = creditor.code if creditor else "default"
        listing = "python app.py users list" if code == "default" else \
            f"python app.py --creditor {code} users list"
        raise UserError(f"--owner {owner}: no active user of creditor {code} has this e-mail "
                        f"address (its users: {listing}); nothing was imported") from None


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


def _owner_option(kind: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """`--owner EMAIL` on `import invoices` only: the rows create customers without owner."""
    if kind != "invoices":
        return lambda command: command
    return click.option("--owner", metavar="EMAIL",
                        help="a user of the creditor: the owner of the customers the file "
                             "creates (they have none otherwise); their timelines say so")


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
    @_owner_option(kind)
    @click.pass_context
    def command(ctx: click.Context, file: Path, *, preset: str | None, mapping: Path | None,
                currency: str | None, rejects: Path | None, owner: str | None = None) -> None:
        _run(ctx, kind, file, preset=preset, mapping=mapping, currency=currency,
             rejects=rejects, owner=owner)

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


@import_group.command("preview")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--mapping", type=click.Path(path_type=Path, dir_okay=False),
              help="read the file with this mapping file (default: guess the columns)")
@click.option("--column", "columns", multiple=True, metavar="FIELD=COLUMN",
              help="read FIELD from COLUMN (FIELD= : do not read it); repeatable")
@click.option("--currency", metavar="CODE", help="currency of rows that name none")
@click.option("--dates", metavar="STYLES", help="date styles tried in order, e.g. "
                                                "day-first,iso (default: the layout's)")
@click.option("--decimal", type=click.Choice(["dot", "comma", "auto"]),
              help="how amounts are written (default: the layout's)")
@click.option("--rows", "shown", default=10, show_default=True, help="rows to show")
@click.option("--write-mapping", type=click.Path(path_type=Path, dir_okay=False),
              help="keep the mapping as a file for `import invoices FILE --mapping PATH`")
def preview_command(file: Path, *, mapping: Path | None, columns: tuple[str, ...],
                    currency: str | None, dates: str | None, decimal: str | None, shown: int,
                    write_mapping: Path | None) -> None:
    """Show how an open-items file (invoices) would be read: the column guessed for each
    field, then the first rows as the import reads them and every rejected row's line and
    reason. Imports nothing (the web's onboarding page shows the same). A column named
    with --column is no longer read for the fields it was guessed for."""
    import tempfile  # noqa: PLC0415

    from hub.bootstrap.readers import preview_file  # noqa: PLC0415

    adjusted = [name for name, given in (("--column", columns), ("--currency", currency),
                                         ("--dates", dates), ("--decimal", decimal),
                                         ("--write-mapping", write_mapping)) if given]
    if mapping is not None and adjusted:
        raise click.UsageError(f"{', '.join(adjusted)} adjust(s) the guessed mapping; with "
                               f"--mapping {mapping} the file says how to read it: change "
                               "the mapping file, or leave --mapping out")
    if mapping is None:
        text = _guessed_mapping(file, columns, currency, dates, decimal)
        if write_mapping is not None:
            write_mapping.write_text(text, encoding="utf-8")
            click.echo(f"mapping written to {write_mapping}: python app.py import invoices "
                       f"{file} --mapping {write_mapping}")
        with tempfile.TemporaryDirectory() as folder:
            kept = Path(folder) / "mapping.yaml"
            kept.write_text(text, encoding="utf-8")
            result = preview_file(file, kept, shown=max(1, shown))
    else:
        result = preview_file(file, mapping, shown=max(1, shown))
    for row in [*result.rows, *result.rejects]:
        if row.error:
            click.echo(f"line {row.line}: rejected: {row.error}")
        else:
            values = ", ".join(f"{k}={v}" for k, v in row.values.items() if v)
            click.echo(f"line {row.line}: {values}")
    click.echo(f"{result.read:,} rows read as invoices, {result.rejected:,} rejected"
               + (f"; columns not read: {', '.join(result.unread_columns)}"
                  if result.unread_columns else ""))


def _chosen(file: Path, guessed: dict[str, str], found: list[str],
            columns: tuple[str, ...]) -> dict[str, str]:
    """The guess with each --column FIELD=COLUMN applied; a column named for a field is no
    longer read for the fields it was guessed for."""
    chosen = dict(guessed)
    given: dict[str, str] = {}
    for item in columns:
        name, _, column = item.partition("=")
        if name not in chosen:
            raise UserError(f"--column {item}: unknown field {name!r}; fields: "
                            f"{', '.join(chosen)}")
        if column and column not in found:
            raise UserError(f"--column {item}: {file.name} has no column {column!r}; "
                            f"its columns: {', '.join(found)}")
        given[name] = column
    for name, column in given.items():
        chosen.update({other: "" for other, was in chosen.items()
                       if column and was == column and other not in given})
        chosen[name] = column
    return chosen


def _guessed_mapping(file: Path, columns: tuple[str, ...], currency: str | None,
                     dates: str | None, decimal: str | None) -> str:
    """The mapping file's text: guessed, with the options applied; printed as it goes."""
    import yaml  # noqa: PLC0415

    from hub.bootstrap.readers import guess_columns  # noqa: PLC0415
    from hub.bootstrap.readers import mapping_data  # noqa: PLC0415
    from hub.bootstrap.readers import missing_fields  # noqa: PLC0415

    found = guess_columns(file)
    chosen = _chosen(file, found.chosen, found.columns, columns)
    if currency is not None:
        try:
            currency = to_currency(currency)
        except FieldError as exc:
            raise UserError(f"--currency: {exc}") from None
    data = mapping_data(found.preset, chosen, currency, dates, decimal)
    click.echo(f"{file.name}: columns guessed from the {found.preset} layout (header on "
               f"row {found.header_row})")
    for name, column in chosen.items():
        click.echo(f"  {name:<16}{'← ' + column if column else '(not read)'}")
    lacking = missing_fields(chosen, (data["invoices"].get("defaults") or {}).get("currency"))
    if lacking:
        raise UserError(f"{file.name} cannot be imported without {', '.join(lacking)}: "
                        "name the column with --column FIELD=COLUMN (or --currency)")
    return "# written by `import preview`\n" + yaml.safe_dump(data, sort_keys=False,
                                                              allow_unicode=True)


def register(cli: click.Group) -> None:
    cli.add_command(import_group)
