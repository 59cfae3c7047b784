"""What a file is, found in one streamed pass: its SHA-256, its size, whether it is
a workbook or text, and which encoding the text is in.

Text is tried as UTF-8 (with or without BOM), then Windows-1252; UTF-16 is taken
when it starts with a byte-order mark (Excel's "Unicode text"). Anything else is a
clear error before a single row is imported.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path

from hub.domain.errors import UserError

CHUNK = 1 << 20
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_ZIP = b"PK\x03\x04"
_OLE2 = b"\xd0\xcf\x11\xe0"


class UnreadableFile(UserError):
    """The file cannot be read as CSV or XLSX; the message says why."""


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    size: int
    format: str  # csv | xlsx
    encoding: str | None  # a Python codec name, for csv
    lines: int  # newline count, to estimate progress
    # Every line one record, numbered as the csv module numbers it: no quote character,
    # no blank line, no carriage return but before a newline. Such a file may be read by
    # a columnar reader (sync/sources/arrow_csv.py) without losing any row's line.
    plain_lines: bool = False


def _bom_encoding(head: bytes) -> str | None:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


@dataclass
class _Scan:
    """What one pass over the bytes found."""

    path: Path
    encoding: str | None
    sha256: str = ""
    size: int = 0
    lines: int = 0
    head: bytes = b""
    decode_error: str | None = None
    nul: bool = False
    cp1252_bad: bool = False
    irregular: bool = False  # a quote, a blank line or a lone carriage return
    last: bytes = b""

    @property
    def binary(self) -> bool:
        return self.head.startswith((_ZIP, _OLE2))


def _where(found: _Scan, chunk: bytes, error: UnicodeDecodeError) -> str:
    """The byte that is not valid, its offset in the file and its line, exactly.

    `error.object` is what the decoder saw: the end of this chunk, after a byte-order mark
    it stripped, and with the first bytes of a character the previous chunk ended in."""
    in_chunk = len(chunk) - len(error.object) + error.start  # < 0: in the previous chunk
    where = f"byte 0x{error.object[error.start]:02x} at offset {found.size + in_chunk}"
    if found.encoding == "utf-16" or _bom_encoding(found.head) == "utf-16":
        return where  # 0x0a bytes are not line ends in UTF-16
    line = found.lines - chunk.count(b"\n") + chunk.count(b"\n", 0, max(in_chunk, 0)) + 1
    return f"{where}, line {line}"


def scan(path: Path, encoding: str | None = None) -> FileFacts:
    """Hash and classify `path`, reading it once in 1 MB chunks (never all at once)."""
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise UnreadableFile(f"{path}: file not found") from None
    except OSError as exc:
        raise UnreadableFile(f"{path}: cannot open it ({exc.strerror})") from None
    found = _Scan(path, encoding)
    digest = hashlib.sha256()
    decoder: codecs.IncrementalDecoder | None = None
    with handle:
        while chunk := handle.read(CHUNK):
            if not found.head:
                found.head = chunk[:4]
                decoder = codecs.getincrementaldecoder(
                    encoding or _bom_encoding(chunk) or "utf-8")()
            digest.update(chunk)
            found.lines += chunk.count(b"\n")
            if not found.irregular:
                found.irregular = _irregular(found.last + chunk, first=not found.last)
                found.last = chunk[-2:]
            if not found.binary:
                found.nul = found.nul or (b"\0" in chunk)
                found.cp1252_bad = found.cp1252_bad or any(b in chunk for b in _CP1252_UNDEFINED)
                if decoder is not None and found.decode_error is None:
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        found.decode_error = _where(found, chunk, exc)
            found.size += len(chunk)
    if decoder is not None and found.decode_error is None and not found.binary:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            found.decode_error = "an incomplete character at the end"
    found.sha256 = digest.hexdigest()
    return _classify(found)


def _irregular(data: bytes, *, first: bool) -> bool:
    """`data` (the last two bytes of the previous chunk, then this one) has a quote, a
    blank line or a carriage return not followed by a newline (or a blank first line)."""
    return (b'"' in data or b"\n\n" in data or b"\n\r\n" in data
            or data.count(b"\r") != data.count(b"\r\n") + data.endswith(b"\r")
            or (first and data.startswith((b"\n", b"\r\n"))))


def _classify(found: _Scan) -> FileFacts:
    path, error = found.path, found.decode_error
    if found.size == 0:
        raise UnreadableFile(f"{path.name}: the file is empty")
    if found.head.startswith(_ZIP):
        return FileFacts(found.sha256, found.size, "xlsx", None, found.lines)
    if found.head.startswith(_OLE2) or path.suffix.lower() == ".xls":
        raise UnreadableFile(f"{path.name}: old Excel .xls workbooks are not supported; "
                             "save it as .xlsx or as CSV UTF-8")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        raise UnreadableFile(f"{path.name}: not a valid XLSX workbook (it is not a ZIP file)")
    bom = _bom_encoding(found.head)
    encoding = found.encoding or ("utf-16" if bom == "utf-16" else None)
    if encoding is not None:
        if error is not None:
            raise UnreadableFile(f"{path.name}: not valid {encoding} text ({error})")
        return FileFacts(found.sha256, found.size, "csv", encoding, found.lines)
    if found.nul:
        raise UnreadableFile(f"{path.name}: contains NUL bytes, so it is not a CSV text file "
                             "(save it as CSV UTF-8 or XLSX)")
    if error is None:
        return FileFacts(found.sha256, found.size, "csv", "utf-8-sig", found.lines,
                         plain_lines=not found.irregular)
    if bom == "utf-8-sig":
        raise UnreadableFile(f"{path.name}: starts with a UTF-8 byte order mark but is not "
                             f"UTF-8 text ({error}); save it as CSV UTF-8")
    if found.cp1252_bad or bom is not None:
        raise UnreadableFile(f"{path.name}: neither UTF-8 ({error}) nor Windows-1252 text; "
                             "save it as CSV UTF-8")
    return FileFacts(found.sha256, found.size, "csv", "cp1252", found.lines)
