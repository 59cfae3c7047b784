"""Reading and checking the creditor profile (hub.domain.creditor): a YAML file named by
HUB_CREDITOR_FILE, read through hub.safe_yaml's bounded reader like every YAML file
people supply, and written back by the admin page.

Every problem names its field (`accounts[1].iban: ...`), so the command line lists them
and the web page shows each beside its input. IBANs are checked with schwifty (country,
length, checksum), BICs by format, UK sort codes (six digits) and account numbers (eight
digits), currencies against ISO 4217, and the SMS sender id against Twilio's rules for
alphanumeric sender ids.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from schwifty import BIC
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from hub.domain.creditor import REFERENCE_PER
from hub.domain.creditor import BankAccount
from hub.domain.creditor import CreditorProfile
from hub.domain.currency import UnknownCurrency
from hub.domain.currency import normalise_currency
from hub.domain.national_references import FORMATS
from hub.safe_yaml import YamlLimitError
from hub.safe_yaml import read_limited
from hub.safe_yaml import safe_load

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_BIC = re.compile(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")
_SENDER_ID = re.compile(r"[A-Za-z0-9 +\-_&]{1,11}")
TEXT_FIELDS = ("legal_name", "trading_name", "logo", "email", "phone", "vat_number",
               "registration_number", "website", "reference_per", "national_reference",
               "sms_sender_id")
ACCOUNT_FIELDS = ("currency", "iban", "bic", "sort_code", "account_number", "bank_name")


class CreditorFileError(ValueError):
    """The profile cannot be used; `problems` maps each field to what is wrong with it."""

    def __init__(self, source: str, problems: Mapping[str, str]) -> None:
        self.source = source
        self.problems = dict(problems)
        listed = "; ".join(f"{name}: {problem}" for name, problem in self.problems.items())
        super().__init__(f"{source}: {listed}")


def sender_id_problem(value: str) -> str | None:
    """Twilio alphanumeric sender ids: 1-11 letters, digits, spaces, + - _ &, and at
    least one letter (digits alone would read as a phone number)."""
    if not _SENDER_ID.fullmatch(value):
        return "1 to 11 characters: letters, digits, spaces and + - _ & only"
    if not any(char.isalpha() for char in value):
        return "needs at least one letter (digits alone read as a phone number)"
    return None


def _text(data: Mapping[str, Any], name: str, problems: dict[str, str], prefix: str = ""
          ) -> str:
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int):
        problems[prefix + name] = "must be text"
        return ""
    return str(value).strip()


def _account(raw: Any, index: int, problems: dict[str, str]) -> BankAccount | None:
    where = f"accounts[{index}]."
    if not isinstance(raw, Mapping):
        problems[f"accounts[{index}]"] = "must be a mapping with currency, iban, bic, ..."
        return None
    for key in raw:
        if key not in ACCOUNT_FIELDS:
            problems[f"{where}{key}"] = f"unknown field; known: {', '.join(ACCOUNT_FIELDS)}"
    values = {name: _text(raw, name, problems, where) for name in ACCOUNT_FIELDS}
    try:
        currency = normalise_currency(values["currency"]) if values["currency"] else ""
    except UnknownCurrency:
        problems[where + "currency"] = f"{values['currency']!r} is not an ISO 4217 currency code"
        currency = ""
    if not values["currency"]:
        problems[where + "currency"] = "required (ISO 4217, e.g. EUR)"
    iban, bic = _iban_bic(values, where, problems)
    sort_code, number = _uk_account(values, where, problems)
    if not values["iban"] and not number:
        problems[where + "iban"] = "an IBAN, or a sort code and account number, is required"
    return BankAccount(currency=currency, iban=iban, bic=bic, sort_code=sort_code,
                       account_number=number, bank_name=values["bank_name"])


def _iban_bic(values: Mapping[str, str], where: str, problems: dict[str, str]
              ) -> tuple[str, str]:
    iban = bic = ""
    if values["iban"]:
        try:
            iban = IBAN(values["iban"]).compact
        except SchwiftyException as exc:
            problems[where + "iban"] = f"{values['iban']!r} is not a valid IBAN ({exc})"
    if values["bic"]:
        compact = values["bic"].replace(" ", "").upper()
        try:
            if not _BIC.fullmatch(compact):
                raise ValueError("8 or 11 letters and digits: bank, country, place, branch")
            bic = BIC(compact).compact
        except (SchwiftyException, ValueError) as exc:
            problems[where + "bic"] = f"{values['bic']!r} is not a valid BIC ({exc})"
    return iban, bic


def _uk_account(values: Mapping[str, str], where: str, problems: dict[str, str]
                ) -> tuple[str, str]:
    sort_code = re.sub(r"[\s-]", "", values["sort_code"])
    if sort_code and not (sort_code.isdigit() and len(sort_code) == 6):
        problems[where + "sort_code"] = f"{values['sort_code']!r}: a sort code is 6 digits"
    number = values["account_number"].replace(" ", "")
    if number and not (number.isdigit() and len(number) == 8):
        problems[where + "account_number"] = \
            f"{values['account_number']!r}: a UK account number is 8 digits"
    if bool(sort_code) != bool(number):
        problems[where + ("account_number" if sort_code else "sort_code")] = \
            "a sort code and an account number go together"
    return sort_code, number


def _check_texts(values: Mapping[str, str], problems: dict[str, str]) -> None:
    if not values["legal_name"]:
        problems["legal_name"] = "required: the company's registered name"
    if values["email"] and not _EMAIL.fullmatch(values["email"]):
        problems["email"] = f"{values['email']!r} is not an e-mail address"
    if values["reference_per"] and values["reference_per"] not in REFERENCE_PER:
        problems["reference_per"] = "invoice or customer"
    if values["national_reference"] and values["national_reference"] not in FORMATS:
        problems["national_reference"] = "be, nl or fi (or leave it out)"
    if values["sms_sender_id"] and (problem := sender_id_problem(values["sms_sender_id"])):
        problems["sms_sender_id"] = problem
    if values["logo"] and not Path(values["logo"]).is_file():
        problems["logo"] = f"no file {values['logo']!r}"


# A creditor's own worksheets (docs/creditors.md): the `sheets` section of its profile.
# Secrets are named, never written in: an environment variable or a file holds them.
SHEET_BACKENDS = ("xlsx", "google", "smartsheet", "off")
TOKEN_ENV = "sheets.smartsheet_token_env"  # noqa: S105 (a field's name, not a secret)
TOKEN_FIELD = "sheets.smartsheet_token"  # noqa: S105 (refused: the token is never kept)
SHEET_FIELDS = ("backend", "google_credentials_file", "google_spreadsheets",
                "smartsheet_token_env", "smartsheet_token_file", "smartsheet_sheets",
                "smartsheet_workspace")


@dataclass(frozen=True)
class CreditorSheets:
    """Where one creditor's worklist sheets live; the token itself is only referred to."""

    backend: str
    google_credentials_file: Path | None = None
    google_spreadsheets: tuple[tuple[str, str], ...] = ()  # department (or *) -> key
    smartsheet_token_env: str = ""  # the environment variable holding the token
    smartsheet_token_file: Path | None = None  # or the file holding it
    smartsheet_sheets: tuple[tuple[str, str], ...] = ()  # department -> sheet id
    smartsheet_workspace: str = ""


