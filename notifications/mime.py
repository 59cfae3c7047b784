"""An e-mail's MIME bytes written directly (issue 16): the standard library's
EmailMessage parses every header it is given and refolds every header it writes, which
cost more per message than the SMTP exchange itself. The structure is the same as before:
text, or text and HTML as alternatives (the HTML with its inline QR code as a related
part), then the attachments; the same transfer encodings (7bit or 8bit for short lines,
quoted-printable or base64 otherwise) and the same headers. `email.message_from_bytes`
reads the result (tests, and `notifications.email.build_message`)."""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Iterable
from email import quoprimime
from email.header import Header
from email.utils import encode_rfc2231

MAX_LINE = 78  # EmailMessage's default: longer lines are encoded (QP or base64)


def header(name: str, value: str, linesep: str) -> str:
    """One header line (folded when long); non-ASCII text as RFC 2047 encoded words."""
    if "\n" in value or "\r" in value:
        raise ValueError(f"the {name} header may not contain a line break: {value!r}")
    if value.isascii():
        if len(name) + len(value) + 2 <= MAX_LINE:
            return f"{name}: {value}{linesep}"
        folded = Header(value, "us-ascii", header_name=name).encode(linesep=linesep)
        return f"{name}: {folded}{linesep}"
    return f"{name}: {encoded_words(value, linesep)}{linesep}"


def encoded_words(value: str, linesep: str) -> str:
    """RFC 2047 base64 words of at most 42 bytes (68 characters), one per line, split
    between characters (email.header's "shortest" choice measures both encodings of every
    character first: a third of a message's build time)."""
    words: list[str] = []
    chunk = bytearray()
    for char in value:
        encoded = char.encode()
        if len(chunk) + len(encoded) > 42:
            words.append(base64.b64encode(chunk).decode("ascii"))
            chunk = bytearray()
        chunk += encoded
    if chunk:
        words.append(base64.b64encode(chunk).decode("ascii"))
    return f"{linesep} ".join(f"=?utf-8?b?{word}?=" for word in words)


def _text_body(text: str, linesep: str) -> tuple[str, str]:
    """The transfer encoding and the encoded body, chosen as EmailMessage.set_content
    chooses them for UTF-8 text."""
    lines = text.encode().splitlines()  # \n, \r and \r\n only, as set_content splits
    if max((len(line) for line in lines), default=0) <= MAX_LINE:
        body = linesep.encode().join(lines).decode() + linesep
        return ("7bit" if body.isascii() else "8bit"), body
    joined = b"\n".join(lines) + b"\n"
    head = b"\n".join(lines[:10]) + b"\n"
    if len(quoprimime.body_encode(head.decode("latin-1"), MAX_LINE)) > \
            len(binascii.b2a_base64(head)):
        return "base64", _base64(joined, linesep)
    # binascii's encoder (C) instead of email.quoprimime's (Python): other soft line breaks
    # maybe, the same text once decoded
    encoded = binascii.b2a_qp(joined, istext=True).decode("ascii").replace("\n", linesep)
    return "quoted-printable", encoded if encoded.endswith(linesep) else encoded + linesep


def _base64(content: bytes, linesep: str) -> str:
    encoded = base64.b64encode(content).decode("ascii")
    return linesep.join(encoded[start:start + 76]
                        for start in range(0, len(encoded), 76)) + linesep


def _param(name: str, value: str) -> str:
    if value.isascii():
        quoted = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{name}="{quoted}"'
    return f"{name}*={encode_rfc2231(value, 'utf-8')}"


class Part:
    """A MIME part: its headers and encoded body, or sub-parts (multipart)."""

    def __init__(self, content_type: str, *, body: str = "", cte: str | None = None,
                 headers: Iterable[tuple[str, str]] = (), parts: list[Part] | None = None
                 ) -> None:
        self.content_type = content_type
        self.body = body
        self.cte = cte
        self.headers = list(headers)
        self.parts = parts

    @classmethod
    def text(cls, text: str, subtype: str, linesep: str) -> Part:
        cte, body = _text_body(text, linesep)
        return cls(f'text/{subtype}; charset="utf-8"', body=body, cte=cte)

    @classmethod
    def binary(cls, content: bytes, mime_type: str, linesep: str, *, filename: str,
               disposition: str = "attachment", cid: str | None = None) -> Part:
        headers = [("Content-Disposition", f"{disposition}; {_param('filename', filename)}")]
        if cid is not None:
            headers.append(("Content-ID", cid))
        return cls(mime_type, body=_base64(content, linesep), cte="base64", headers=headers)

    def write(self, out: list[str], linesep: str) -> None:
        """The part's own headers (Content-*), a blank line and its body."""
        if self.parts is None:
            out.append(header("Content-Type", self.content_type, linesep))
            if self.cte:
                out.append(f"Content-Transfer-Encoding: {self.cte}{linesep}")
            out.extend(header(name, value, linesep) for name, value in self.headers)
            out.append(linesep)
            out.append(self.body)
            return
        inner: list[list[str]] = []
        for part in self.parts:
            lines: list[str] = []
            part.write(lines, linesep)
            inner.append(lines)
        boundary = _boundary("".join("".join(lines) for lines in inner))
        out.append(f'Content-Type: {self.content_type}; boundary="{boundary}"{linesep}')
        out.extend(header(name, value, linesep) for name, value in self.headers)
        out.append(linesep)
        for index, lines in enumerate(inner):  # the line break before a boundary is its own
            out.append(f"{linesep if index else ''}--{boundary}{linesep}")
            out.extend(lines)
        out.append(f"{linesep}--{boundary}--{linesep}")


def _boundary(text: str) -> str:
    while True:
        boundary = f"===============hub{secrets.token_hex(12)}=="
        if boundary not in text:
            return boundary


def message(headers: Iterable[tuple[str, str]], body: Part, linesep: str = "\n",
            trailing: Iterable[tuple[str, str]] = ()) -> bytes:
    """The whole message: the top headers, MIME-Version, the body part, and `trailing`
    headers after the part's Content-* headers (Content-Language)."""
    out = [header(name, value, linesep) for name, value in headers]
    out.append(f"MIME-Version: 1.0{linesep}")
    part_lines: list[str] = []
    body.write(part_lines, linesep)
    split = part_lines.index(linesep)  # the part's headers, then the top's last ones
    out.extend(part_lines[:split])
    out.extend(header(name, value, linesep) for name, value in trailing)
    out.extend(part_lines[split:])
    return "".join(out).encode("utf-8", "surrogateescape")
