"""Invoice copies on file: where the hub finds the PDF of an invoice, and how one gets there.

A copy is on file when
- the invoice's `document_ref` (the import column) names a file inside the documents folder
  (HUB_DOCUMENTS_DIR), or
- the documents folder holds a file named after the invoice number (`INV-1.pdf`; a `/` in
  the number becomes `-`), as an export of invoice PDFs is usually named.

Copies get there by the folder itself, by the import (a `document_ref` relative to the
import file is copied into the folder, see `collect_from_import`) or by the API upload
(`store_upload`, a PDF checked by its first bytes). Nothing outside the folder is ever
served: a debtor's request cannot reach an arbitrary file.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.i18n import lazy_gettext
from hub.ledger.accounts import add_event
from hub.ledger.tables import invoices

DOCUMENT_STORED = "invoice.document_stored"
PDF_MAGIC = b"%PDF-"
COPY_TEMPLATE = "invoice-copy"  # the e-mail that carries a copy the debtor asked for
_UNSAFE = re.compile(r"[^\w.\-]+")


def file_stem(number: str) -> str:
    """The file name an invoice number gives (`2026/0042` -> `2026-0042`)."""
    return _UNSAFE.sub("-", number).strip(".-") or "invoice"


def _inside(root: Path, relative: str) -> Path | None:
    if not relative or "://" in relative or "\x00" in relative:
        return None
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root) or not candidate.is_file():
        return None
    return candidate


def document_path(documents_dir: Path, document_ref: str | None) -> Path | None:
    """The file `document_ref` names inside `documents_dir`, if there is one."""
    return _inside(documents_dir.resolve(), document_ref or "")


def invoice_document(documents_dir: Path, number: str, document_ref: str | None
                     ) -> Path | None:
    """The copy on file of invoice `number`: its document_ref, else `<number>.pdf`."""
    root = documents_dir.resolve()
    return _inside(root, document_ref or "") or _inside(root, f"{file_stem(number)}.pdf")


class DocumentRefused(UserError):
    """An upload that is not a PDF, is empty or too large; says which."""


def store_upload(documents_dir: Path, number: str, data: bytes, *, max_bytes: int) -> str:
    """Keep an uploaded PDF as `<number>.pdf` in the documents folder (replacing an older
    upload atomically); returns the document_ref to record on the invoice."""
    if not data:
        raise DocumentRefused("the body is empty: send the PDF itself "
                              "(Content-Type: application/pdf)")
    if len(data) > max_bytes:
        raise DocumentRefused(f"the document is {len(data) // 1024} KB; at most "
                              f"{max_bytes // 1024} KB are accepted (HUB_DOCUMENT_MAX_KB)")
    if not data.startswith(PDF_MAGIC):
        raise DocumentRefused("the document is not a PDF (it does not start with %PDF-)")
    name = f"{file_stem(number)}.pdf"
    documents_dir.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=documents_dir, prefix=".upload-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, documents_dir / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return name


def record_document(connection: Connection, *, number: str, document_ref: str, size: int,
                    actor: str, source: str, now: datetime) -> None:
    """The invoice's copy on file is now `document_ref`; on the account's timeline."""
    row = connection.execute(sa.select(invoices.c.id, invoices.c.customer_id).where(
        invoices.c.number == number)).one_or_none()
    if row is None:
        raise NotFound(lazy_gettext("no invoice numbered %(number)s", number=repr(number)))
    connection.execute(sa.update(invoices).where(invoices.c.id == row.id)
                       .values(document_ref=document_ref, updated_at=now))
    add_event(connection, customer_id=row.customer_id, invoice_id=row.id,
              kind=DOCUMENT_STORED, actor=actor, now=now,
              summary=f"copy of invoice {number} on file ({document_ref}, "
                      f"{max(1, size // 1024)} KB, by {source})",
              data={"invoice": number, "document": document_ref, "size": size,
                    "source": source})


@dataclass
class Collected:
    """What `collect_from_import` did: copied refs, and refs found nowhere."""

    copied: list[str] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (invoice, document_ref)


def collect_from_import(import_file: Path, documents_dir: Path,
                        refs: Iterable[tuple[str, str]]) -> Collected:
    """Copy the documents an import's `document_ref` column names relative to the import
    file into the documents folder, under the same relative path, so the ref resolves
    there. Refs already in the folder are left alone; refs found in neither are reported."""
    source_root = import_file.resolve().parent
    root = documents_dir.resolve()
    result = Collected()
    if source_root == root:
        return result
    for number, ref in refs:
        if _inside(root, ref) is not None or "://" in ref:
            continue
        found = _inside(source_root, ref)
        if found is None:
            result.missing.append((number, ref))
            continue
        target = (root / ref).resolve()
        if not target.is_relative_to(root):  # "../x.pdf": cannot be named inside the folder
            result.missing.append((number, ref))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, target)
        result.copied.append(ref)
    return result