def _id_map(raw: Any, name: str, problems: dict[str, str]) -> tuple[tuple[str, str], ...]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping) or not all(
            isinstance(v, (str, int)) and str(v).strip() for v in raw.values()):
        problems[f"sheets.{name}"] = "a mapping of department (or *) to an id, " \
                                     "for example {'*': '1XyZ...'}"
        return ()
    return tuple((str(k).strip(), str(v).strip()) for k, v in raw.items())


def sheets_from_data(raw: Any, problems: dict[str, str]) -> CreditorSheets | None:
    """The `sheets` section, checked (problems named `sheets.<field>`); None: no section."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems["sheets"] = "a mapping: backend, and that backend's fields"
        return None
    for key in raw:
        if key == "smartsheet_token":
            problems[TOKEN_FIELD] = (
                "keep the token out of the profile: name the environment variable that "
                "holds it (smartsheet_token_env) or the file (smartsheet_token_file)")
        elif key not in SHEET_FIELDS:
            problems[f"sheets.{key}"] = f"unknown field; known: {', '.join(SHEET_FIELDS)}"
    backend = str(raw.get("backend") or "").strip().lower()
    if backend not in SHEET_BACKENDS:
        problems["sheets.backend"] = f"one of {', '.join(SHEET_BACKENDS)}"
    texts = {name: str(raw.get(name) or "").strip() for name in
             ("google_credentials_file", "smartsheet_token_env", "smartsheet_token_file",
              "smartsheet_workspace")}
    sheets = CreditorSheets(
        backend=backend,
        google_credentials_file=Path(texts["google_credentials_file"])
        if texts["google_credentials_file"] else None,
        google_spreadsheets=_id_map(raw.get("google_spreadsheets"), "google_spreadsheets",
                                    problems),
        smartsheet_token_env=texts["smartsheet_token_env"],
        smartsheet_token_file=Path(texts["smartsheet_token_file"])
        if texts["smartsheet_token_file"] else None,
        smartsheet_sheets=_id_map(raw.get("smartsheet_sheets"), "smartsheet_sheets",
                                  problems),
        smartsheet_workspace=texts["smartsheet_workspace"])
    if backend == "google":
        if sheets.google_credentials_file is None:
            problems["sheets.google_credentials_file"] = \
                "the path of the service-account key file (see docs/sheets.md)"
        if not sheets.google_spreadsheets:
            problems["sheets.google_spreadsheets"] = \
                "which spreadsheet each department uses, for example {'*': '1XyZ...'}"
    if backend == "smartsheet" and \
            bool(sheets.smartsheet_token_env) == bool(sheets.smartsheet_token_file):
        problems[TOKEN_ENV] = "name the environment variable holding the API token, or " \
                              "the file (smartsheet_token_file): one of the two"
    if sheets.smartsheet_token_env and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*",
                                                        sheets.smartsheet_token_env):
        problems[TOKEN_ENV] = "the name of an environment variable"
    return sheets


def sheets_of_text(text: str | None, source: str) -> CreditorSheets | None:
    """The `sheets` section of a creditor's profile YAML; CreditorFileError when wrong."""
    if not text:
        return None
    data = safe_load(text)
    if not isinstance(data, Mapping):
        return None
    problems: dict[str, str] = {}
    sheets = sheets_from_data(data.get("sheets"), problems)
    if problems:
        raise CreditorFileError(source, problems)
    return sheets


