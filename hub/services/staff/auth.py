"""Staff sign-in: argon2 password hashes, lockout after repeated failures, and an
audit record of every attempt. The only module that knows argon2."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
from datetime import datetime
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError
from argon2.exceptions import VerificationError
from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.errors import UserError
from hub.i18n import lazy_gettext
from hub.ledger import staff
from hub.ledger.staff import StaffRow
from hub.ledger.tenancy import DEFAULT_CREDITOR
from hub.ledger.tenancy import acting_for
from hub.ledger.tenancy import platform_wide
from hub.services.staff.creditors import home_creditor

MIN_PASSWORD_LENGTH = 12


class Hashing:
    """argon2id with the library's recommended parameters. Tests swap in cheaper ones
    (`Hashing.use(PasswordHasher(time_cost=1, memory_cost=1024))`): a hash carries its
    own parameters, so verification always matches how it was made."""

    hasher = PasswordHasher()
    _dummy: str | None = None

    @classmethod
    def use(cls, hasher: PasswordHasher) -> None:
        cls.hasher = hasher
        cls._dummy = None

    @classmethod
    def dummy(cls) -> str:
        """A hash to verify against for unknown addresses, so they take as long as
        known ones (no timing hint about who has an account)."""
        if cls._dummy is None:
            cls._dummy = cls.hasher.hash("not anybody's password")
        return cls._dummy


@dataclass(frozen=True)
class LockoutPolicy:
    max_failures: int = 5
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True)
class SignInResult:
    user: StaffRow | None
    reason: str | None = None  # why it failed, for the audit log (never shown verbatim)
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(lazy_gettext("a password needs at least %(least)s "
                                     "characters", least=MIN_PASSWORD_LENGTH))
    return Hashing.hasher.hash(password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return Hashing.hasher.verify(stored or Hashing.dummy(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def set_password(connection: Connection, email: str, password: str, *, actor: str,
                 now: datetime) -> None:
    user = staff.user_by_email(connection, email)
    if user is None:
        raise UserError(lazy_gettext("no user with e-mail %(email)s; add them first",
                                     email=repr(email)))
    staff.set_password_hash(connection, user.id, hash_password(password), now)
    staff.unlock(connection, user.email)  # a new password is also the way out of a lockout
    staff.audit(connection, actor=actor, action="user.password_set", target=user.email, now=now)


def sign_in(engine: Engine, email: str, password: str, *, now: datetime, address: str | None,
            policy: LockoutPolicy) -> SignInResult:
    """Check a password; count failures per address and lock the account for a while
    after `policy.max_failures` in a row. Every attempt lands in the audit log."""
    email = email.strip().lower()[:320]  # the longest address there is; longer is a typo
    with engine.begin() as connection, \
            acting_for(home_creditor(connection, email) or DEFAULT_CREDITOR):
        state = staff.sign_in_state_for(connection, email)
        user = staff.user_by_email(connection, email)
        if state.locked_until is not None and state.locked_until > now:
            staff.audit(connection, actor=email or "anonymous", action="signin.locked_out",
                        target=email, address=address, now=now)
            return SignInResult(None, "locked", state.locked_until)
        valid = _verify(user.password_hash if user else None, password)
        if user is not None and valid and user.active:
            staff.record_success(connection, email, now)
            staff.audit(connection, actor=user.email, action="signin.succeeded",
                        target=user.email, address=address, now=now,
                        detail={"method": "password"})
            if Hashing.hasher.check_needs_rehash(user.password_hash or ""):
                rehashed = Hashing.hasher.hash(password)
                staff.set_password_hash(connection, user.id, rehashed, now)
                user = replace(user, password_hash=rehashed)  # the session's stamp
            return SignInResult(user)
        reason = "inactive" if user is not None and valid else "bad_credentials"
        failures = state.failed_count + 1
        locked_until = now + policy.lockout if failures >= policy.max_failures else None
        staff.record_failure(connection, email, failed_count=0 if locked_until else failures,
                             locked_until=locked_until, now=now)
        staff.audit(connection, actor=email or "anonymous", action="signin.failed",
                    target=email, address=address, now=now,
                    detail={"reason": reason, "failures": failures,
                            "locked": locked_until is not None})
        return SignInResult(None, reason, locked_until)


@dataclass(frozen=True)
class GuessingLimit:
    """Failed sign-ins allowed in `window`: for one person from one address, and from one
    address in all (many people behind one office address sign in wrongly now and then;
    trying one password on many accounts is what the second number stops). Correct
    sign-ins are never counted."""

    per_person_and_address: int = 10
    per_address: int = 30
    window: timedelta = timedelta(minutes=1)


def guessing_wait(engine: Engine, email: str, address: str | None, *, now: datetime,
                  limit: GuessingLimit) -> timedelta | None:
    """How long `address` must wait before trying `email` again, from the failures the
    audit log holds (so every web worker counts the same); None: go ahead."""
    if address is None:
        return None
    email = email.strip().lower()[:320]
    since = now - limit.window
    with engine.connect() as connection, platform_wide():  # guesses at every creditor's users
        failures = staff.failed_sign_ins(connection, address=address, since=since)
    mine = [at for at, target in failures if target == email]
    for found, allowed in ((mine, limit.per_person_and_address),
                           ([at for at, _ in failures], limit.per_address)):
        if len(found) >= allowed:
            oldest = sorted(found)[len(found) - allowed]
            return max(oldest + limit.window - now, timedelta(seconds=1))
    return None


def sign_in_external(engine: Engine, email: str, *, provider: str, now: datetime,
                     address: str | None) -> SignInResult:
    """A sign-in vouched for by an identity provider: the user must exist and be active
    here (roles and scopes come from this hub, never from the provider)."""
    with engine.begin() as connection, \
            acting_for(home_creditor(connection, email) or DEFAULT_CREDITOR):
        user = staff.user_by_email(connection, email)
        if user is None or not user.active:
            reason = "unknown_user" if user is None else "inactive"
            staff.audit(connection, actor=email or "anonymous", action="signin.failed",
                        target=email, address=address, now=now,
                        detail={"reason": reason, "method": provider})
            return SignInResult(None, reason)
        staff.record_success(connection, user.email, now)
        staff.audit(connection, actor=user.email, action="signin.succeeded", target=user.email,
                    address=address, now=now, detail={"method": provider})
        return SignInResult(user)
