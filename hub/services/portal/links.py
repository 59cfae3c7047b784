"""Debtor portal links: signed, expiring, revocable, scoped to one customer.

A token reads `<link id>.<expiry>.<signature>`: the signature is an HMAC of the
id and expiry under the hub's secret key, so a tampered or made-up token is
refused before the database is asked, and an expired one is recognised from the
token alone. Only a SHA-256 hash of the token is stored; the row ties it to one
customer and can be revoked. Because the token is derived from (id, expiry,
secret), the hub can hand out the same still-valid link again (`current_url`)
instead of minting a new row for every reminder.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.clock import Clock
from hub.domain.errors import NotFound
from hub.domain.errors import UserError
from hub.i18n import lazy_gettext
from hub.ledger.accounts import add_event
from hub.ledger.tables import customers
from hub.ledger.tables import portal_links
from hub.ledger.tenancy import platform_wide

SIGNING_CONTEXT = "portal-link"
SIGNATURE_CHARS = 32  # 192 bits of HMAC-SHA256, base64url
TOUCH_EVERY = timedelta(minutes=10)  # last_used_at is refreshed at most this often
LINK_ISSUED = "portal.link_issued"
LINK_REVOKED = "portal.link_revoked"


class LinkRefused(Exception):
    """A portal token that does not open the portal; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # invalid | expired | revoked


@dataclass(frozen=True)
class IssuedLink:
    token: str
    url: str
    customer_code: str
    expires_at: datetime


@dataclass(frozen=True)
class PortalAccess:
    """What a valid token grants: one customer, until `expires_at`."""

    link_id: int
    customer_id: int
    customer_code: str
    expires_at: datetime


def _utc(moment: datetime) -> datetime:
    # SQLite hands timezone-aware columns back naive; they were written in UTC.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return text


def _signature(secret: str, link_id: int, expiry: int) -> str:
    digest = hmac.new(secret.encode(), f"{SIGNING_CONTEXT}:{link_id}:{expiry}".encode(),
                      hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:SIGNATURE_CHARS]


def make_token(secret: str, link_id: int, expires_at: datetime) -> str:
    expiry = int(_utc(expires_at).timestamp())
    return f"{_b36(link_id)}.{_b36(expiry)}.{_signature(secret, link_id, expiry)}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def portal_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/portal/{token}"


SHORT_CHARS = 12  # base32: 60 bits, derived from the token's 192-bit signature
SHORT_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def short_code(url_or_token: str) -> str:
    """The short form of a portal link, for letters a debtor types in: `<link id>-<12
    characters>`. The characters are a hash of the whole token, so only a holder of the
    token (or of the secret key) can make them; the link's expiry and revocation apply as
    to the token. Nothing is stored: `/p/<code>` recomputes the token from the link's row."""
    token = url_or_token.rstrip("/").rsplit("/", 1)[-1]
    digest = hashlib.sha256(f"portal-short:{token}".encode()).digest()
    check = base64.b32encode(digest).decode()[:SHORT_CHARS]
    return f"{token.split('.', 1)[0].upper()}-{check}"


def short_url(url: str) -> str:
    """`hub.example.com/p/1-ABCDEFGHJKLM`: the portal link as printed on a letter (no
    scheme: browsers add it)."""
    base = url.rstrip("/").rsplit("/portal/", 1)[0]
    host = base.split("://", 1)[-1]
    return f"{host}/p/{short_code(url)}"


def resolve_short_code(connection: Connection, code: str, *, secret: str) -> str:
    """The portal token a short code stands for, or LinkRefused("invalid"); the portal
    then checks expiry and revocation as for any link."""
    code = code.strip().upper().replace(" ", "")
    link_part, _, check = code.partition("-")
    if len(check) != SHORT_CHARS or not link_part.isalnum() or len(link_part) > 12 or \
            any(char not in SHORT_ALPHABET for char in check):
        raise LinkRefused("invalid")
    with platform_wide():  # any creditor's link: the signed check below decides
        row = connection.execute(sa.select(portal_links.c.expires_at, portal_links.c.token_hash)
                                 .where(portal_links.c.id == int(link_part, 36))).first()
    if row is None:
        raise LinkRefused("invalid")
    token = make_token(secret, int(link_part, 36), row.expires_at)
    if token_hash(token) != row.token_hash or not hmac.compare_digest(
            short_code(token).encode(), code.encode()):
        raise LinkRefused("invalid")
    return token