def sheets_data(text: str | None) -> Any:
    """The `sheets` section of a profile's YAML as written (kept when the admin page saves
    the rest), or None."""
    data = safe_load(text) if text else None
    return data.get("sheets") if isinstance(data, Mapping) else None


def profile_from_data(data: Any, source: str) -> CreditorProfile:
    """The profile in `data` (the parsed YAML, or the admin form), or CreditorFileError
    listing every problem at once."""
    if not isinstance(data, Mapping):
        raise CreditorFileError(source, {"file": "must be a mapping of fields "
                                         "(legal_name: ..., accounts: [...])"})
    problems: dict[str, str] = {}
    known = {*TEXT_FIELDS, "address", "accounts", "sheets"}
    for key in data:
        if key not in known:
            problems[str(key)] = f"unknown field; known: {', '.join(sorted(known))}"
    sheets_from_data(data.get("sheets"), problems)
    values = {name: _text(data, name, problems) for name in TEXT_FIELDS}
    _check_texts(values, problems)
    address = data.get("address") or []
    if isinstance(address, str):
        address = [line for line in address.splitlines() if line.strip()]
    if not isinstance(address, list) or not all(isinstance(line, str) for line in address):
        problems["address"] = "a list of lines"
        address = []
    raw_accounts = data.get("accounts") or []
    if not isinstance(raw_accounts, list):
        problems["accounts"] = "a list of accounts"
        raw_accounts = []
    accounts = [account for index, raw in enumerate(raw_accounts)
                if (account := _account(raw, index, problems)) is not None]
    seen: set[str] = set()
    for index, account in enumerate(accounts):
        if account.currency and account.currency in seen:
            problems[f"accounts[{index}].currency"] = f"a second {account.currency} account; " \
                "keep one account per currency"
        seen.add(account.currency)
    if problems:
        raise CreditorFileError(source, problems)
    return CreditorProfile(**{**values, "reference_per": values["reference_per"] or "invoice"},
                           address=tuple(line.strip() for line in address if line.strip()),
                           accounts=tuple(accounts))


