"""Bank statements: camt.052/053/054 and MT940/MT942 files to incoming payments.

`read_statement(path)` detects the format from the content (never the file
name), and returns the credits as `IncomingPayment`s with a summary of what
was skipped. A file it cannot read raises `StatementError` (a `UserError`)
whose message names the file and the problem.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from sync.sources.bank.camt import parse_camt
from sync.sources.bank.mt940 import decode
from sync.sources.bank.mt940 import looks_like_mt940
from sync.sources.bank.mt940 import parse_mt940
from sync.sources.bank.statement import ParsedStatement
from sync.sources.bank.statement import StatementError

__all__ = ["MAX_BYTES", "ParsedStatement", "StatementError", "parse_statement",
           "read_statement"]

MAX_BYTES = 200 * 1024 * 1024  # far beyond a year of daily statements

# Formats people may try, so the error can say what the file is instead.
_OTHER_FORMATS = (
    (b"OFXHEADER", "an OFX file"),
    (b"<OFX", "an OFX file"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive or XLSX workbook"),
    (b"01,", "a BAI2 file"),
)


def read_statement(path: Path) -> ParsedStatement:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise StatementError(f"{path.name}: {size // (1024 * 1024)} MB is larger than a "
                                 f"bank statement can be ({MAX_BYTES // (1024 * 1024)} MB)")
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise StatementError(f"{path}: is a folder, not a statement file") from exc
    except OSError as exc:
        raise StatementError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    return parse_statement(data, path.name)


def parse_statement(data: bytes, source: str) -> ParsedStatement:
    parsed = _parse(data, source)
    return replace(parsed, sha256=hashlib.sha256(data).hexdigest())


def _parse(data: bytes, source: str) -> ParsedStatement:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n\x00\x01")
    if not head:
        raise StatementError(f"{source}: the file is empty")
    for signature, kind in _OTHER_FORMATS:
        if head.startswith(signature) or (signature == b"<OFX" and signature in head):
            raise StatementError(f"{source}: looks like {kind}; statements are read from "
                                 "camt.052/053/054 XML or MT940/MT942 files")
    if head.startswith(b"<"):
        return parse_camt(data, source)
    if looks_like_mt940(decode(data)):
        return parse_mt940(data, source)
    raise StatementError(f"{source}: not a bank statement this hub can read (expected "
                         "camt.052/053/054 XML or MT940/MT942 text)")
