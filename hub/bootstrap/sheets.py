"""The sheets part of the composition root (the Hub in root.py calls it): which backend
follows from HUB_SHEETS_BACKEND for the default creditor, and from the `sheets` section of
its profile for any other (docs/creditors.md); the adapters are imported only when used."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable

from sqlalchemy import Engine

from hub.config import ConfigError
from hub.config import Settings
from hub.config import SheetSettings
from hub.domain.sheets import SheetTargetError
from hub.ports import PortalLinks
from hub.ports import WorksheetBackend
from hub.services.sheets.sync import SheetSync

BACKENDS = ("xlsx", "google", "smartsheet")


def creditor_sheet_settings(hub_settings: Settings, engine: Engine) -> tuple[SheetSettings, bool]:
    """The sheet settings of the creditor the code acts for, and whether they are its own
    (a `sheets` section in its profile row) rather than the platform's HUB_SHEETS_*."""
    from hub.creditor import CreditorFileError  # noqa: PLC0415
    from hub.creditor import sheets_of_text  # noqa: PLC0415
    from hub.ledger.tenancy import DEFAULT_CREDITOR  # noqa: PLC0415
    from hub.ledger.tenancy import current_creditor  # noqa: PLC0415
    from hub.services.staff.creditors import creditor_by_id  # noqa: PLC0415

    creditor_id = current_creditor()
    if creditor_id == DEFAULT_CREDITOR:
        return hub_settings.sheets, False
    with engine.connect() as connection:
        creditor = creditor_by_id(connection, creditor_id)
    code = creditor.code if creditor else str(creditor_id)
    where = f"creditor {code}'s profile"
    try:
        chosen = sheets_of_text(creditor.profile if creditor else None, where)
    except CreditorFileError as exc:
        raise ConfigError(f"sheets for {exc}") from None
    if chosen is None:
        return hub_settings.sheets, False
    token = ""
    if chosen.smartsheet_token_env:
        token = os.environ.get(chosen.smartsheet_token_env, "").strip()
        if not token:
            raise ConfigError(f"sheets for {where}: sheets.smartsheet_token_env names "
                              f"{chosen.smartsheet_token_env}, which is not set in the "
                              "environment of this process")
    elif chosen.smartsheet_token_file is not None:
        try:
            token = chosen.smartsheet_token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"sheets for {where}: sheets.smartsheet_token_file "
                              f"{chosen.smartsheet_token_file} cannot be read "
                              f"({exc.strerror})") from None
    return dataclasses.replace(
        hub_settings.sheets, backend=chosen.backend,
        google_credentials_file=chosen.google_credentials_file,
        google_spreadsheets=chosen.google_spreadsheets, smartsheet_token=token,
        smartsheet_sheets=chosen.smartsheet_sheets,
        smartsheet_workspace=chosen.smartsheet_workspace), True


def build_backend(hub_settings: Settings, name: str | None = None, *,
                  sheets: SheetSettings | None = None, own: bool = False) -> WorksheetBackend:
    """The backend `name` (default: the settings'); `sheets`: a creditor's own settings
    (creditor_sheet_settings), `own` when they come from its profile."""
    settings = sheets or hub_settings.sheets
    name = name or settings.backend
    from hub.ledger.tenancy import DEFAULT_CREDITOR  # noqa: PLC0415
    from hub.ledger.tenancy import current_creditor  # noqa: PLC0415

    creditor = current_creditor()
    if name == "xlsx":
        from sync.sheets.xlsx import XlsxBackend  # noqa: PLC0415

        folder = settings.directory or hub_settings.var_dir / "sheets"
        if creditor != DEFAULT_CREDITOR:  # each creditor's workbooks apart (docs/creditors.md)
            folder = folder / f"creditor-{creditor}"
        return XlsxBackend(folder, workbooks=settings.xlsx_workbooks)
    if creditor != DEFAULT_CREDITOR and not own:
        raise ConfigError(f"sheets for creditor {creditor}: the {name} spreadsheets of "
                          "HUB_SHEETS_BACKEND are the default creditor's; give this creditor "
                          "its own in the sheets section of its profile, or use xlsx "
                          "(docs/creditors.md)")
    from sync.sheets.pacing import RetryPolicy  # noqa: PLC0415

    retry = RetryPolicy(attempts=settings.max_attempts)
    if name == "google":
        from sync.sheets.gsheets import GoogleSheetsBackend  # noqa: PLC0415
        from sync.sheets.gsheets import load_credentials  # noqa: PLC0415
        from sync.sheets.pacing import Pacer  # noqa: PLC0415

        if settings.google_credentials_file is None:
            raise ConfigError("HUB_SHEETS_BACKEND=google needs HUB_GOOGLE_CREDENTIALS_FILE "
                              "(a service-account key; see docs/sheets.md)")
        if not settings.google_spreadsheets:
            raise ConfigError("HUB_SHEETS_BACKEND=google needs HUB_GOOGLE_SPREADSHEETS, "
                              "for example 'Sales=1AbC...,*=1XyZ...'")
        try:
            credentials = load_credentials(settings.google_credentials_file)
        except SheetTargetError as exc:
            label = "sheets.google_credentials_file of the creditor's profile" if own \
                else "HUB_GOOGLE_CREDENTIALS_FILE"
            raise ConfigError(f"{label}: {exc}") from None
        return GoogleSheetsBackend(
            spreadsheets=dict(settings.google_spreadsheets),
            credentials=credentials,
            api_base=settings.google_api_url or None,
            pacer=Pacer(settings.google_requests_per_minute), retry=retry)
    if name == "smartsheet":
        from sync.sheets.pacing import Pacer  # noqa: PLC0415
        from sync.sheets.smartsheet import SmartsheetBackend  # noqa: PLC0415

        if not settings.smartsheet_token:
            raise ConfigError("HUB_SHEETS_BACKEND=smartsheet needs HUB_SMARTSHEET_TOKEN "
                              "(see docs/sheets.md)")
        return SmartsheetBackend(
            token=settings.smartsheet_token, api_base=settings.smartsheet_api_url or None,
            sheets=dict(settings.smartsheet_sheets),
            workspace_id=settings.smartsheet_workspace or None,
            pacer=Pacer(settings.smartsheet_requests_per_minute), retry=retry)
    raise ConfigError(f"unknown sheets backend {name!r}: use {', '.join(BACKENDS)}")


def build_sheet_sync(hub_settings: Settings, engine: Engine, *, backend: str | None = None,
                     portal_links: Callable[[], PortalLinks]) -> SheetSync | None:
    """None when sheets are off (HUB_SHEETS_BACKEND=off and no backend asked for);
    `portal_links` builds the links of the portal-link column when that is on."""
    settings, own = creditor_sheet_settings(hub_settings, engine)
    if backend is None and settings.backend == "off":
        return None
    from sync.sheets.layout import load_layout  # noqa: PLC0415

    layout = load_layout(settings.layout_file, settings.language)
    return SheetSync(engine, build_backend(hub_settings, backend, sheets=settings, own=own),
                     layout,
                     portal_links=portal_links() if settings.portal_links else None,
                     zone_name=hub_settings.timezone)