def parse_creditor(text: str, source: str) -> CreditorProfile:
    """The profile in YAML `text` (a creditor's row, docs/creditors.md)."""
    try:
        data = safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise CreditorFileError(source, {"file": f"{line}not valid YAML "
                                         f"({getattr(exc, 'problem', None) or exc})"}) from None
    return profile_from_data(data, source)


def load_creditor(path: Path) -> CreditorProfile:
    """The profile in `path`; CreditorFileError when it is missing, unreadable or wrong."""
    source = str(path)
    try:
        text = read_limited(path)
    except FileNotFoundError:
        raise CreditorFileError(source, {"file": "does not exist"}) from None
    except YamlLimitError as exc:
        raise CreditorFileError(source, {"file": str(exc)}) from None
    except UnicodeDecodeError:
        raise CreditorFileError(source, {"file": "is not UTF-8 text"}) from None
    except OSError as exc:
        raise CreditorFileError(source, {"file": f"cannot be read ({exc.strerror})"}) from None
    return parse_creditor(text, source)


def profile_data(profile: CreditorProfile) -> dict[str, Any]:
    """The profile as the file holds it (what the admin page writes back)."""
    data: dict[str, Any] = {name: getattr(profile, name) for name in TEXT_FIELDS
                            if getattr(profile, name)}
    data["address"] = list(profile.address)
    data["accounts"] = [{name: getattr(account, name) for name in ACCOUNT_FIELDS
                         if getattr(account, name)} for account in profile.accounts]
    return data


def creditor_text(profile: CreditorProfile, sheets: Any = None) -> str:
    """The profile as YAML (the file, or a creditor's row), with its `sheets` section
    when there is one."""
    data = profile_data(profile)
    if sheets is not None:
        data["sheets"] = sheets
    return "# The creditor profile (docs/creditor.md). Written by the admin page.\n" + \
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_creditor(path: Path, profile: CreditorProfile) -> None:
    """Replace the file atomically: a reader sees the old profile or the new one."""
    text = creditor_text(profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(temporary, path)


@dataclass(frozen=True, slots=True)
class CreditorState:
    """The profile in force, or why there is none (not configured, or broken)."""

    profile: CreditorProfile | None
    problem: str = ""


def creditor_state(path: Path | None) -> CreditorState:
    if path is None:
        return CreditorState(None, "no creditor profile: HUB_CREDITOR_FILE is not set, so "
                                   "messages carry no bank details or payment reference")
    try:
        return CreditorState(load_creditor(path))
    except CreditorFileError as exc:
        return CreditorState(None, f"the creditor profile cannot be used, so messages carry "
                                   f"no bank details or payment reference: {exc}")


def creditor_state_from_text(text: str | None, source: str) -> CreditorState:
    """The profile kept in a creditor's row (every creditor but the default one)."""
    if not text:
        return CreditorState(None, f"no creditor profile for {source}, so messages carry no "
                                   "bank details or payment reference")
    try:
        return CreditorState(parse_creditor(text, source))
    except CreditorFileError as exc:
        return CreditorState(None, f"the creditor profile cannot be used, so messages carry "
                                   f"no bank details or payment reference: {exc}")
