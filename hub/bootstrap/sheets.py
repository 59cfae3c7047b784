"""The sheets part of the composition root (the Hub in root.py calls it): which backend
follows from HUB_SHEETS_BACKEND; the adapters are imported only when used."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine

from hub.config import ConfigError
from hub.config import Settings
from hub.domain.sheets import SheetTargetError
from hub.ports import PortalLinks
from hub.ports import WorksheetBackend
from hub.services.sheets.sync import SheetSync

BACKENDS = ("xlsx", "google", "smartsheet")


def build_backend(hub_settings: Settings, name: str | None = None) -> WorksheetBackend:
    settings = hub_settings.sheets
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
    if creditor != DEFAULT_CREDITOR:
        raise ConfigError(f"sheets for creditor {creditor}: the {name} spreadsheets are the "
                          "default creditor's; other creditors use the xlsx backend "
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
            raise ConfigError(f"HUB_GOOGLE_CREDENTIALS_FILE: {exc}") from None
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
    settings = hub_settings.sheets
    if backend is None and settings.backend == "off":
        return None
    from sync.sheets.layout import load_layout  # noqa: PLC0415

    layout = load_layout(settings.layout_file, settings.language)
    return SheetSync(engine, build_backend(hub_settings, backend), layout,
                     portal_links=portal_links() if settings.portal_links else None,
                     zone_name=hub_settings.timezone)