def _parse(token: str, secret: str) -> tuple[int, int]:
    """(link id, expiry as a Unix time) of a well-signed token, else LinkRefused."""
    parts = token.split(".")
    if len(parts) != 3 or len(token) > 100:
        raise LinkRefused("invalid")
    try:
        link_id, expiry = int(parts[0], 36), int(parts[1], 36)
    except ValueError:
        raise LinkRefused("invalid") from None
    if not hmac.compare_digest(parts[2].encode(), _signature(secret, link_id, expiry).encode()):
        raise LinkRefused("invalid")
    return link_id, expiry


def issue_link(connection: Connection, *, customer_code: str, secret: str, public_url: str,
               days: int, actor: str, now: datetime, record_event: bool = False) -> IssuedLink:
    """A new link; `record_event` puts it on the account's timeline (a person issued it)."""
    if days < 1:
        raise UserError(lazy_gettext("a portal link must last at least one day, got %(days)s",
                                     days=days))
    customer_id = connection.execute(sa.select(customers.c.id)
                                     .where(customers.c.code == customer_code)).scalar()
    if customer_id is None:
        raise NotFound(lazy_gettext("no customer with code %(code)s",
                                    code=repr(customer_code)))
    expires_at = _utc(now).replace(microsecond=0) + timedelta(days=days)
    # The id is part of the token, so insert first with a placeholder hash, then set it.
    link_id = connection.execute(sa.insert(portal_links).values(
        token_hash=f"pending:{secrets.token_hex(24)}",
        customer_id=customer_id, expires_at=expires_at, created_by=actor,
        created_at=now).returning(portal_links.c.id)).scalar_one()
    token = make_token(secret, link_id, expires_at)
    connection.execute(sa.update(portal_links).where(portal_links.c.id == link_id)
                       .values(token_hash=token_hash(token)))
    if record_event:
        add_event(connection, customer_id=customer_id, kind=LINK_ISSUED, actor=actor, now=now,
                  summary=f"portal link {link_id} issued, valid until {expires_at:%Y-%m-%d}",
                  data={"link_id": link_id, "expires_at": expires_at.isoformat()})
    return IssuedLink(token, portal_url(public_url, token), customer_code, expires_at)


def link_creditor(connection: Connection, token: str) -> int | None:
    """The creditor whose customer a portal link opens (looked up across creditors, by
    the token's hash), or None when no link has this token."""
    with platform_wide():
        found = connection.execute(sa.select(portal_links.c.creditor_id).where(
            portal_links.c.token_hash == token_hash(token))).scalar()
    return None if found is None else int(found)


def verify_link(connection: Connection, token: str, *, secret: str,
                now: datetime) -> PortalAccess:
    """The customer a token opens, or LinkRefused(invalid | expired | revoked)."""
    link_id, expiry = _parse(token, secret)
    if expiry <= int(_utc(now).timestamp()):
        raise LinkRefused("expired")
    row = connection.execute(
        sa.select(portal_links.c.id, portal_links.c.customer_id, portal_links.c.expires_at,
                  portal_links.c.revoked_at, portal_links.c.last_used_at,
                  customers.c.code)
        .join(customers, customers.c.id == portal_links.c.customer_id)
        .where(portal_links.c.token_hash == token_hash(token))).first()
    if row is None or row.id != link_id:
        raise LinkRefused("invalid")  # signed with this key, but not (or no longer) on file
    if row.revoked_at is not None:
        raise LinkRefused("revoked")
    if _utc(row.expires_at) <= _utc(now):
        raise LinkRefused("expired")
    if row.last_used_at is None or _utc(row.last_used_at) + TOUCH_EVERY < _utc(now):
        connection.execute(sa.update(portal_links).where(portal_links.c.id == row.id)
                           .values(last_used_at=now))
    return PortalAccess(row.id, row.customer_id, row.code, _utc(row.expires_at))


def revoke_links(connection: Connection, *, actor: str, now: datetime, secret: str,
                 token: str | None = None, customer_code: str | None = None) -> int:
    """Revoke one link (by token or URL) or every live link of a customer; returns how many."""
    if (token is None) == (customer_code is None):
        raise UserError(lazy_gettext("name either a portal link (token or URL) or a customer, not"
                                     " both"))
    live = sa.and_(portal_links.c.revoked_at.is_(None))
    if token is not None:
        token = token.rstrip("/").rsplit("/", 1)[-1]
        try:
            _parse(token, secret)
        except LinkRefused:
            raise UserError(lazy_gettext("%(token)s is not a portal link of this hub",
                                         token=repr(token))) from None
        target = sa.and_(live, portal_links.c.token_hash == token_hash(token))
    else:
        customer_id = connection.execute(sa.select(customers.c.id)
                                         .where(customers.c.code == customer_code)).scalar()
        if customer_id is None:
            raise NotFound(lazy_gettext("no customer with code %(code)s",
                                        code=repr(customer_code)))
        target = sa.and_(live, portal_links.c.customer_id == customer_id)
    revoked = list(connection.execute(sa.update(portal_links).where(target)
                                      .values(revoked_at=now, revoked_by=actor)
                                      .returning(portal_links.c.id, portal_links.c.customer_id)))
    for link_id, customer_id in revoked:
        add_event(connection, customer_id=customer_id, kind=LINK_REVOKED, actor=actor, now=now,
                  summary=f"portal link {link_id} revoked", data={"link_id": link_id})
    return len(revoked)


@dataclass(frozen=True)
class LinkRow:
    id: int
    created_at: datetime
    created_by: str
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


def list_links(connection: Connection, customer_code: str) -> list[LinkRow]:
    rows = connection.execute(
        sa.select(portal_links).join(customers, customers.c.id == portal_links.c.customer_id)
        .where(customers.c.code == customer_code).order_by(portal_links.c.id))
    return [LinkRow(r.id, _utc(r.created_at), r.created_by, _utc(r.expires_at),
                    _utc(r.revoked_at) if r.revoked_at else None,
                    _utc(r.last_used_at) if r.last_used_at else None) for r in rows]


def current_urls(connection: Connection, customer_codes: Iterable[str], *, secret: str,
                 public_url: str, days: int, now: datetime, actor: str) -> dict[str, str]:
    """A portal URL per customer code: a live link with at least half its lifetime left
    is handed out again; otherwise a new one is issued. Unknown codes are left out."""
    wanted = list(dict.fromkeys(customer_codes))
    fresh_after = _utc(now) + timedelta(days=days) / 2
    urls: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows: list[Any] = list(connection.execute(
            sa.select(customers.c.code, portal_links.c.id, portal_links.c.expires_at,
                      portal_links.c.token_hash)
            .join(customers, customers.c.id == portal_links.c.customer_id)
            .where(customers.c.code.in_(chunk), portal_links.c.revoked_at.is_(None),
                   portal_links.c.expires_at > fresh_after)
            .order_by(portal_links.c.id)))
        for row in rows:  # the newest live link wins
            token = make_token(secret, row.id, row.expires_at)
            if token_hash(token) == row.token_hash:  # else the secret key has changed
                urls[row.code] = portal_url(public_url, token)
        known = set(connection.execute(sa.select(customers.c.code)
                                       .where(customers.c.code.in_(chunk))).scalars())
        for code in chunk:
            if code in known and code not in urls:
                urls[code] = issue_link(connection, customer_code=code, secret=secret,
                                        public_url=public_url, days=days, actor=actor,
                                        now=now).url
    return urls


@dataclass
class LedgerPortalLinks:
    """hub.ports.PortalLinks on the ledger: what NOTIFY's templates and SHEETS' portal-link
    column call. Each call runs in its own short transaction."""

    engine: Engine
    clock: Clock
    secret: str
    public_url: str
    days: int
    actor: str = "system"

    def portal_url(self, customer_code: str) -> str:
        urls = self.portal_urls([customer_code])
        if customer_code not in urls:
            raise NotFound(lazy_gettext("no customer with code %(code)s",
                                        code=repr(customer_code)))
        return urls[customer_code]

    def portal_urls(self, customer_codes: Iterable[str]) -> dict[str, str]:
        with self.engine.begin() as connection:
            return current_urls(connection, customer_codes, secret=self.secret,
                                public_url=self.public_url, days=self.days,
                                now=self.clock.now(), actor=self.actor)
